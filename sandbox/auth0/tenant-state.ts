import { randomBytes } from "node:crypto";
import type Provider from "oidc-provider";
import type { MemoryStore } from "../shared/oidc-memory-adapter";
import type { TenantClient, TenantUser } from "./tenant-data";

/** What every part of the Auth0 tenant stand-in shares: its state, its URLs, its limits. */

/** One Action of the Login flow, with its own secrets and configuration (as in Auth0). */
export interface TenantAction {
  /** A post-login Action file (CommonJS, as pasted into Auth0). */
  file: string;
  secrets?: Record<string, string>;
  configuration?: Record<string, string>;
}

export const PATHS = {
  authorization: "/authorize",
  token: "/oauth/token",
  revocation: "/oauth/revoke",
  userinfo: "/userinfo",
  jwks: "/.well-known/jwks.json",
  endSession: "/oidc/logout",
  v2Logout: "/v2/logout",
  login: "/u/login/",
  continue: "/continue",
} as const;

// Own cookie names: the sample app, the portal and the tenant share the host 127.0.0.1 in
// the demo, and browsers do not separate cookies by port.
export const COOKIE_NAMES = { session: "auth0_standin_session", interaction: "auth0_standin_interaction", resume: "auth0_standin_resume" };
export const SESSION_COOKIE = COOKIE_NAMES.session;
export const ACCESS_TOKEN_TTL = 86_400; // Auth0's default
export const ID_TOKEN_TTL = 36_000; // Auth0's default
export const REFRESH_TOKEN_TTL = 30 * 86_400;
/** Auth0 ends a login transaction one hour after it began (and oidc-provider its interaction). */
export const TRANSACTION_TTL_MS = 3_600_000;
export const FORM_LIMIT = 64 * 1024;

/** A login going through the Login flow, waiting at an Action's redirect for `/continue?state=…`. */
export interface Transaction {
  state: string;
  uid: string;
  userId: string;
  clientId: string;
  /** When the login transaction began (the authorization request), on the tenant's clock. */
  startedAt: number;
  /** The Action (index in the flow) that redirected and waits for /continue. */
  actionIndex: number;
  /** ID token claims set so far in this login. */
  claims: Record<string, unknown>;
  continued: boolean;
}

export interface TenantState {
  url: string;
  domain: string;
  actions: Required<TenantAction>[];
  clock: () => number;
  clients: Map<string, TenantClient>;
  users: Map<string, TenantUser>;
  appMetadata: Map<string, Record<string, unknown>>;
  /** ID token claim names the Actions may set. */
  actionClaims: Set<string>;
  /** The Actions' ID token claims of the login (or latest refresh) that made each grant. */
  grantClaims: Map<string, Record<string, unknown>>;
  transactions: Map<string, Transaction>;
  warnedClaims: Set<string>;
  provider: Provider;
  /** oidc-provider's storage (codes, tokens, sessions): the Management API deletes a user's refresh tokens and sessions in it. */
  store: MemoryStore;
}

export function randomToken(): string {
  return randomBytes(24).toString("base64url");
}
