import { randomBytes } from "node:crypto";
import { startIdmeStandin, type IdmeStandin } from "./idme/server";
import { startIdpartnerStandin, type IdpartnerStandin } from "./idpartner/server";
import { startOidcStandin, type OidcStandin } from "./oidc/server";
import { startAuth0Tenant, defaultClients, defaultLoginFlow, type Auth0Tenant, type TenantUser } from "./auth0/tenant";
import { STAFF_CLIENT_ID } from "./auth0/tenant-data";
import { defaultMachineClients } from "./auth0/management-api";
import { startSampleApp } from "./auth0/sample-app";
import { freePort, startPortal, startPortals, type RunningPortal } from "./harness/portal";
import { startRoundRobinProxy, type RoundRobinProxy } from "./harness/round-robin";
import { startWebhookReceiver, type WebhookReceiver } from "./webhooks/receiver";

/**
 * The whole system on one machine: the Auth0 tenant stand-in (running the
 * repo's Login flow: the staff-roles Action and the verification Action), the
 * sample application, the ID.me and IDPartner stand-ins and the portal.
 * Used by `npm run demo` and by the browser and integration tests.
 */

export const IDENTITY_SCOPE = "http://idmanagement.gov/ns/assurance/ial/2/aal/2";

export interface StackSecrets {
  tokenSecret: string;
  encryptionKey: string;
  idmeClientSecret: string;
  staffSessionSecret?: string;
  /** The bearer token ID.me's transmitter gives the portal for its stream management API (Signals › Connect stream). */
  ssfReceiverToken?: string;
  /** The signing secret of the demo's webhook endpoint (the receiver's hook "demo"). */
  webhookSecret?: string;
}

/** The demo's token when its saved secrets predate ssfReceiverToken. */
const FALLBACK_SSF_TOKEN = "idme-ssf-receiver-demo-token";

export function newSecrets(): StackSecrets {
  return {
    tokenSecret: randomBytes(24).toString("base64url"),
    encryptionKey: randomBytes(32).toString("hex"),
    idmeClientSecret: randomBytes(16).toString("hex"),
    staffSessionSecret: randomBytes(32).toString("hex"),
    ssfReceiverToken: randomBytes(24).toString("base64url"),
    webhookSecret: `whsec_${randomBytes(32).toString("base64url")}`,
  };
}

export interface StackOptions {
  ports?: { portal?: number; auth0?: number; idme?: number; idpartner?: number; sample?: number; webhooks?: number };
  /** A PostgreSQL URL (PGlite over the wire counts), or an embedded PGlite folder for the portal's own process. */
  database: { url: string; poolMax?: number } | { embeddedDir: string };
  portalMode?: "start" | "dev";
  secrets?: StackSecrets;
  /** The Action's "Verification Expires In Seconds". */
  verificationExpiresInSeconds?: number;
  /** The portal's re-verification interval. */
  reverifyIntervalHours?: number;
  providerTimeoutMs?: number;
  idmeSlowMs?: number;
  /** Show the portal's output: as it is, or through a filter (the demo's, sandbox/demo-log.ts). */
  echoPortal?: boolean | ((chunk: string) => void);
  /**
   * More than one: that many portal instances (production build, same database and
   * settings, started at the same moment) behind a per-request round-robin proxy on the
   * portal's port, as README "Deploying" describes.
   */
  instances?: number;
  /** The tenant's users (default: the demo users). */
  users?: TenantUser[];
  /** The verification Action the tenant runs (default: the repo's own). */
  actionFile?: string;
  /** More portal settings (e.g. STAFF_ADMIN_EMAILS), over the stack's own. */
  portalEnv?: Record<string, string>;
}

export interface Stack {
  portalUrl: string;
  sampleUrl: string;
  secrets: StackSecrets;
  /** What an admin types into Signals › Connect stream for ID.me (its transmitter's bearer token). */
  ssfReceiverToken: string;
  auth0: Auth0Tenant;
  idme: IdmeStandin;
  idpartner: IdpartnerStandin;
  /** Two services the OpenID Connect provider can be set up against (in the admin Settings page). */
  oidc: { acr: OidcStandin; ida: OidcStandin };
  portal: RunningPortal;
  /** Every instance (one unless `instances` asked for more); `portal` is the first. */
  portals: RunningPortal[];
  /** The round-robin proxy in front of several instances. */
  proxy?: RoundRobinProxy;
  /** The demo's webhook receiver (sandbox/webhooks/receiver.ts): endpoints registered on the Webhooks page can point at it. */
  webhooks: WebhookReceiver;
  close(): Promise<void>;
}

/** The applications the demo and the browser tests know, as the portal's per-application requirements. */
export const DEMO_APPLICATIONS = [
  { clientId: "sample-app", name: "Sample App", required: false, policy: null, requiredGroup: null, scopes: [] as string[] },
  {
    clientId: "sample-bank",
    name: "Sample Bank",
    required: true,
    policy: "identity",
    requiredGroup: null,
    scopes: ["openid", IDENTITY_SCOPE],
  },
  {
    clientId: "sample-veterans",
    name: "Veteran Discounts",
    required: true,
    policy: "community",
    requiredGroup: "military",
    scopes: ["military"],
  },
  {
    clientId: "sample-credit",
    name: "Sample Credit Union",
    required: true,
    policy: "identity",
    requiredGroup: null,
    scopes: [] as string[],
    provider: "idpartner",
  },
] as const;

export const DEMO_APPLICATIONS_SQL = `INSERT INTO application (client_id, name, required, provider, policy, required_group, scopes, updated_at) VALUES
${DEMO_APPLICATIONS.map((a) => `('${a.clientId}', '${a.name}', ${a.required}, ${"provider" in a ? `'${a.provider}'` : "NULL"}, ${a.policy ? `'${a.policy}'` : "NULL"}, ${a.requiredGroup ? `'${a.requiredGroup}'` : "NULL"}, '{${a.scopes.join(",")}}', now())`).join(",\n")}
ON CONFLICT (client_id) DO NOTHING`;

export async function startStack(opts: StackOptions): Promise<Stack> {
  const secrets = opts.secrets ?? newSecrets();
  const portalPort = opts.ports?.portal || (await freePort());
  const samplePort = opts.ports?.sample || (await freePort());
  // Everything a browser sees is on "localhost": one site for cookies (as a portal
  // and its Auth0 custom domain would be), and a host name @auth0/nextjs-auth0 accepts.
  const portalUrl = `http://localhost:${portalPort}`;
  const sampleUrl = `http://localhost:${samplePort}`;
  const idmeClientId = "idv-portal";
  const ssfReceiverToken = secrets.ssfReceiverToken ?? FALLBACK_SSF_TOKEN;

  const idme = await startIdmeStandin({
    // ID.me's Shared Signals stream to this portal (admins still have to trust it: the Signals page).
    // The portal creates its stream itself (admin › Signals › Connect stream, with this token).
    ssfReceivers: [{ token: ssfReceiverToken, audience: `${portalUrl}/api/ssf/events` }],
    port: opts.ports?.idme ?? 0,
    slowMs: opts.idmeSlowMs,
    clients: [
      { client_id: idmeClientId, client_secret: secrets.idmeClientSecret, redirect_uris: [`${portalUrl}/id-verification/callback`] },
    ],
  });
  const idpartner = await startIdpartnerStandin({
    port: opts.ports?.idpartner ?? 0,
    clients: [
      { client_id: idmeClientId, client_secret: secrets.idmeClientSecret, redirect_uris: [`${portalUrl}/id-verification/callback`] },
    ],
  });
  const callback = `${portalUrl}/id-verification/callback`;
  const oidc = {
    // Government-style: IAL2 by acr, client_secret_basic.
    acr: await startOidcStandin({
      kind: "acr",
      clients: [
        {
          client_id: idmeClientId,
          client_secret: secrets.idmeClientSecret,
          redirect_uris: [callback],
          token_endpoint_auth_method: "client_secret_basic",
        },
      ],
    }),
    // OpenID Connect for Identity Assurance, the portal authenticating with its own key (published at its JWKS URL).
    ida: await startOidcStandin({
      kind: "verified_claims",
      clients: [
        {
          client_id: idmeClientId,
          redirect_uris: [callback],
          token_endpoint_auth_method: "private_key_jwt",
          jwks_uri: `${portalUrl}/id-verification/jwks`,
        },
      ],
    }),
  };
  const clients = defaultClients({ sampleAppUrl: sampleUrl, portalUrl });
  const STAFF_CLIENT = clients.find((c) => c.client_id === STAFF_CLIENT_ID)!;
  // The machine-to-machine application with read:users: staff search by Auth0 email or name.
  const [MANAGEMENT_CLIENT] = defaultMachineClients();
  const verification = {
    secrets: { TOKEN_SECRET: secrets.tokenSecret },
    configuration: {
      PORTAL_DOMAIN: portalUrl,
      SERVICE_TENANT_DOMAIN: portalUrl, // the Marketplace-style Action's name for it
      VERIFICATION_EXPIRES_IN_SECONDS: String(opts.verificationExpiresInSeconds ?? 86_400),
    },
  };
  const auth0 = await startAuth0Tenant({
    port: opts.ports?.auth0 ?? 0,
    users: opts.users,
    ...verification,
    // The Login flow as the README installs it: roles for the staff application, then verification.
    actions: defaultLoginFlow({ actionFile: opts.actionFile, ...verification, staffClientIds: [STAFF_CLIENT.client_id] }),
    clients,
    machineClients: [MANAGEMENT_CLIENT!],
  });
  const webhooks = await startWebhookReceiver({
    port: opts.ports?.webhooks ?? 0,
    secrets: secrets.webhookSecret ? { demo: secrets.webhookSecret } : {},
  });
  const sample = await startSampleApp({
    port: samplePort,
    tenantUrl: auth0.url,
    clients: clients
      .filter((c) => c.client_id.startsWith("sample-"))
      .map((c) => ({ client_id: c.client_id, client_secret: c.client_secret, name: c.name })),
  });

  const db = opts.database;
  const portalEnv: Record<string, string> = {
    AUTH0_DOMAIN: auth0.url,
    AUTH0_TOKEN_SECRET: secrets.tokenSecret,
    PORTAL_URL: portalUrl,
    IDME_BASE_URL: idme.url,
    IDME_CLIENT_ID: idmeClientId,
    IDME_CLIENT_SECRET: secrets.idmeClientSecret,
    IDPARTNER_BASE_URL: idpartner.url,
    IDPARTNER_CLIENT_ID: idmeClientId,
    IDPARTNER_CLIENT_SECRET: secrets.idmeClientSecret,
    IDPARTNER_ALLOWED_ISSUERS: idpartner.banks.map((b) => b.issuer).join(" "),
    IDME_SCOPES: `openid ${IDENTITY_SCOPE}`,
    IDV_POLICY: "identity",
    IDV_REVERIFY_INTERVAL_HOURS: String(opts.reverifyIntervalHours ?? 24),
    ENCRYPTION_KEY: secrets.encryptionKey,
    PROVIDER_TIMEOUT_MS: String(opts.providerTimeoutMs ?? 10_000),
    // One machine plays every visitor (127.0.0.1): keep the limit on refused requests out of the way.
    RATE_LIMIT_FLOW_FAILURES: "1000",
    // The webhook receivers of the stack are on this machine: allowed although the portal runs as production.
    WEBHOOKS_ALLOW_PRIVATE: "true",
    // Staff sign-in through the same tenant stand-in (its idv-portal-staff client).
    STAFF_CLIENT_ID: STAFF_CLIENT.client_id,
    STAFF_CLIENT_SECRET: STAFF_CLIENT.client_secret,
    STAFF_SESSION_SECRET: secrets.staffSessionSecret ?? secrets.encryptionKey,
    AUTH0_MANAGEMENT_CLIENT_ID: MANAGEMENT_CLIENT!.client_id,
    AUTH0_MANAGEMENT_CLIENT_SECRET: MANAGEMENT_CLIENT!.client_secret,
    ...("url" in db
      ? { DATABASE_URL: db.url, ...(db.poolMax ? { DATABASE_POOL_MAX: String(db.poolMax) } : {}) }
      : // The demo's one portal on its own embedded database, on purpose (also when run built: DEMO_PORTAL_MODE=start).
        { PGLITE_DIR: db.embeddedDir, ALLOW_EMBEDDED_DATABASE: "true" }),
    ...opts.portalEnv,
  };
  const instances = opts.instances ?? 1;
  let proxy: RoundRobinProxy | undefined;
  let portals: RunningPortal[];
  if (instances > 1) {
    const ports = await Promise.all(Array.from({ length: instances }, () => freePort()));
    proxy = await startRoundRobinProxy(
      ports.map((p) => `http://127.0.0.1:${p}`),
      { port: portalPort },
    );
    portals = await startPortals(ports, portalEnv);
  } else {
    portals = [await startPortal(portalPort, portalEnv, { mode: opts.portalMode ?? "start", echo: opts.echoPortal })];
  }

  return {
    portalUrl,
    sampleUrl: sample.url,
    secrets,
    ssfReceiverToken,
    auth0,
    idme,
    idpartner,
    oidc,
    portal: portals[0]!,
    portals,
    proxy,
    webhooks,
    close: async () => {
      await webhooks.close();
      await Promise.all(portals.map((p) => p.stop()));
      await proxy?.close();
      await sample.close();
      await auth0.close();
      await idme.close();
      await idpartner.close();
      await Promise.all([oidc.acr.close(), oidc.ida.close()]);
    },
  };
}
