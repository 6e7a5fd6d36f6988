/**
 * npm run bench: the portal's login steps under load, as a ratio to a floor
 * measured in the same run (a benchmark, not a test: nothing in `npm test`
 * reads its numbers). README "Performance" says what each number means.
 *
 *   npm run bench [-- --requests 600 --connections 50,200 --keep]
 *
 * On PostgreSQL only: a fresh database is created from DATABASE_URL (default
 * postgresql://postgres@127.0.0.1:5432/postgres) and dropped at the end.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { SignJWT } from "jose";
import pg from "pg";
import { TestBrowser, forms } from "../sandbox/harness/browser";
import { startContinueReceiver } from "../sandbox/harness/continue-receiver";
import { createDatabaseOn } from "../sandbox/harness/db";
import { patientLogins } from "../sandbox/harness/patient-browser";
import { freePort, startPortal } from "../sandbox/harness/portal";
import { startIdmeStandin } from "../sandbox/idme/server";
import { startSqlCounter, type SqlCounter } from "./sqlcount";

const ROOT = path.resolve(import.meta.dirname, "..");
const FLOOR_DIR = path.join(ROOT, "bench", "floor");
const IDENTITY_SCOPE = "http://idmanagement.gov/ns/assurance/ial/2/aal/2";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1]!;
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const REQUESTS = Number(arg("requests", "600"));
const CONNECTIONS = arg("connections", "50,200").split(",").map(Number);
const WARMUP = Number(arg("warmup", "150"));
const PREP_SECONDS = Number(arg("prep-seconds", "40"));
const LOGINS = Number(arg("logins", "1000"));
const LOGIN_CONCURRENCY = Number(arg("login-concurrency", String(LOGINS)));
/** --no-steps: only the whole logins (and the memory after them). */
const STEPS = !flag("no-steps");
const LOGIN_DEADLINE_MS = Number(arg("login-deadline-s", "300")) * 1000;
/** --cpu-prof DIR: the portal writes a V8 CPU profile there when it stops (open it in Chrome's DevTools). */
const CPU_PROF = arg("cpu-prof", "");
/** The Node.js options the container runs the portal with (deploy/Dockerfile's NODE_OPTIONS). */
function containerNodeOptions(): string {
  const m = /NODE_OPTIONS="([^"]*)"/.exec(readFileSync(path.join(ROOT, "deploy", "Dockerfile"), "utf8"));
  return m?.[1] ?? "";
}
/** --portal-node-args "…": Node.js options for the portal's process, space-separated (default: the container's). */
const PORTAL_NODE_ARGS = arg("portal-node-args", containerNodeOptions()).split(" ").filter(Boolean);
/** --sql-log: after each measured step, the statements it sent and how often per request. */
const SQL_LOG = flag("sql-log");

// ---------------------------------------------------------------- database

async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  if (!/^postgres(ql)?:\/\//.test(base)) throw new Error("npm run bench needs PostgreSQL: set DATABASE_URL to postgresql://…");
  // Named after the database DATABASE_URL names (so a shared server's naming rules hold), dropped at the end.
  const stem = new URL(base).pathname.slice(1) || "postgres";
  const name = `${stem === "postgres" ? "idv" : stem}_bench_${randomBytes(4).toString("hex")}`;
  return createDatabaseOn(base, name);
}

/** The database URL with host and port replaced by the counting relay's. */
function through(url: string, counter: SqlCounter): string {
  const u = new URL(url);
  u.hostname = "127.0.0.1";
  u.port = String(counter.port);
  return u.toString();
}

// ---------------------------------------------------------------- the floor

/** Builds the floor app once (kept in bench/floor; its .next is not committed). */
function ensureFloorBuild(): void {
  if (existsSync(path.join(FLOOR_DIR, ".next", "BUILD_ID"))) return;
  console.log("Building the floor app (bench/floor) …");
  const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "next", "dist", "bin", "next"), "build"], {
    cwd: FLOOR_DIR,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (r.status !== 0) throw new Error("building bench/floor failed");
}

async function startFloor(port: number, env: Record<string, string>): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(ROOT, "node_modules", "next", "dist", "bin", "next"), "start", "-p", String(port), "-H", "127.0.0.1"],
    {
      cwd: FLOOR_DIR,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the floor app exited:\n${output}`);
    try {
      if ((await fetch(`${url}/bare`, { redirect: "manual" })).status === 303) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`the floor app did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

// ---------------------------------------------------------------- load

interface Sent {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

interface StepResult {
  name: string;
  connections: number;
  responses: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  statements: number;
  roundTrips: number;
}

type Headers = Record<string, string | string[]>;

const header = (h: Headers, name: string): string[] => {
  for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === name) return Array.isArray(v) ? v : [v];
  return [];
};

function cookiesOf(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of header(h, "set-cookie")) {
    const pair = line.split(";")[0]!;
    const i = pair.indexOf("=");
    const value = pair.slice(i + 1).trim();
    if (value) out[pair.slice(0, i).trim()] = value;
  }
  return out;
}

const cookieHeader = (c: Record<string, string>) =>
  Object.entries(c)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");

/**
 * Drives `amount` requests at `connections` at once with autocannon; each
 * request is made by `next` (a fresh input per request), each answer is
 * checked against `expect` and handed to `onAnswer`.
 */
async function load(
  name: string,
  base: string,
  connections: number,
  amount: number,
  next: () => Sent,
  expect: { status: number; location?: string },
  counter: SqlCounter,
  onAnswer?: (headers: Headers, body: string) => void,
): Promise<StepResult> {
  let unexpected = 0;
  let last = performance.now();
  const before = { statements: counter.statements, roundTrips: counter.roundTrips };
  if (SQL_LOG) counter.texts = new Map();
  const started = performance.now();
  const result = await autocannon({
    url: base,
    connections,
    amount,
    // Generous: on a shared 2-core machine 200 waiting connections can take long; the latency columns say how long.
    timeout: 120,
    requests: [
      {
        setupRequest: (req: Record<string, unknown>) => {
          const s = next();
          return { ...req, method: s.method ?? "GET", path: s.path, headers: s.headers ?? {}, body: s.body };
        },
        onResponse: (status: number, body: string, _ctx: unknown, headers: Headers) => {
          last = performance.now();
          const location = header(headers, "location")[0] ?? "";
          if (status !== expect.status || (expect.location !== undefined && !location.startsWith(expect.location))) unexpected++;
          else onAnswer?.(headers, body);
        },
      },
    ],
  } as unknown as autocannon.Options);
  // Up to the last answer: autocannon itself ends on its next one-second tick.
  const seconds = (last - started) / 1000;
  const responses = result.requests.total;
  if (counter.texts) {
    console.log(`  statements of ${name}, per request:`);
    for (const [text, n] of [...counter.texts].sort((a, b) => b[1] - a[1]))
      console.log(`    ${(n / Math.max(1, responses)).toFixed(2)}  ${text}`);
    counter.texts = null;
  }
  return {
    name,
    connections,
    responses,
    rps: responses / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: unexpected + result.errors + result.timeouts,
    statements: (counter.statements - before.statements) / Math.max(1, responses),
    roundTrips: (counter.roundTrips - before.roundTrips) / Math.max(1, responses),
  };
}

/** One browser between steps: its portal cookies, and where the last answer sent it. */
interface Session {
  cookies: Record<string, string>;
  location?: string;
  callback?: string;
}

function pool<T>(items: T[], what: string): () => T {
  let i = 0;
  return () => {
    if (i >= items.length) throw new Error(`the bench ran out of ${what}`);
    return items[i++]!;
  };
}

async function inBatches<T, R>(items: T[], width: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
    }),
  );
  return out;
}

// ---------------------------------------------------------------- main

async function main() {
  const db = await freshDatabase();
  const dbHost = new URL(db.url);
  const counter = await startSqlCounter({ host: dbHost.hostname, port: Number(dbHost.port || 5432) });
  const setup = new pg.Client({ connectionString: db.url });
  await setup.connect();
  await setup.query(`CREATE TABLE bench_floor (id bigserial PRIMARY KEY, sub text NOT NULL, at timestamptz(3) NOT NULL DEFAULT now())`);

  const secret = randomBytes(24).toString("base64url");
  const auth0 = await startContinueReceiver(secret);
  const auth0Issuer = new URL(auth0.url).host;
  const portalPort = await freePort();
  const metricsToken = randomBytes(24).toString("hex");
  const portalUrl = `http://127.0.0.1:${portalPort}`;
  const clientSecret = randomBytes(16).toString("hex");
  const idme = await startIdmeStandin({
    clients: [{ client_id: "portal-bench", client_secret: clientSecret, redirect_uris: [`${portalUrl}/id-verification/callback`] }],
  });

  ensureFloorBuild();
  const floor = await startFloor(await freePort(), {
    DATABASE_URL: through(db.url, counter),
    AUTH0_TOKEN_SECRET: secret,
    AUTH0_ISSUER: auth0Issuer,
  });
  const portal = await startPortal(
    portalPort,
    {
      AUTH0_DOMAIN: auth0.url,
      AUTH0_TOKEN_SECRET: secret,
      PORTAL_URL: portalUrl,
      IDME_BASE_URL: idme.url,
      IDME_CLIENT_ID: "portal-bench",
      IDME_CLIENT_SECRET: clientSecret,
      IDME_SCOPES: `openid ${IDENTITY_SCOPE}`,
      IDV_POLICY: "identity",
      IDV_REVERIFY_INTERVAL_HOURS: "24",
      ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      DATABASE_URL: through(db.url, counter),
      PROVIDER_TIMEOUT_MS: "30000",
      // Every simulated browser is 127.0.0.1: the limit on refused requests stays out of the way (nothing is refused here).
      RATE_LIMIT_FLOW_FAILURES: "100000",
      // Where the memory goes after the load (V8's heap, buffers outside it): read from the portal's own metrics.
      METRICS_TOKEN: metricsToken,
      // As in production behind the proxy (deploy/compose: 130 s): idle connections are kept, not cut every 5 s.
      KEEP_ALIVE_TIMEOUT: "130000",
    },
    { nodeArgs: [...PORTAL_NODE_ARGS, ...(CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(CPU_PROF)}`] : [])] },
  );

  // Ctrl-C (or a timeout's SIGTERM) stops what the bench started, so no server is left behind.
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      void Promise.allSettled([portal.stop(), floor.stop(), idme.close(), auth0.close()]).finally(() => process.exit(130));
    });
  }

  const token = (sub: string, state: string) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sub, state })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(auth0Issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(new TextEncoder().encode(secret));
  };
  const tokens = async (n: number) =>
    Promise.all(
      Array.from({ length: n }, async () => {
        const sub = `auth0|bench-${randomBytes(6).toString("hex")}`;
        const state = randomBytes(12).toString("base64url");
        return { sub, state, token: await token(sub, state) };
      }),
    );
  const form = { "content-type": "application/x-www-form-urlencoded", origin: portalUrl };

  const results: StepResult[] = [];
  const q = async (sql: string, params: unknown[] = []) => (await setup.query(sql, params)).rows;
  const sentUsers: string[] = [];

  /** The whole chain of steps at one concurrency; `record` false for the warm-up. */
  async function chain(c: number, n: number, record: boolean) {
    const keep = (r: StepResult) => {
      if (record) results.push(r);
      // As it goes, so a long run on a busy machine shows something before the table.
      console.log(
        `  ${r.name}: ${r.responses} answers, ${r.rps.toFixed(1)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.errors} unexpected, ${r.statements.toFixed(1)} SQL/req`,
      );
      return r;
    };
    // The floors, on the same inputs as the entry.
    keep(await load("floor: bare 303", floor.url, c, n, () => ({ path: "/bare" }), { status: 303 }, counter));
    const floorTokens = pool(await tokens(n + 2 * c), "floor tokens");
    keep(
      await load(
        "floor: HS256 + 1 insert",
        floor.url,
        c,
        n,
        () => ({ path: `/entry?token=${floorTokens().token}` }),
        { status: 303 },
        counter,
      ),
    );

    // Each later step takes sessions the earlier one answered. autocannon sends exactly `amount` requests but may
    // build one more per connection that it never sends: so each step leaves `spare` (= connections) behind.
    const spare = c;
    const entryTokens = await tokens(n + 4 * spare);
    const entryPool = pool(entryTokens, "entry tokens");
    const started: Session[] = [];
    keep(
      await load(
        "entry GET /id-verification",
        portalUrl,
        c,
        n + 3 * spare,
        () => {
          const t = entryPool();
          sentUsers.push(t.sub);
          return { path: `/id-verification?token=${encodeURIComponent(t.token)}&state=${encodeURIComponent(t.state)}` };
        },
        { status: 303, location: `${portalUrl}/id-verification/consent` },
        counter,
        (h) => started.push({ cookies: cookiesOf(h) }),
      ),
    );
    if (started.length <= c) {
      console.log(`  only ${started.length} entries answered as expected at ${c} connections: the later steps are skipped`);
      return;
    }
    let k = 0;
    keep(
      await load(
        "consent page",
        portalUrl,
        c,
        n,
        () => ({ path: "/id-verification/consent", headers: { cookie: cookieHeader(started[k++ % started.length]!.cookies) } }),
        { status: 200 },
        counter,
      ),
    );
    const startPool = pool(started, "started attempts");
    const atProvider: Session[] = [];
    keep(
      await load(
        "start POST /id-verification/start",
        portalUrl,
        c,
        started.length - spare,
        () => ({
          path: "/id-verification/start",
          method: "POST",
          headers: { ...form, cookie: cookieHeader(startPool().cookies) },
          body: "",
        }),
        { status: 303, location: `${idme.url}/` },
        counter,
        (h) => atProvider.push({ cookies: cookiesOf(h), location: header(h, "location")[0] }),
      ),
    );
    // At the ID.me stand-in (not measured): a persona for each, up to the redirect back to the portal.
    // Its codes live 60 s (as ID.me's), so they are made just before the run, for at most PREP_SECONDS:
    // on a busy machine the callback step then runs fewer requests, or on fewer connections (printed).
    const prepStarted = performance.now();
    await inBatches(atProvider, 16, async (s) => {
      if (performance.now() - prepStarted > PREP_SECONDS * 1000) return;
      const b = new TestBrowser();
      for (const [name, value] of Object.entries(s.cookies)) b.cookies(portalUrl).set(name, value);
      const signin = await b.go(s.location!);
      if (!forms(signin).length) throw new Error(`no persona form at the stand-in: ${signin.url}`);
      const back = await b.submit(
        signin,
        () => true,
        { persona: "identity-verified", account: randomBytes(6).toString("hex") },
        {
          stopAt: (u) => u.startsWith(`${portalUrl}/id-verification/callback`),
        },
      );
      s.callback = back.url;
      // The stand-in's own cookies are not the portal's business.
      s.cookies = Object.fromEntries([...b.cookies(portalUrl)].filter(([name]) => name.startsWith("idv_")));
    });
    const ready = atProvider.filter((s) => s.callback);
    if (ready.length < 2) {
      console.log(`  only ${ready.length} callbacks prepared at ${c} connections: callback and resume skipped`);
      return;
    }
    atProvider.splice(0, atProvider.length, ...ready);
    const cc = Math.max(1, Math.min(c, Math.floor(atProvider.length / 2)));
    console.log(
      `  ${atProvider.length} trips through the ID.me stand-in in ${((performance.now() - prepStarted) / 1000).toFixed(1)} s (not measured)`,
    );
    const callbackPool = pool(atProvider, "attempts at the provider");
    const returned: Session[] = [];
    const narrowed = (r: StepResult, used: number) => ({ ...r, name: used < c ? `${r.name} [${used} conns]` : r.name, connections: c });
    keep(
      narrowed(
        await load(
          "callback (provider answers at once)",
          portalUrl,
          cc,
          atProvider.length - cc,
          () => {
            const s = callbackPool();
            const u = new URL(s.callback!);
            return { path: `${u.pathname}${u.search}`, headers: { cookie: cookieHeader(s.cookies) } };
          },
          { status: 303, location: `${portalUrl}/id-verification/continue` },
          counter,
          (h) => returned.push({ cookies: cookiesOf(h) }),
        ),
        cc,
      ),
    );
    if (returned.length < 2) {
      console.log(`  only ${returned.length} callbacks answered as expected at ${c} connections: resume skipped`);
      return;
    }
    const cr = Math.max(1, Math.min(c, Math.floor(returned.length / 2)));
    const resumePool = pool(returned, "verified attempts");
    keep(
      narrowed(
        await load(
          "resume GET /id-verification/continue",
          portalUrl,
          cr,
          returned.length - cr,
          () => ({ path: "/id-verification/continue", headers: { cookie: cookieHeader(resumePool().cookies) } }),
          { status: 200 },
          counter,
        ),
        cr,
      ),
    );
  }

  /**
   * Whole logins through the stand-ins (the Action's token, the portal, the
   * ID.me stand-in, Auth0's /continue), LOGIN_CONCURRENCY at once, each given
   * until the deadline; then every user must have exactly one attempt, verified,
   * and one verification record.
   */
  async function wholeLogins() {
    // Browsers that do what a person does on the portal's busy page (503, Retry-After): wait as asked, then again.
    const login = patientLogins({ auth0, idme, auth0Token: (claims) => token(claims.sub, String(claims.state)) }, portalUrl);
    const users = Array.from({ length: LOGINS }, () => `auth0|login-${randomBytes(6).toString("hex")}`);
    sentUsers.push(...users);
    const wrong: string[] = [];
    const deadline = Date.now() + LOGIN_DEADLINE_MS;
    const started = performance.now();
    let finished = 0;
    let busy = 0;
    await inBatches(users, LOGIN_CONCURRENCY, async (sub) => {
      const done = (async () => {
        const { claims, busy: turnedAway } = await login(sub, "identity-verified", `login-${sub.slice(-12)}`);
        busy += turnedAway;
        return claims.status;
      })();
      const late = new Promise<string>((resolve) =>
        setTimeout(() => resolve("not finished before the deadline"), deadline - Date.now()).unref(),
      );
      const status = await Promise.race([done.catch((err: unknown) => `failed: ${String(err).slice(0, 200)}`), late]);
      if (status === "success") finished++;
      else wrong.push(`${sub}: ${String(status)}`);
    });
    const ms = performance.now() - started;
    const rows = await q(
      `SELECT p.auth0_user_id,
              (SELECT count(*)::int FROM attempt a WHERE a.auth0_user_id = p.auth0_user_id) AS attempts,
              (SELECT count(*)::int FROM attempt a WHERE a.auth0_user_id = p.auth0_user_id AND a.status = 'verified' AND a.resumed_at IS NOT NULL) AS verified,
              (SELECT count(*)::int FROM verification_record r WHERE r.person_id = p.id) AS records
         FROM person p WHERE p.auth0_user_id = ANY($1::text[])`,
      [users],
    );
    const seen = new Set(rows.map((r) => r.auth0_user_id as string));
    for (const u of users) if (!seen.has(u)) wrong.push(`${u}: no person recorded`);
    for (const r of rows) {
      if (r.attempts !== 1 || r.verified !== 1 || r.records !== 1) {
        wrong.push(`${r.auth0_user_id}: ${r.attempts} attempts, ${r.verified} verified and resumed, ${r.records} verifications`);
      }
    }
    return { ms, ok: finished, wrong, busy };
  }

  const pid = portal.pid;
  const rss = () => {
    if (!existsSync(`/proc/${pid}/status`))
      throw new Error(`the portal is gone (it exited under the load); the end of its output:\n${portal.logs().slice(-3000)}`);
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  };
  let rssAfter = NaN;
  let memoryAfter = "";
  let rssAfterLogins = NaN;
  let memoryAfterLogins = "";
  /** The portal's own view of its memory (prom-client's process and V8 metrics), in MB. */
  const memory = async () => {
    const text = await (await fetch(`${portalUrl}/api/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).text();
    const mb = (name: string) => {
      const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, "m").exec(text);
      return m ? (Number(m[1]) / 2 ** 20).toFixed(0) : "?";
    };
    return `V8 heap used ${mb("nodejs_heap_size_used_bytes")} MB of ${mb("nodejs_heap_size_total_bytes")} MB, external (buffers, WASM) ${mb("nodejs_external_memory_bytes")} MB`;
  };
  let logins: { ms: number; ok: number; wrong: string[]; busy: number } | null = null;
  try {
    if (!STEPS) console.log("--no-steps: the per-step runs are skipped");
    else console.log(`Warm-up (${WARMUP} requests per step, 10 connections) …`);
    if (STEPS) await chain(10, WARMUP, false);
    for (const c of STEPS ? CONNECTIONS : []) {
      console.log(`${c} connections, ${REQUESTS} requests per step …`);
      await chain(c, REQUESTS, true);
    }
    rssAfter = rss();
    memoryAfter = await memory().catch((err: unknown) => `metrics not read: ${String(err)}`);
    if (LOGINS > 0) {
      console.log(`${LOGINS} whole logins, ${LOGIN_CONCURRENCY} at a time …`);
      logins = await wholeLogins();
      rssAfterLogins = rss();
      memoryAfterLogins = await memory().catch((err: unknown) => `metrics not read: ${String(err)}`);
    }
  } finally {
    await portal.stop();
    await floor.stop();
    await idme.close();
    await auth0.close();
  }

  // ------------------------------------------------------------ report
  console.log(
    `\nMachine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`,
  );
  console.log(`Portal started with Node.js options: ${PORTAL_NODE_ARGS.join(" ") || "(none)"}`);
  const fmt = (x: number, d = 0) => x.toLocaleString("en", { maximumFractionDigits: d, minimumFractionDigits: d });
  const rows: string[][] = [["step", "conns", "req/s", "p50 ms", "p99 ms", "× bare", "× HS256+insert", "errors", "SQL/req", "trips/req"]];
  for (const c of CONNECTIONS) {
    const at = results.filter((r) => r.connections === c);
    const bare = at.find((r) => r.name.startsWith("floor: bare"));
    const min = at.find((r) => r.name.startsWith("floor: HS256"));
    if (!bare || !min) continue;
    for (const r of at) {
      rows.push([
        r.name,
        String(c),
        fmt(r.rps),
        fmt(r.p50),
        fmt(r.p99),
        fmt(r.rps / bare.rps, 2),
        fmt(r.rps / min.rps, 2),
        String(r.errors),
        fmt(r.statements, 1),
        fmt(r.roundTrips, 1),
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const [i, r] of rows.entries()) {
    console.log(r.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join("  "));
    if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
  console.log(`\nPortal server RSS ${STEPS ? "after the steps" : "at start"}: ${fmt(rssAfter)} MB (${memoryAfter})`);

  if (logins) {
    console.log(
      `Whole logins: ${logins.ok} of ${LOGINS} succeeded in ${fmt(logins.ms / 1000, 1)} s, ${fmt((logins.ok * 1000) / logins.ms, 1)} logins/s (${LOGIN_CONCURRENCY} at a time)`,
    );
    console.log(`Portal server RSS after the logins: ${fmt(rssAfterLogins)} MB (${memoryAfterLogins})`);
    console.log(`Steps answered "busy" (503, Retry-After) and sent again after the wait: ${logins.busy}`);
    if (logins.wrong.length)
      console.log(`Logins that did not end as expected (${logins.wrong.length}):\n  ${logins.wrong.slice(0, 20).join("\n  ")}`);
  }

  // ------------------------------------------------------------ every attempt once
  const problems: string[] = [];
  const twice = await q(`SELECT auth0_user_id, count(*)::int AS n FROM attempt GROUP BY 1 HAVING count(*) > 1`);
  if (twice.length) problems.push(`${twice.length} users with more than one attempt`);
  const failed = await q(`SELECT failure_code, count(*)::int AS n FROM attempt WHERE failure_code IS NOT NULL GROUP BY 1`);
  for (const f of failed) problems.push(`${f.n} attempts failed with ${f.failure_code}`);
  const repeated = await q(
    `SELECT step, count(*)::int AS n FROM (SELECT attempt_id, step FROM attempt_event GROUP BY 1, 2 HAVING count(*) > 1) x GROUP BY 1`,
  );
  for (const r of repeated) problems.push(`${r.n} attempts with the event ${r.step} more than once`);
  const unknown = await q(`SELECT count(*)::int AS n FROM attempt WHERE auth0_user_id <> ALL($1::text[])`, [sentUsers]);
  if (unknown[0].n) problems.push(`${unknown[0].n} attempts for users the bench never sent`);
  const verified = await q(
    `SELECT count(*)::int AS n,
            count(*) FILTER (WHERE r.id IS NULL)::int AS without_record
       FROM attempt a LEFT JOIN verification_record r ON r.id = a.record_id WHERE a.status = 'verified'`,
  );
  if (verified[0].without_record) problems.push(`${verified[0].without_record} verified attempts without their record`);
  const records = await q(`SELECT count(*)::int AS n FROM verification_record GROUP BY person_id HAVING count(*) > 1`);
  if (records.length) problems.push(`${records.length} people with more than one verification`);
  const totals = (await q(`SELECT status, count(*)::int AS n FROM attempt GROUP BY 1 ORDER BY 1`)).map((r) => `${r.status} ${r.n}`);
  console.log(
    `Attempts: ${totals.join(", ")} (${sentUsers.length} entry requests built; those autocannon built but never sent open nothing)`,
  );
  console.log(problems.length ? `NOT RECORDED AS EXPECTED:\n  ${problems.join("\n  ")}` : "Every attempt recorded exactly once: yes");

  await setup.end();
  await counter.close();
  if (flag("keep")) console.log(`Database kept: ${db.url}`);
  else await db.drop();
  if (problems.length || results.some((r) => r.errors) || logins?.wrong.length) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
