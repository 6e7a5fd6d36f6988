import type { NormalizedAttributes, GroupStatus } from "./vocabulary";

/**
 * The verification providers as the flow sees them. lib/flow calls a provider only
 * through `VerificationProvider`; each provider lives in its own folder
 * (lib/idme, lib/idpartner) and answers with the same `VerificationAnswer`.
 *
 * `ProviderConnection` and `AuthorizeParams` are shaped exactly like ID.me's
 * `IdmeConnection` / `AuthorizeParams` (lib/idme/client.ts), so ID.me's existing
 * `authorizationUrl(conn, p)` already fits `VerificationProvider["authorizationUrl"]`.
 *
 * Every failure a provider reports is a `FlowError` (lib/flow/states.ts) whose code
 * says what went wrong and whose description is safe for support (no personal data).
 */

export type ProviderId = "idme" | "idpartner";

export interface ProviderConnection {
  /** The provider's base URL without a trailing slash (a local stand-in in tests and demos). */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Per-request timeout for every call to the provider, in ms. */
  timeoutMs: number;
}

export interface AuthorizeParams {
  redirectUri: string;
  scopes: string[];
  state: string;
  nonce: string;
  /** PKCE code verifier; the provider sends its S256 challenge. */
  codeVerifier: string;
}

export interface VerificationAnswer {
  /** The provider's stable id for the person. */
  uuid: string;
  /** Same fields as ID.me's (uuid, givenName, familyName, email, birthDate, phone, street, city, state, zip, country). */
  normalized: NormalizedAttributes;
  /** Community groups ([] when the provider has none). */
  groups: GroupStatus[];
  /** What "verified" means for this provider. */
  identityVerified: boolean;
  attributeCount: number;
  /** The raw userinfo answer, kept sealed for audit. */
  raw: unknown;
  idTokenClaims: Record<string, unknown> | null;
  /** e.g. "oidc", "oauth": for the attempt timeline. */
  style: string;
}

export type VerificationPolicy = "identity" | "community";

export interface VerificationProvider {
  id: ProviderId;
  /** "ID.me", "IDPartner" */
  displayName: string;
  /** The policies the provider can check; IDPartner: ["identity"]. */
  policies: readonly VerificationPolicy[];
  defaultScopes(policy: VerificationPolicy): string[];
  authorizationUrl(conn: ProviderConnection, p: AuthorizeParams): Promise<URL>;
  /** Exchanges the code (checking the ID token) and fetches the person's data; throws FlowError. */
  complete(
    conn: ProviderConnection,
    callbackUrl: URL,
    checks: { state: string; nonce: string; codeVerifier: string; scopes: string[] },
  ): Promise<VerificationAnswer>;
  /** For /api/health: a short description, or throws. */
  check(conn: ProviderConnection): Promise<string>;
}
