import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SignJWT } from "jose";
import { createTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import { startContinueReceiver, type ContinueReceiver } from "../../sandbox/harness/continue-receiver";
import { freePort, startPortal, startPortals, type RunningPortal } from "../../sandbox/harness/portal";
import { startRoundRobinProxy, type RoundRobinProxy } from "../../sandbox/harness/round-robin";
import { journeys, newUser } from "../../sandbox/harness/journey";
import { startIdmeStandin, type IdmeStandin } from "../../sandbox/idme/server";
import { startIdpartnerStandin } from "../../sandbox/idpartner/server";

/**
 * Launch morning: an empty database, two production instances of the portal
 * started at the same moment on it, behind a per-request round-robin proxy
 * (every step of a login may land on the other instance), and a burst of
 * first logins through the ID.me stand-in, all at once. Every login succeeds
 * with exactly one attempt and one verification; the migrations and the rows
 * made from the environment (settings, IDPartner's connection) exist once.
 *
 * Two instances need a database server: PGlite is one process's database (its
 * socket server is one session, where an advisory lock cannot keep two
 * instances apart; the portal refuses it in production). So this runs on
 * PostgreSQL (DATABASE_URL), as in CI.
 */

// 50 at once in `npm test`; the launch-morning figure of issue 18 (200 logins, 20 at a time) with
// BURST_LOGINS=200 BURST_CONCURRENCY=20 npx vitest run lib/db/first-burst.integration.test.ts
const LOGINS = Number(process.env.BURST_LOGINS ?? 50);
const CONCURRENCY = Number(process.env.BURST_CONCURRENCY ?? LOGINS);
const IDENTITY_SCOPE = "http://idmanagement.gov/ns/assurance/ial/2/aal/2";

let db: TestDatabase;
let auth0: ContinueReceiver;
let idme: IdmeStandin;
let idpartner: { url: string; close(): Promise<void> };
let proxy: RoundRobinProxy;
let portals: RunningPortal[] = [];
const secret = randomBytes(24).toString("base64url");

const auth0Token = async (claims: { sub: string }) => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(new URL(auth0.url).host)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(secret));
};

const servers = process.env.DATABASE_URL ? ["PostgreSQL (DATABASE_URL)"] : [];

describe.each(servers)("two fresh instances on %s and a burst of first logins", () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    auth0 = await startContinueReceiver(secret);
    const ports = [await freePort(), await freePort()];
    proxy = await startRoundRobinProxy(ports.map((p) => `http://127.0.0.1:${p}`));
    const clientSecret = randomBytes(16).toString("hex");
    const redirect = [`${proxy.url}/id-verification/callback`];
    idme = await startIdmeStandin({ clients: [{ client_id: "portal-burst", client_secret: clientSecret, redirect_uris: redirect }] });
    idpartner = await startIdpartnerStandin({
      clients: [{ client_id: "portal-burst-idp", client_secret: clientSecret, redirect_uris: redirect }],
    });
    const env = {
      AUTH0_DOMAIN: auth0.url,
      AUTH0_TOKEN_SECRET: secret,
      PORTAL_URL: proxy.url,
      IDME_BASE_URL: idme.url,
      IDME_CLIENT_ID: "portal-burst",
      IDME_CLIENT_SECRET: clientSecret,
      IDME_SCOPES: `openid ${IDENTITY_SCOPE}`,
      IDPARTNER_BASE_URL: idpartner.url,
      IDPARTNER_CLIENT_ID: "portal-burst-idp",
      IDPARTNER_CLIENT_SECRET: clientSecret,
      ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      DATABASE_URL: db.url,
      ...(db.poolMax ? { DATABASE_POOL_MAX: String(db.poolMax) } : {}),
      PROVIDER_TIMEOUT_MS: "15000",
      // Every simulated browser is 127.0.0.1: keep the per-address limit on refused flow requests out of the way.
      RATE_LIMIT_FLOW_FAILURES: "100000",
    };
    // Both at the same moment, on the same empty database.
    portals = await startPortals(ports, env);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(portals.map((p) => p.stop()));
    await proxy?.close();
    await idme?.close();
    await idpartner?.close();
    await auth0?.close();
    await db?.close();
  });

  it(
    `${LOGINS} first logins (${CONCURRENCY} at a time) all succeed, each with one attempt and one verification`,
    { timeout: 300_000 },
    async () => {
      const flow = journeys({ auth0, idme, auth0Token }, proxy.url);
      const users = Array.from({ length: LOGINS }, () => newUser());
      const login = async (sub: string) => {
        const j = await flow.arrive({ sub });
        const page = await flow.verifyAs(j, "identity-verified", `burst-${sub}`);
        return (await flow.resumeFrom(j, page)).status;
      };
      // CONCURRENCY logins in flight at any moment (all of them at once by default).
      const results: PromiseSettledResult<unknown>[] = new Array(users.length);
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, users.length) }, async () => {
          for (let i = next++; i < users.length; i = next++) {
            results[i] = await login(users[i]!).then(
              (value) => ({ status: "fulfilled", value }) as const,
              (reason: unknown) => ({ status: "rejected", reason }) as const,
            );
          }
        }),
      );
      console.log(`${LOGINS} first logins, ${CONCURRENCY} at a time: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      // What the portal recorded first: a failure code says why better than a page does.
      const codes = await db.pool.query(`SELECT failure_code, count(*)::int AS n FROM attempt WHERE failure_code IS NOT NULL GROUP BY 1`);
      expect(codes.rows).toEqual([]);
      const failures = results.flatMap((r, i) => (r.status === "rejected" ? [`${users[i]}: ${String(r.reason).slice(0, 300)}`] : []));
      expect(failures).toEqual([]);
      expect(results.map((r) => (r.status === "fulfilled" ? r.value : null))).toEqual(users.map(() => "success"));

      // Both instances took part in every kind of step.
      const served = [0, 1].map((i) => proxy.log.filter((r) => r.upstream === i).length);
      expect(served.every((n) => n > LOGINS)).toBe(true);
      expect(proxy.log.filter((r) => r.upstream === -1)).toEqual([]);

      const q = async (sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows;
      const perUser = await q(
        `SELECT p.auth0_user_id,
         (SELECT count(*)::int FROM attempt a WHERE a.auth0_user_id = p.auth0_user_id) AS attempts,
         (SELECT count(*)::int FROM attempt a WHERE a.auth0_user_id = p.auth0_user_id AND a.status = 'verified') AS verified,
         (SELECT count(*)::int FROM verification_record r WHERE r.auth0_user_id = p.auth0_user_id) AS records
       FROM person p ORDER BY 1`,
      );
      expect(perUser).toEqual([...users].sort().map((u) => ({ auth0_user_id: u, attempts: 1, verified: 1, records: 1 })));
      expect(await q(`SELECT count(*)::int AS n FROM provider_identity`)).toEqual([{ n: LOGINS }]);

      // Migrations and the rows made from the environment: exactly once.
      const dirs = readdirSync(path.join(process.cwd(), "prisma", "migrations"), { withFileTypes: true }).filter((d) => d.isDirectory());
      const ledger = await q(`SELECT migration_name, count(*)::int AS n FROM "_prisma_migrations" GROUP BY 1 ORDER BY 1`);
      expect(ledger).toEqual(
        dirs.map((d) => ({ migration_name: d.name, n: 1 })).sort((a, b) => a.migration_name.localeCompare(b.migration_name)),
      );
      // One settings row (requirements); each provider's connection once, ID.me's included (provider_setting).
      expect(await q(`SELECT id FROM settings`)).toEqual([{ id: 1 }]);
      expect(await q(`SELECT provider, client_id FROM provider_setting ORDER BY provider`)).toEqual([
        { provider: "idme", client_id: "portal-burst" },
        { provider: "idpartner", client_id: "portal-burst-idp" },
      ]);
      for (const p of portals) expect(p.logs()).not.toMatch(/database_error|internal_error|PrismaClientKnownRequestError/);
    },
  );
});

describe("a production instance without a database server", () => {
  const base = () => ({
    AUTH0_DOMAIN: "tenant.example.test",
    AUTH0_TOKEN_SECRET: secret,
    PORTAL_URL: "http://127.0.0.1:9",
    IDME_CLIENT_ID: "c",
    IDME_CLIENT_SECRET: "s",
    ENCRYPTION_KEY: randomBytes(32).toString("hex"),
  });

  it(
    "refuses to start on its own embedded database, and on a key the sealer would refuse, naming both settings",
    { timeout: 120_000 },
    async () => {
      const port = await freePort();
      // 43 base64 characters whose last one carries bits a 32-byte key does not have: the loose check let it through.
      const start = startPortal(port, { ...base(), ENCRYPTION_KEY: `${"A".repeat(42)}B` });
      await expect(start).rejects.toThrow(/exited \(1\)[\s\S]*DATABASE_URL is required in production[\s\S]*ALLOW_EMBEDDED_DATABASE=true/);
      await expect(start).rejects.toThrow(/ENCRYPTION_KEY must be 32 bytes/);
    },
  );

  it("starts on the embedded database when ALLOW_EMBEDDED_DATABASE=true says it is meant", { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "idv-embedded-"));
    try {
      const portal = await startPortal(await freePort(), { ...base(), PGLITE_DIR: dir, ALLOW_EMBEDDED_DATABASE: "true" });
      await portal.stop();
      expect(portal.logs()).toContain("portal ready");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
