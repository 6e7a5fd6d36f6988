import type { JWK } from "jose";
import type { z } from "zod";
import type { Env } from "../env";
import type { GroupStatus, NormalizedAttributes } from "./vocabulary";

/**
 * The verification providers as the flow sees them. lib/flow calls a provider only
 * through `VerificationProvider`; each provider lives in its own folder under
 * lib/providers/ (idme, idpartner, oidc), owns its vocabulary (scopes, the words the
 * person reads, claim parsing) and answers in the provider-neutral terms of
 * ./vocabulary.ts. Its connection is its provider_setting row (lib/settings).
 *
 * Every failure a provider reports is a `FlowError` (lib/flow/states.ts) whose code
 * says what went wrong and whose description is safe for support (no personal data).
 */

export type ProviderId = string;

export interface ProviderConnection {
  /** The provider's base URL or issuer, without a trailing slash (a local stand-in in tests and demos). */
  baseUrl: string;
  clientId: string;
  /** Empty when the provider authenticates the portal by its signing key (private_key_jwt). */
  clientSecret: string;
  /** Per-request timeout for every call to the provider, in ms. */
  timeoutMs: number;
  /** The provider's own settings (provider_setting.config), read with the provider's `config` schema. */
  config?: Record<string, unknown>;
  /** The portal's private signing key for this provider (private_key_jwt), when one was generated. */
  privateJwk?: JWK | null;
}

export interface AuthorizeParams {
  redirectUri: string;
  scopes: string[];
  state: string;
  nonce: string;
  /** PKCE code verifier; the provider sends its S256 challenge. */
  codeVerifier: string;
  /** What the person chose at the provider's chooser step (IDPartner: the bank's issuer); null without one. */
  choice?: string | null;
}

/**
 * A step before the provider's authorization request, at the provider's own page (IDPartner's
 * account selector: the person picks their bank). The flow binds it to the attempt and the
 * browser (one-use value, expiry); the provider says where to go and what answer it accepts.
 */
export interface ProviderChooser {
  /** Where to send the person; `visitorId` is the attempt's one-use value, which must come back. */
  url(conn: ProviderConnection, p: { visitorId: string; scopes: string[] }): URL;
  /** The one-use value in the chooser's answer (IDPartner: visitor_id). */
  visitorIdIn(query: URLSearchParams): string | null;
  /** Checks the answer; the choice (IDPartner: an allowed bank issuer) and a description for the timeline. Throws FlowError. */
  accept(conn: ProviderConnection, query: URLSearchParams): Promise<{ choice: string; description: string }>;
}

export interface VerificationAnswer {
  /** The provider's stable id for the person. */
  uuid: string;
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

/** A provider's connection as the environment gives it at first start (then admins edit the row). */
export interface SeedConnection {
  baseUrl: string | null;
  clientId: string;
  clientSecret: string;
  config?: Record<string, unknown>;
}

export interface VerificationProvider {
  id: ProviderId;
  /** "ID.me", "IDPartner" */
  displayName: string;
  /** The policies the provider can check; IDPartner: ["identity"]. */
  policies: readonly VerificationPolicy[];
  defaultScopes(policy: VerificationPolicy): string[];
  /** The name the person reads when it comes from the provider's own settings (the OpenID Connect provider's). */
  nameIn?(config: Record<string, unknown>): string | null;
  /** What the person is asked to do, in their words: "confirm your identity through your bank". */
  purpose(policy: VerificationPolicy, requiredGroup: string | null): string;
  /** The base URL in force from what is stored (null: the provider's default). */
  baseUrlOf(stored: string | null, config: Record<string, unknown>): string;
  /** Its own settings (provider_setting.config); absent: none. */
  config?: z.ZodType<Record<string, unknown>>;
  /** Its connection from the environment, when the environment gives one. */
  seed?(e: Env): SeedConnection | null;
  authorizationUrl(conn: ProviderConnection, p: AuthorizeParams): Promise<URL>;
  /** The public keys to publish for the portal's private key for this provider (default: its public half, for signing). */
  publicJwks?(privateJwk: JWK): JWK[];
  /** A step at the provider's chooser before the authorization request (IDPartner's bank selection). */
  chooser?: ProviderChooser;
  /** Exchanges the code (checking the ID token) and fetches the person's data; throws FlowError. */
  complete(
    conn: ProviderConnection,
    callbackUrl: URL,
    checks: { state: string; nonce: string; codeVerifier: string; scopes: string[]; choice?: string | null },
  ): Promise<VerificationAnswer>;
  /** For /api/health: a short description, or throws. */
  check(conn: ProviderConnection): Promise<string>;
}
