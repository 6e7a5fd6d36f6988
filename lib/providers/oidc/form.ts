import { z } from "zod";
import { ATTRIBUTE_FIELDS } from "../vocabulary";
import { AUTH_METHODS, oidcConfigSchema, STANDARD_MAPPING } from "./config";

/**
 * The admin form of the "OpenID Connect provider" (FormData-shaped: strings, a
 * textarea per list), parsed into its provider_setting row: issuer, client id, the
 * write-only secret and the provider's own settings (./config.ts). No server imports.
 */

const text = (v: unknown): string => (Array.isArray(v) ? text(v[v.length - 1]) : typeof v === "string" ? v.trim() : "");
const list = (v: unknown): string[] =>
  text(v)
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

function isIssuer(v: string): boolean {
  if (!URL.canParse(v)) return false;
  const u = new URL(v);
  return /^https?:$/.test(u.protocol) && !u.username && !u.password && !u.search && !u.hash;
}

export const oidcFormSchema = z
  .object({
    issuer: z.preprocess(
      text,
      z
        .string()
        .min(1, "Enter the issuer: discovery is read from <issuer>/.well-known/openid-configuration.")
        .max(500, "At most 500 characters.")
        .refine(isIssuer, "Enter an http(s) URL without query or credentials, e.g. https://login.example.gov.")
        .transform((v) => v.replace(/\/+$/, "")),
    ),
    clientId: z.preprocess(
      text,
      z.string().min(1, "Enter the client id the provider gave you.").max(200).regex(/^\S*$/, "A client id has no spaces."),
    ),
    clientSecret: z.preprocess(
      text,
      z
        .string()
        .max(500, "At most 500 characters.")
        .regex(/^\S*$/, "A client secret has no spaces.")
        .transform((v) => v || null),
    ),
    auth: z.preprocess(text, z.enum(AUTH_METHODS, { error: "Choose how the portal authenticates to the provider." })),
    displayName: z.preprocess(text, z.string()),
    scopes: z.preprocess(
      list,
      z
        .array(
          z
            .string()
            .max(200)
            .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, "A scope has no spaces or quotes."),
        )
        .max(50),
    ),
    acrValues: z.preprocess(text, z.string()),
    claims: z.preprocess(
      text,
      z.string().refine((v) => {
        if (!v) return true;
        try {
          const parsed = JSON.parse(v) as unknown;
          return !!parsed && typeof parsed === "object" && !Array.isArray(parsed);
        } catch {
          return false;
        }
      }, 'Enter a JSON object such as {"id_token":{"acr":{"essential":true}}}, or leave it empty.'),
    ),
    verifiedKind: z.preprocess(text, z.enum(["acr", "verified_claims", "claim"], { error: "Choose what “verified” means." })),
    verifiedAcr: z.preprocess(text, z.string()),
    trustFrameworks: z.preprocess(list, z.array(z.string())),
    verifiedClaim: z.preprocess(text, z.string()),
    verifiedValue: z.preprocess(text, z.string()),
    ...Object.fromEntries(ATTRIBUTE_FIELDS.map((f) => [`map_${f}`, z.preprocess(text, z.string())])),
  })
  .transform((f, ctx) => {
    const verified =
      f.verifiedKind === "acr"
        ? { kind: "acr" as const, acr: f.verifiedAcr }
        : f.verifiedKind === "verified_claims"
          ? { kind: "verified_claims" as const, trustFrameworks: f.trustFrameworks }
          : { kind: "claim" as const, claim: f.verifiedClaim, value: f.verifiedValue };
    const mapping = Object.fromEntries(ATTRIBUTE_FIELDS.map((k) => [k, String((f as Record<string, unknown>)[`map_${k}`] ?? "")]));
    const config = oidcConfigSchema.safeParse({
      displayName: f.displayName,
      auth: f.auth,
      scopes: [...new Set(["openid", ...f.scopes])],
      acrValues: f.acrValues,
      claims: f.claims,
      verified,
      mapping,
    });
    if (!config.success) {
      for (const issue of config.error.issues) {
        const [head, second] = issue.path.map(String);
        // Report each problem under the form field it came from.
        const path =
          head === "verified"
            ? second === "acr"
              ? "verifiedAcr"
              : second === "trustFrameworks"
                ? "trustFrameworks"
                : second === "claim"
                  ? "verifiedClaim"
                  : "verifiedValue"
            : head === "mapping"
              ? `map_${second}`
              : (head ?? "_");
        ctx.addIssue({ code: "custom", path: [path], message: issue.message });
      }
      return z.NEVER;
    }
    return { issuer: f.issuer, clientId: f.clientId, clientSecret: f.clientSecret, config: config.data };
  });

export type OidcFormInput = z.output<typeof oidcFormSchema>;

export { STANDARD_MAPPING };
