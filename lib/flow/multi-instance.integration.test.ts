import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "@playwright/test";
import { createTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import { TestBrowser, forms, text, type Page } from "../../sandbox/harness/browser";
import { DEMO_APPLICATIONS_SQL, startStack, type Stack } from "../../sandbox/stack";
import { DEFAULT_USERS, DEMO_PASSWORD } from "../../sandbox/auth0/tenant";
import type { Routed } from "../../sandbox/harness/round-robin";

/**
 * Two instances of the deployable build (.next/standalone) on one PostgreSQL database,
 * behind a round-robin proxy that sends each request to the other instance, with the
 * Auth0 tenant stand-in running the repo's Action and a sample application. Whole logins
 * pass with their steps spread over both instances; staff changes made through one
 * instance's server actions take effect on the other; an instance stopped in the middle
 * of a login lets that login finish.
 */

const USERS = ["mi-success", "mi-failure", "mi-revoke", "mi-optional", "mi-slow", "mi-waiting"].map((k) => ({
  user_id: `auth0|${k}`,
  email: `${k}@instances.test`,
  name: `Instances ${k}`,
  password: DEMO_PASSWORD,
}));

let db: TestDatabase;
let stack: Stack;
let chrome: Browser;
const STATUS_CLAIM = "https://id-verification/status";

beforeAll(async () => {
  db = await createTestDatabase();
  // Both instances start at the same moment on the empty database (startStack starts them together).
  stack = await startStack({
    database: { url: db.url, poolMax: db.poolMax },
    instances: 2,
    users: [...DEFAULT_USERS, ...USERS],
    idmeSlowMs: 4_000,
    providerTimeoutMs: 10_000,
  });
  await db.pool.query(DEMO_APPLICATIONS_SQL);
  chrome = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-sync"],
  });
});

afterAll(async () => {
  await chrome?.close();
  await stack?.close();
  await db?.close();
});

const proxy = () => stack.proxy!;
const onPortal = (r: Routed) => r.path.startsWith("/id-verification") || r.path.startsWith("/api/");

/** From the sample application's "Log in" to wherever the Action sends the person (the portal, or back). */
async function logIn(b: TestBrowser, clientId: string, userId: string): Promise<Page> {
  const home = await b.go(stack.sampleUrl);
  const signIn = await b.submit(home, (f) => f.fields.client_id === clientId);
  return b.submit(signIn, (f) => "password" in f.fields, { user_id: userId, password: DEMO_PASSWORD });
}

/** "Verify with ID.me", then a persona at the stand-in; returns the page the callback led to. */
async function verify(b: TestBrowser, consent: Page, persona: string, account: string): Promise<Page> {
  expect(text(consent)).toContain("Verify with ID.me");
  const atIdme = await b.submit(consent, (f) => f.action.endsWith("/id-verification/start"));
  return b.submit(atIdme, (f) => "account" in f.fields, { persona, account });
}

/** Presses on until the sample application shows what it received (continue form, or "Back to" on an outcome page). */
async function backToApp(b: TestBrowser, page: Page): Promise<Page> {
  for (let i = 0; i < 4 && !page.url.startsWith(stack.sampleUrl); i++) {
    const form = forms(page).find((f) => f.action.includes("/continue") || f.action.endsWith("/id-verification/resume"));
    if (!form) throw new Error(`stuck at ${page.url}: ${text(page).slice(0, 300)}`);
    page = await b.submit(page, (f) => f === form || f.action === form.action);
  }
  return page;
}

function result(page: Page) {
  const pick = (id: string) => new RegExp(`data-testid="${id.replace(/[/.]/g, "\\$&")}"[^>]*>([^<]*)<`).exec(page.html)?.[1]?.trim();
  return { status: pick("result-status"), claim: pick(`claim-${STATUS_CLAIM}`), error: pick("error-description") };
}

/** The portal requests of one stretch of the proxy's log: who answered each. */
function servedBy(from: number) {
  return proxy().log.slice(from).filter(onPortal);
}

function expectAlternating(steps: Routed[]) {
  expect(steps.length).toBeGreaterThan(2);
  for (const s of steps) expect(s.upstream, `${s.method} ${s.path}`).toBeGreaterThanOrEqual(0);
  for (let i = 1; i < steps.length; i++) expect(steps[i]!.upstream, steps[i]!.path).not.toBe(steps[i - 1]!.upstream);
}

/** Staff sign-in in Chromium through the proxy (so through either instance), onto `path`. */
async function staffPage(path: string) {
  const page = await (await chrome.newContext()).newPage();
  await page.goto(`${stack.portalUrl}${path}`);
  await page.getByTestId("user-auth0|admin").click();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByTestId("staff-identity").waitFor();
  return page;
}

/** Submits a server action with the click, sent to the instance that did not render the page. */
async function actionOnOtherInstance(page: import("@playwright/test").Page, click: () => Promise<void>) {
  const pathname = new URL(page.url()).pathname;
  const rendered = [...proxy().log].reverse().find((r) => r.method === "GET" && r.path === pathname)!;
  proxy().sendActionsTo(rendered.upstream + 1);
  const before = proxy().log.length;
  try {
    const answered = page.waitForResponse((r) => r.request().method() === "POST" && Boolean(r.request().headers()["next-action"]));
    await click();
    await answered;
  } finally {
    proxy().sendActionsTo(null);
  }
  const action = proxy()
    .log.slice(before)
    .find((r) => r.action);
  expect(action, "a server action was called").toBeTruthy();
  expect(action!.status, JSON.stringify(action)).toBe(200);
  expect(action!.upstream).not.toBe(rendered.upstream);
}

describe("two instances behind a round-robin proxy", () => {
  it("both instances, started at the same moment on an empty database, applied each migration exactly once", async () => {
    const folders = readdirSync(path.resolve(import.meta.dirname, "../../prisma/migrations"), { withFileTypes: true }).filter((e) =>
      e.isDirectory(),
    );
    const { rows } = await db.pool.query(
      `SELECT migration_name, count(*)::int AS n, bool_and(finished_at IS NOT NULL) AS finished FROM _prisma_migrations GROUP BY 1 ORDER BY 1`,
    );
    expect(rows).toEqual(folders.map((f) => ({ migration_name: f.name, n: 1, finished: true })).sort());
    for (const p of stack.portals) expect(p.logs()).toContain("portal ready");
    // Each instance sees the database and every migration (its provider checks are not the point here).
    for (const p of stack.portals) {
      const ready = await fetch(`${p.url}/api/health/ready`);
      const { checks } = (await ready.json()) as { checks: { database: boolean; migrations: boolean } };
      expect(ready.status, p.url).toBe(200);
      expect(checks, p.url).toEqual({ database: true, migrations: true });
    }
  });

  it("a successful login, every step on the other instance", async () => {
    const b = new TestBrowser();
    const from = proxy().log.length;
    const consent = await logIn(b, "sample-bank", "auth0|mi-success");
    const back = await verify(b, consent, "identity-verified", "auth0|mi-success");
    const app = await backToApp(b, back);
    expect(result(app)).toMatchObject({ status: "signed-in", claim: "valid" });
    const steps = servedBy(from);
    expect(steps.map((s) => s.path.split("?")[0])).toEqual(
      expect.arrayContaining(["/id-verification", "/id-verification/consent", "/id-verification/start", "/id-verification/callback"]),
    );
    expectAlternating(steps);
    expect(new Set(steps.map((s) => s.upstream))).toEqual(new Set([0, 1]));
  });

  it("a failed login: the outcome page on one instance, 'Back to the application' on the other", async () => {
    const b = new TestBrowser();
    const from = proxy().log.length;
    const consent = await logIn(b, "sample-bank", "auth0|mi-failure");
    const back = await verify(b, consent, "not-verified", "auth0|mi-failure");
    expect(back.url).toBe(`${stack.portalUrl}/id-verification/outcome`);
    const app = await backToApp(b, back);
    expect(result(app)).toMatchObject({ status: "error", error: "idv_verification_failed" });
    const steps = servedBy(from);
    expect(steps.some((s) => s.path === "/id-verification/resume")).toBe(true);
    expectAlternating(steps);
    const { rows } = await db.pool.query(`SELECT status, failure_code FROM attempt WHERE auth0_user_id = 'auth0|mi-failure'`);
    expect(rows).toEqual([{ status: "failed", failure_code: "identity_not_verified" }]);
  });

  it("a revocation made through one instance's server action is what the other tells the Action", async () => {
    const user = "auth0|mi-revoke";
    const first = new TestBrowser();
    expect(
      result(await backToApp(first, await verify(first, await logIn(first, "sample-bank", user), "identity-verified", user))),
    ).toMatchObject({
      claim: "valid",
    });
    const { rows } = await db.pool.query(`SELECT id FROM verification_record WHERE auth0_user_id = $1`, [user]);

    const page = await staffPage(`/admin/records/${rows[0].id}`);
    await page.getByText("Revoke this verification…").click();
    await page.getByLabel("Reason (written to the audit log)").fill("Ticket 5150: revoked while two instances run");
    await page.getByLabel("Type REVOKE to confirm").fill("REVOKE");
    await actionOnOtherInstance(page, () => page.getByRole("button", { name: "Revoke verification" }).click());
    await page.getByText(/^Revoked\./).waitFor();
    await page.context().close();

    // The next login: the Action asks the portal (either instance) and is sent to verify again.
    const again = new TestBrowser();
    const from = proxy().log.length;
    const consent = await logIn(again, "sample-bank", user);
    expect(consent.url).toBe(`${stack.portalUrl}/id-verification/consent`);
    expect(servedBy(from).find((s) => s.path.startsWith("/api/verification/status"))?.status).toBe(200);
    expect(result(await backToApp(again, await verify(again, consent, "identity-verified", user)))).toMatchObject({ claim: "valid" });
  });

  it("an admin's setting change through one instance takes effect on the next login on the other", async () => {
    const user = "auth0|mi-optional";
    // Before: Sample App asks for verification but does not require it; declining still signs in.
    const before = new TestBrowser();
    const declined = await backToApp(before, await verify(before, await logIn(before, "sample-app", user), "declines", user));
    expect(result(declined)).toMatchObject({ status: "signed-in", claim: "declined" });

    const page = await staffPage("/admin/applications/sample-app");
    await page.getByRole("checkbox", { name: /Verification required/ }).check();
    await actionOnOtherInstance(page, () => page.getByRole("button", { name: "Save application" }).click());
    await page.getByText("Saved.", { exact: true }).waitFor();
    await page.context().close();

    const after = new TestBrowser();
    const from = proxy().log.length;
    const refused = await backToApp(after, await verify(after, await logIn(after, "sample-app", user), "declines", user));
    expect(result(refused)).toMatchObject({ status: "error", error: "idv_verification_failed" });
    expect(new Set(servedBy(from).map((s) => s.upstream))).toEqual(new Set([0, 1]));
  });
});

describe("graceful shutdown", () => {
  it("an instance stopped during a login finishes the request in flight and exits 0; the next steps go to the other", async () => {
    // A second person is on the consent page when the instance is told to stop.
    const waiting = new TestBrowser();
    const waitingConsent = await logIn(waiting, "sample-bank", "auth0|mi-waiting");
    expect(waitingConsent.url).toBe(`${stack.portalUrl}/id-verification/consent`);

    // The first person's callback waits on a slow provider (userinfo answers after 4 s) on instance 0.
    const slow = new TestBrowser();
    const consent = await logIn(slow, "sample-bank", "auth0|mi-slow");
    const atIdme = await slow.submit(consent, (f) => f.action.endsWith("/id-verification/start"));
    const from = proxy().log.length;
    proxy().sendNextTo(0);
    const pending = slow.submit(atIdme, (f) => "account" in f.fields, { persona: "slow", account: "auth0|mi-slow" });
    const deadline = Date.now() + 5_000;
    while (
      !proxy()
        .log.slice(from)
        .some((r) => r.path.startsWith("/id-verification/callback"))
    ) {
      if (Date.now() > deadline) throw new Error("the callback never reached the proxy");
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 500));
    const stopped = stack.portals[0]!;
    stopped.signal("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));

    // It takes no new connections while the callback is still being answered…
    await expect(fetch(`${stopped.url}/api/health`)).rejects.toThrow();
    // …and the waiting person's next steps go to the other instance.
    const stepsFrom = proxy().log.length;
    const waitingApp = await backToApp(waiting, await verify(waiting, waitingConsent, "identity-verified", "auth0|mi-waiting"));
    expect(result(waitingApp)).toMatchObject({ status: "signed-in", claim: "valid" });
    const later = servedBy(stepsFrom);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((s) => s.upstream === 1)).toBe(true);

    // The callback in flight completes, and so does that login.
    const back = await pending;
    const callback = proxy()
      .log.slice(from)
      .find((r) => r.path.startsWith("/id-verification/callback"))!;
    // Answered by the instance that was stopping: on to the token-free way back to Auth0.
    expect(callback).toMatchObject({ upstream: 0, status: 303 });
    expect(result(await backToApp(slow, back))).toMatchObject({ status: "signed-in", claim: "valid" });

    expect(await stopped.exited).toBe(0);
    const logs = stopped.logs();
    expect(logs).toContain('"msg":"shutting down"');
    expect(logs).toContain('"msg":"database pool closed"');
    expect(logs).toContain('"msg":"stopped","clean":true');
  }, 60_000);
});
