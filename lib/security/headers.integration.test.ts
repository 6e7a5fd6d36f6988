import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { startHarness, type Harness } from "../../sandbox/harness";
import { TestBrowser, forms } from "../../sandbox/harness/browser";
import { freePort, startPortal, type RunningPortal } from "../../sandbox/harness/portal";

/**
 * Issue 9 §9, over HTTP against the production build: every kind of page
 * carries its policy. React pages (end-user and staff): a CSP with a fresh
 * nonce that Next.js put on every script; the continue page: its own policy;
 * plain pages: theirs; all: frame-ancestors 'none' and a Permissions-Policy;
 * HSTS when PORTAL_URL is https (a second instance configured so).
 */

let h: Harness;
let https: RunningPortal;

beforeAll(async () => {
  h = await startHarness();
  https = await startPortal(await freePort(), { ...h.portalEnv, PORTAL_URL: "https://verify.example.test" });
});

afterAll(async () => {
  await https?.stop();
  await h?.close();
});

function directives(csp: string | null): Map<string, string> {
  expect(csp, "content-security-policy").toBeTruthy();
  return new Map(
    csp!
      .split(";")
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => [d.split(/\s+/)[0]!, d.slice(d.indexOf(" ") + 1)] as [string, string]),
  );
}

/** A React page: the nonce of its CSP is on every script, and no script goes without it. */
async function expectReactPage(url: string, opts: { formAction?: boolean } = {}) {
  const r = await fetch(url, { redirect: "manual" });
  expect(r.status, url).toBe(200);
  const csp = directives(r.headers.get("content-security-policy"));
  const nonce = /'nonce-([^']+)'/.exec(csp.get("script-src") ?? "")?.[1];
  expect(nonce, url).toBeTruthy();
  expect(csp.get("script-src")).toContain("'strict-dynamic'");
  expect(csp.get("script-src")).not.toContain("unsafe-inline");
  expect(csp.get("style-src")).not.toContain("unsafe-inline");
  expect(csp.get("frame-ancestors")).toBe("'none'");
  expect(csp.get("object-src")).toBe("'none'");
  expect(csp.has("form-action"), url).toBe(Boolean(opts.formAction));
  const html = await r.text();
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  expect(scripts.length, url).toBeGreaterThan(0);
  for (const s of scripts) expect(s, url).toContain(`nonce="${nonce}"`);
  expect(r.headers.get("permissions-policy")).toContain("camera=()");
  return { nonce, csp, headers: r.headers };
}

describe("security headers on every kind of page", () => {
  it("end-user React pages: a per-request nonce on every script, frame-ancestors 'none', no form-action", async () => {
    const a = await expectReactPage(`${h.portal.url}/id-verification/outcome`);
    const b = await expectReactPage(`${h.portal.url}/id-verification/outcome`);
    expect(a.nonce).not.toBe(b.nonce);
    await expectReactPage(`${h.portal.url}/`);
    // Plain http: no HSTS (a browser would ignore it anyway).
    expect(a.headers.get("strict-transport-security")).toBeNull();
  });

  it("staff React pages: the same, and forms may go only to the portal and the staff Auth0 domain", async () => {
    const page = await expectReactPage(`${h.portal.url}/admin/no-access`, { formAction: true });
    expect(page.csp.get("form-action")).toBe(`'self' ${h.auth0.url}`);
  });

  it("the continue page keeps its own policy (no form-action, its own script nonce)", async () => {
    const browser = new TestBrowser();
    const expired = await h.auth0Token({ sub: `auth0|${randomBytes(6).toString("hex")}` }, { expiresIn: -120 });
    const outcome = await browser.go(`${h.portal.url}/id-verification?token=${expired}&state=st-${randomBytes(4).toString("hex")}`);
    const r = await browser.request(`${h.portal.url}/id-verification/continue`);
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(forms({ html }).some((f) => f.action.startsWith(`${h.auth0.url}/continue`))).toBe(true);
    const csp = directives(r.headers.get("content-security-policy"));
    expect(csp.get("default-src")).toBe("'none'");
    expect(csp.get("frame-ancestors")).toBe("'none'");
    expect(csp.has("form-action")).toBe(false);
    const nonce = /'nonce-([^']+)'/.exec(csp.get("script-src")!)![1];
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(r.headers.get("permissions-policy")).toContain("camera=()");
    expect(outcome.url).toBe(`${h.portal.url}/id-verification/outcome`);
  });

  it("the flow's redirects and plain pages carry a policy of their own too", async () => {
    const r = await fetch(`${h.portal.url}/id-verification?token=x&state=y`, { redirect: "manual" });
    expect(r.status).toBe(303);
    expect(directives(r.headers.get("content-security-policy")).get("frame-ancestors")).toBe("'none'");
    const api = await fetch(`${h.portal.url}/api/health/live`);
    expect(directives(api.headers.get("content-security-policy")).get("frame-ancestors")).toBe("'none'");
    expect(api.headers.get("permissions-policy")).toBeTruthy();
  });

  it("HSTS when PORTAL_URL is https, on pages and API answers alike", async () => {
    for (const path of ["/", "/id-verification/outcome", "/api/health/live", "/admin/no-access"]) {
      const r = await fetch(`${https.url}${path}`, { redirect: "manual" });
      expect(r.headers.get("strict-transport-security"), path).toBe("max-age=31536000; includeSubDomains");
    }
  });
});
