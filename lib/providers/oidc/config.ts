import { z } from "zod";
import { ATTRIBUTE_FIELDS, type AttributeField } from "../vocabulary";

/**
 * The settings of the configurable "OpenID Connect provider", as an admin enters
 * them (app/admin/settings) and as provider_setting.config keeps them. No server
 * imports: the admin form uses the same schema.
 */

export const AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"] as const;

/** OpenID Connect's standard claims for each record field (address parts inside `address`). */
export const STANDARD_MAPPING: Record<AttributeField, string> = {
  givenName: "given_name",
  familyName: "family_name",
  email: "email",
  birthDate: "birthdate",
  phone: "phone_number",
  street: "address.street_address",
  city: "address.locality",
  state: "address.region",
  zip: "address.postal_code",
  country: "address.country",
};

const claimPath = z
  .string()
  .trim()
  .max(100, "At most 100 characters.")
  .regex(/^([A-Za-z0-9_:\-]+(\.[A-Za-z0-9_:\-]+)*)?$/, "A claim name, or names joined by dots for a nested claim (address.locality).");

/** What "verified" means for this provider. */
export const verifiedRule = z.discriminatedUnion("kind", [
  /** The ID token's acr is this value (e.g. http://idmanagement.gov/ns/assurance/ial/2). */
  z.object({ kind: z.literal("acr"), acr: z.string().trim().min(1, "Enter the acr value that means verified.").max(300) }),
  /** OpenID Connect for Identity Assurance: verified_claims under one of these trust frameworks. */
  z.object({
    kind: z.literal("verified_claims"),
    trustFrameworks: z.array(z.string().trim().min(1).max(100)).min(1, "Enter at least one trust framework."),
  }),
  /** A claim equal to a value (e.g. identity_verified = true). */
  z.object({
    kind: z.literal("claim"),
    claim: claimPath.refine((v) => v !== "", "Enter the claim to compare."),
    value: z.string().max(300),
  }),
]);

export type VerifiedRule = z.output<typeof verifiedRule>;

export const oidcConfigSchema = z.object({
  /** The name the person reads ("Verify with …"). */
  displayName: z.string().trim().min(1, "Enter the name people know the service by.").max(60, "At most 60 characters."),
  auth: z.enum(AUTH_METHODS, { error: "Choose how the portal authenticates to the provider." }),
  scopes: z.array(z.string()).default(["openid", "profile", "email"]),
  /** Space-separated acr_values to request ("" = none). */
  acrValues: z.string().trim().max(500).default(""),
  /** The `claims` request parameter (OIDC Core 5.5) as JSON text ("" = none). */
  claims: z.string().trim().max(4000).default(""),
  verified: verifiedRule,
  /** Record field → claim path ("" = not kept). */
  mapping: z.record(z.enum(ATTRIBUTE_FIELDS), claimPath).default(STANDARD_MAPPING),
});

export type OidcConfig = z.output<typeof oidcConfigSchema>;
