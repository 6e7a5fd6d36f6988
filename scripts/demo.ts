// `npm run demo`: the portal on the embedded database, with local stand-ins for
// Auth0 (running the repo's Action) and ID.me, and a sample application.
// Nothing to install or configure; Ctrl-C stops all of it.
//
// Options (environment): DEMO_PORTAL_PORT (3000), DEMO_SAMPLE_PORT (3001),
// DEMO_AUTH0_PORT (4000), DEMO_IDME_PORT (4011), DEMO_IDPARTNER_PORT (4021), DEMO_WEBHOOK_PORT (4031), DEMO_DATA_DIR (.data/demo),
// DEMO_PORTAL_MODE (dev | start; default dev).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { applyMigrations } from "../lib/db/migrate";
import { DEMO_APPLICATIONS_SQL, newSecrets, startStack, type StackSecrets } from "../sandbox/stack";
import { DEFAULT_USERS, DEMO_PASSWORD } from "../sandbox/auth0/tenant";
import { demoLogWriter } from "../sandbox/demo-log";
import { parseEncryptionKey, singleKeyRing } from "../lib/crypto/seal";
import { sealEndpointSecret } from "../lib/events/secrets";
import { EVENT_TYPES } from "../lib/events/catalogue";

const root = path.resolve(import.meta.dirname, "..");
const dataDir = path.resolve(root, process.env.DEMO_DATA_DIR ?? ".data/demo");
const dbDir = path.join(dataDir, "pglite");
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

mkdirSync(dataDir, { recursive: true });

// Secrets live beside the demo database, so a restarted demo can still open its sealed records.
const secretsFile = path.join(dataDir, "secrets.json");
let secrets: StackSecrets;
if (existsSync(secretsFile)) secrets = JSON.parse(readFileSync(secretsFile, "utf8")) as StackSecrets;
else {
  secrets = newSecrets();
  writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });
}
if (!secrets.webhookSecret) {
  // A demo folder from before webhooks: its receiver gets a secret too.
  secrets.webhookSecret = newSecrets().webhookSecret;
  writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });
}

// The demo configuration: the applications of the Auth0 stand-in and their requirements.
process.chdir(root);
const pglite = new PGlite(dbDir);
await applyMigrations({
  exec: async (sql) => void (await pglite.exec(sql)),
  query: async (sql, params) => (await pglite.query(sql, params)).rows as never,
});
await pglite.exec(DEMO_APPLICATIONS_SQL);
// The ID.me stand-in's Shared Signals transmitter, trusted (an admin does this on the Signals page).
const demoIdme = `http://127.0.0.1:${port("DEMO_IDME_PORT", 4011)}`;
const demoReceiver = `http://localhost:${port("DEMO_PORTAL_PORT", 3000)}/api/ssf/events`;
await pglite.query(
  `INSERT INTO signal_transmitter (id, name, issuer, jwks_url, audience, provider, updated_at) VALUES ('idme', 'ID.me', $1, $2, $3, 'idme', now())
   ON CONFLICT (id) DO UPDATE SET issuer = EXCLUDED.issuer, jwks_url = EXCLUDED.jwks_url, audience = EXCLUDED.audience`,
  [`${demoIdme}/oidc`, `${demoIdme}/ssf/jwks`, demoReceiver],
);
// The demo's webhook receiver as an endpoint for every event (an admin does this on the Webhooks page).
await pglite.query(
  `INSERT INTO webhook_endpoint (id, name, url, event_types, secret_enc, updated_at) VALUES ('demo-receiver', 'Demo receiver', $1, $2, $3, now())
   ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url, secret_enc = EXCLUDED.secret_enc`,
  [
    `http://127.0.0.1:${port("DEMO_WEBHOOK_PORT", 4031)}/hooks/demo`,
    [...EVENT_TYPES],
    sealEndpointSecret("demo-receiver", "secret", secrets.webhookSecret!, singleKeyRing(parseEncryptionKey(secrets.encryptionKey))),
  ],
);
await pglite.close();

console.log("Starting the demo (the first start compiles the portal; give it a minute)…");
const stack = await startStack({
  ports: {
    portal: port("DEMO_PORTAL_PORT", 3000),
    sample: port("DEMO_SAMPLE_PORT", 3001),
    auth0: port("DEMO_AUTH0_PORT", 4000),
    idme: port("DEMO_IDME_PORT", 4011),
    idpartner: port("DEMO_IDPARTNER_PORT", 4021),
    webhooks: port("DEMO_WEBHOOK_PORT", 4031),
  },
  database: { embeddedDir: dbDir },
  portalMode: process.env.DEMO_PORTAL_MODE === "start" ? "start" : "dev",
  secrets,
  // Revocations reach the Auth0 stand-in at once (README "Revocation pushed to Auth0").
  portalEnv: { AUTH0_PUSH_REVOCATIONS: "true", AUTH0_PUSH_REVOKE_SESSIONS: "true" },
  // The portal's log, never its request log: that one prints tokens, states and codes.
  echoPortal: demoLogWriter((text) => process.stdout.write(text)),
});

const users = DEFAULT_USERS.filter((u) => !u.roles)
  .map((u) => u.email)
  .join(", ");
console.log(`
  Identity Verification Portal — demo

  1. Open the sample application:   ${stack.sampleUrl}
     Pick "Sample Bank" (identity required), "Veteran Discounts" (military community required),
     "Sample Credit Union" (IDPartner, bank identity) or "Sample App" (asked, not required), and log in.
  2. Auth0 tenant (stand-in):        ${stack.auth0.url}
     users: ${users}; password: ${DEMO_PASSWORD}
  3. The portal asks to verify:      ${stack.portalUrl}
  4. ID.me (stand-in):               ${stack.idme.url}
     personas: identity-verified, veteran, not-verified, declines, awkward, malformed, slow
  5. IDPartner (stand-in, "Sample Credit Union"): ${stack.idpartner.url}
  6. Staff pages:                    ${stack.portalUrl}/admin
     admin@example.test (admin) or support@example.test (support); password: ${DEMO_PASSWORD}
  7. Shared Signals: on Staff pages › Signals, "Connect stream" for ID.me with the token ID.me
     issued to the portal: ${stack.ssfReceiverToken}
     (the stream is created at ID.me and verified). Then on the ID.me stand-in's page (4.), transmit
     "account-disabled" for a persona someone verified with; their verification is revoked
     (Signals, Audit log) and, pushed to Auth0, their stored check is cleared there at once
     (the record's page says "Auth0 updated at …").
  8. Webhooks: signed events arrive at ${stack.webhooks.url} (its own signature check), sent to the
     "Demo receiver" endpoint (Staff pages › Webhooks, and its delivery log).

  The application shows the ID token claims (https://id-verification/status …) or the error
  (idv_verification_failed …). Data: ${path.relative(root, dataDir)}/ (delete it to start afresh).
  Ctrl-C stops everything.
`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log("\nStopping…");
  await stack.close();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
