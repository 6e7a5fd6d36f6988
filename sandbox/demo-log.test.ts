import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { startHarness, type Harness } from "./harness";
import { TestBrowser, forms } from "./harness/browser";
import { demoLogLine, demoLogWriter } from "./demo-log";

/**
 * `npm run demo` shows the portal's log but never a token, a state or a code
 * (issue 9 §11). The lines below are what `next dev` 16 printed for two
 * requests of the flow: its request log carries the whole query string.
 */

const DEV_OUTPUT = [
  "○ Compiling /api/health/live ...",
  " GET /api/health/live 200 in 11.1s (next.js: 9.6s, proxy.ts: 925ms, application-code: 561ms)",
  '{"time":"2026-12-02T00:17:14.672Z","level":"warn","msg":"attempt event","ref":"IDV-0RHY-YZ3X","step":"token_received","outcome":"error","code":"token_signature_invalid"}',
  " GET /id-verification?token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig&state=STATE123 303 in 5.8s (next.js: 1332ms, proxy.ts: 41ms, application-code: 4.4s)",
  " GET /id-verification/callback?code=CODE999&state=STATE456 303 in 2.7s (next.js: 1388ms, proxy.ts: 401ms, application-code: 941ms)",
  " POST /id-verification/start 303 in 120ms",
];

describe("the demo's view of the portal's output", () => {
  it("drops the development request log and keeps the portal's own log lines", () => {
    let shown = "";
    const write = demoLogWriter((t) => (shown += t));
    // Chunks do not follow line ends.
    const all = DEV_OUTPUT.join("\n") + "\n";
    write(all.slice(0, 100));
    write(all.slice(100, 333));
    write(all.slice(333));
    for (const secret of ["eyJhbGciOiJIUzI1NiJ9", "STATE123", "STATE456", "CODE999"]) expect(shown).not.toContain(secret);
    expect(shown).toContain('"ref":"IDV-0RHY-YZ3X"');
    expect(shown).toContain("Compiling /api/health/live");
    expect(
      shown
        .split("\n")
        .filter(Boolean)
        .every((l) => l.startsWith("[portal] ")),
    ).toBe(true);
  });

  it("masks token-like text in any other line", () => {
    expect(demoLogLine("error at /id-verification?token=abc&state=xyz&code=123")).toBe(
      "error at /id-verification?token=[hidden]&state=[hidden]&code=[hidden]",
    );
    expect(demoLogLine("got eyJhbGciOi.eyJzdWIiOiJ4In0.c2ln here")).toBe("got [token] here");
  });
});

describe("the demo's portal output after a whole login", () => {
  let h: Harness;
  let shown = "";

  beforeAll(async () => {
    h = await startHarness({ echo: demoLogWriter((t) => (shown += t)) });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("shows reference codes, never the token, the state or the provider's code", async () => {
    const state = randomBytes(12).toString("base64url");
    const token = await h.auth0Token({ sub: `auth0|${randomBytes(6).toString("hex")}` });
    const browser = new TestBrowser();
    const consent = await browser.go(`${h.portal.url}/id-verification?token=${token}&state=${state}`);
    const atProvider = await browser.submit(consent, (f) => f.action.endsWith("/id-verification/start"));
    const stop = await browser.submit(
      atProvider,
      () => true,
      { persona: "identity-verified", account: "" },
      { stopAt: (u) => u.includes("/id-verification/callback") },
    );
    const code = new URL(stop.url).searchParams.get("code")!;
    const back = await browser.go(stop.url);
    expect(forms(back).some((f) => f.action.startsWith(`${h.auth0.url}/continue`))).toBe(true);

    expect(shown).toMatch(/"ref":"IDV-[0-9A-Z]{4}-[0-9A-Z]{4}"/);
    for (const secret of [token, token.split(".")[1]!, state, code, h.secret]) expect(shown).not.toContain(secret);
    expect(shown).not.toMatch(/eyJ[\w-]{10,}\./);
  });
});
