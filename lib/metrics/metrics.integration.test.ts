import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { startHarness, type Harness } from "../../sandbox/harness";
import { TestBrowser, type Page } from "../../sandbox/harness/browser";

/**
 * What an operator sees of the running portal: Prometheus metrics behind METRICS_TOKEN that
 * count the logins a test makes, and OpenTelemetry traces (OTLP over HTTP/JSON to a local
 * receiver) that follow a login's steps and provider calls without carrying personal data,
 * tokens or codes.
 */

const TOKEN = randomBytes(24).toString("hex");

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
  events?: { name: string; attributes?: { key: string; value: Record<string, unknown> }[] }[];
}

/** A minimal OTLP/HTTP JSON receiver: keeps every span it is sent, and the raw bodies. */
async function startCollector() {
  const spans: OtlpSpan[] = [];
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.url === "/v1/traces") {
        bodies.push(body);
        const parsed = JSON.parse(body) as { resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[] };
        for (const rs of parsed.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let h: Harness;
let collector: Awaited<ReturnType<typeof startCollector>>;

beforeAll(async () => {
  collector = await startCollector();
  h = await startHarness({
    env: {
      METRICS_TOKEN: TOKEN,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_BSP_SCHEDULE_DELAY: "100",
    },
  });
});

afterAll(async () => {
  await h?.close();
  await collector?.close();
});

const attr = (s: { attributes?: OtlpSpan["attributes"] }, key: string) => {
  const v = s.attributes?.find((a) => a.key === key)?.value;
  return v ? Object.values(v)[0] : undefined;
};

async function scrape(token = TOKEN): Promise<Response> {
  return fetch(`${h.portal.url}/api/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

/** Prometheus text format → "name{labels}" → value. */
async function readMetrics(): Promise<Map<string, number>> {
  const r = await scrape();
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toContain("text/plain");
  const out = new Map<string, number>();
  for (const line of (await r.text()).split("\n")) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

const delta = (before: Map<string, number>, after: Map<string, number>, key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);

/** One whole login through the portal and the ID.me stand-in, as flow.integration.test.ts drives them. */
async function login(persona: string) {
  const sub = `auth0|${randomBytes(6).toString("hex")}`;
  const state = randomBytes(12).toString("base64url");
  const token = await h.auth0Token({ sub });
  const b = new TestBrowser();
  const entry = await b.go(`${h.portal.url}/id-verification?token=${encodeURIComponent(token)}&state=${encodeURIComponent(state)}`);
  const atIdme = await b.submit(entry, (f) => f.action.endsWith("/id-verification/start"));
  const back: Page = await b.submit(atIdme, () => true, { persona, account: sub }, { stopAt: (u) => u.startsWith(h.auth0.url) });
  const { rows } = await h.db.pool.query(`SELECT reference_code, status, failure_code FROM attempt WHERE auth0_user_id = $1`, [sub]);
  const callback = back.hops.find((x) => x.url.includes("/id-verification/callback"));
  const code = callback ? new URL(callback.url).searchParams.get("code") : null;
  return { sub, state, token, back, attempt: rows[0] as { reference_code: string; status: string; failure_code: string | null }, code };
}

describe("Prometheus metrics", () => {
  it("are refused without the token, or with a wrong one", async () => {
    for (const token of ["", "not-the-token", TOKEN.slice(1)]) {
      const r = await scrape(token);
      expect(r.status).toBe(401);
      expect(r.headers.get("www-authenticate")).toContain("Bearer");
      expect(await r.text()).not.toContain("idv_");
    }
  });

  it("count the logins a test makes: started, finished by outcome and code, step and provider latencies, provider errors", async () => {
    const before = await readMetrics();
    const ok = await login("identity-verified");
    const failed = await login("not-verified");
    const broken = await login("malformed");
    expect([ok.attempt.status, failed.attempt.status, broken.attempt.status]).toEqual(["verified", "failed", "error"]);
    const after = await readMetrics();

    expect(delta(before, after, "idv_logins_started_total")).toBe(3);
    expect(delta(before, after, 'idv_logins_finished_total{provider="idme",outcome="verified",code="none"}')).toBe(1);
    expect(delta(before, after, 'idv_logins_finished_total{provider="idme",outcome="failed",code="identity_not_verified"}')).toBe(1);
    expect(delta(before, after, 'idv_logins_finished_total{provider="idme",outcome="error",code="userinfo_malformed"}')).toBe(1);
    for (const step of ["begin", "start", "callback"]) {
      expect(delta(before, after, `idv_flow_step_duration_seconds_count{step="${step}"}`), step).toBe(3);
    }
    expect(delta(before, after, 'idv_provider_request_duration_seconds_count{provider="idme",operation="authorize",result="ok"}')).toBe(3);
    expect(delta(before, after, 'idv_provider_request_duration_seconds_count{provider="idme",operation="complete",result="ok"}')).toBe(2);
    expect(delta(before, after, 'idv_provider_request_duration_seconds_count{provider="idme",operation="complete",result="error"}')).toBe(
      1,
    );
    expect(delta(before, after, 'idv_provider_errors_total{provider="idme",operation="complete",code="userinfo_malformed"}')).toBe(1);
    // The database pool of this instance (PostgreSQL, or PGlite served over the wire).
    expect(after.get('idv_db_pool_connections{state="total"}')).toBeGreaterThan(0);
    expect(after.get("idv_db_pool_max_connections")).toBeGreaterThan(0);
    expect(after.has("idv_db_pool_waiting_requests")).toBe(true);
  });
});

describe("OpenTelemetry traces", () => {
  it("follow a login's steps and its provider calls, with no personal data, token or code in them", async () => {
    const j = await login("identity-verified");
    const ref = j.attempt.reference_code;
    // The batch processor sends every 100 ms here.
    const deadline = Date.now() + 10_000;
    const ofLogin = () => collector.spans.filter((s) => attr(s, "idv.ref") === ref);
    while (!["idv.begin", "idv.start", "idv.callback"].every((n) => ofLogin().some((s) => s.name === n))) {
      if (Date.now() > deadline) throw new Error(`no spans for ${ref}: ${collector.spans.map((s) => s.name).join(", ")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));

    const byName = (n: string) => ofLogin().find((s) => s.name === n)!;
    const callback = byName("idv.callback");
    // Each step is its own request (its own trace), found by the attempt's reference code…
    expect(callback.events?.map((e) => attr(e, "idv.step"))).toEqual(
      expect.arrayContaining(["returned", "token_exchange", "userinfo", "result"]),
    );
    // …and the provider calls nest under the step that made them.
    const complete = collector.spans.find((s) => s.name === "idv.provider.complete" && s.parentSpanId === callback.spanId);
    expect(complete && attr(complete, "idv.provider")).toBe("idme");
    const authorize = collector.spans.find((s) => s.name === "idv.provider.authorize" && s.parentSpanId === byName("idv.start").spanId);
    expect(authorize).toBeTruthy();
    // Next.js's own request spans are exported too, under the same traces.
    expect(collector.spans.some((s) => s.traceId === callback.traceId && s.spanId === callback.parentSpanId)).toBe(true);

    // Nothing that identifies the person or could replay the login leaves the process.
    const everything = collector.bodies.join("\n");
    for (const secret of [j.token, j.sub, j.state, encodeURIComponent(j.token), "Malcolm", "Murphy", h.secret, h.clientSecret]) {
      expect(everything).not.toContain(secret);
    }
    expect(j.code).toBeTruthy();
    expect(everything).not.toContain(j.code!);
    // (Next.js's spans do carry the request path: the check above is not vacuous.)
    expect(everything).toContain('"http.target"');
    expect(everything).toContain("/id-verification/callback");
  });
});
