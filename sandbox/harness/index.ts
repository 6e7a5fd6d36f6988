import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { startIdmeStandin, type IdmeStandin } from "../idme/server";
import { startIdpartnerStandin, type IdpartnerStandin } from "../idpartner/server";
import { createTestDatabase, type TestDatabase } from "./db";
import { startContinueReceiver, type ContinueReceiver } from "./continue-receiver";
import { freePort, startPortal, type RunningPortal } from "./portal";

/**
 * Everything a whole login needs on one machine: a fresh database, the ID.me
 * stand-in, a receiver for Auth0's /continue, and the portal itself.
 */

export const IDENTITY_SCOPE = "http://idmanagement.gov/ns/assurance/ial/2/aal/2";

export interface Harness {
  portal: RunningPortal;
  idme: IdmeStandin;
  idpartner: IdpartnerStandin;
  auth0: ContinueReceiver;
  db: TestDatabase;
  /** The portal's environment, to start another instance on the same database. */
  portalEnv: Record<string, string>;
  secret: string;
  encryptionKey: string;
  clientSecret: string;
  /** What the Auth0 Action's api.redirect.encodeToken would make. */
  auth0Token(claims: { sub: string; [k: string]: unknown }, opts?: { expiresIn?: number; secret?: string; iss?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startHarness(
  opts: { env?: Record<string, string>; slowMs?: number; echo?: (chunk: string) => void } = {},
): Promise<Harness> {
  const secret = randomBytes(24).toString("base64url");
  const encryptionKey = randomBytes(32).toString("hex");
  const clientSecret = randomBytes(16).toString("hex");
  const db = await createTestDatabase();
  const auth0 = await startContinueReceiver(secret);
  const port = await freePort();
  const portalUrl = `http://127.0.0.1:${port}`;
  const idme = await startIdmeStandin({
    port: 0,
    slowMs: opts.slowMs ?? 8_000,
    clients: [{ client_id: "portal-test", client_secret: clientSecret, redirect_uris: [`${portalUrl}/id-verification/callback`] }],
  });
  const idpartner = await startIdpartnerStandin({
    port: 0,
    clients: [{ client_id: "portal-test-idp", client_secret: clientSecret, redirect_uris: [`${portalUrl}/id-verification/callback`] }],
  });
  const portalEnv: Record<string, string> = {
    IDPARTNER_BASE_URL: idpartner.url,
    IDPARTNER_CLIENT_ID: "portal-test-idp",
    IDPARTNER_CLIENT_SECRET: clientSecret,
    // The stand-in's banks are the allow list (its account selector answers with their issuers).
    IDPARTNER_ALLOWED_ISSUERS: idpartner.banks.map((b) => b.issuer).join(" "),
    AUTH0_DOMAIN: auth0.url,
    AUTH0_TOKEN_SECRET: secret,
    PORTAL_URL: portalUrl,
    IDME_BASE_URL: idme.url,
    IDME_CLIENT_ID: "portal-test",
    IDME_CLIENT_SECRET: clientSecret,
    IDME_SCOPES: `openid ${IDENTITY_SCOPE}`,
    IDV_POLICY: "identity",
    IDV_REVERIFY_INTERVAL_HOURS: "24",
    ENCRYPTION_KEY: encryptionKey,
    DATABASE_URL: db.url,
    ...(db.poolMax ? { DATABASE_POOL_MAX: String(db.poolMax) } : {}),
    PROVIDER_TIMEOUT_MS: "2000",
    // Every visitor of a test is 127.0.0.1: the limit on refused requests is tested on its own (lib/ratelimit).
    RATE_LIMIT_FLOW_FAILURES: "1000",
    ...opts.env,
  };
  const portal = await startPortal(port, portalEnv, { echo: opts.echo });
  const auth0Host = new URL(auth0.url).host;
  return {
    portal,
    idme,
    idpartner,
    auth0,
    db,
    portalEnv,
    secret,
    encryptionKey,
    clientSecret,
    auth0Token: async (claims, o = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ ...claims })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setIssuer(o.iss ?? auth0Host)
        .setIssuedAt(now)
        .setExpirationTime(now + (o.expiresIn ?? 600))
        .sign(new TextEncoder().encode(o.secret ?? secret));
    },
    close: async () => {
      await portal.stop();
      await idme.close();
      await idpartner.close();
      await auth0.close();
      await db.close();
    },
  };
}
