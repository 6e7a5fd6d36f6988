import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import { TestBrowser, text, type Page } from "../../sandbox/harness/browser";
import { appResult, backToAuth0, continueForm, logIn, verifyAtBank, verifyAtIdme } from "../../sandbox/harness/stack-login";
import { DEFAULT_USERS, DEMO_PASSWORD, SAMPLE_CLIENT_IDS } from "../../sandbox/auth0/tenant-data";
import { DEMO_APPLICATIONS_SQL, startStack, type Stack } from "../../sandbox/stack";

/**
 * One answer to "may this person in, for this application, now": for every demo
 * persona and every demo application, the admin person page ("Would they pass now?"
 * and its status-check word), the status endpoint the Action asks, and a real login
 * through the tenant stand-in (the repo's Action, the portal's production build) agree.
 * Each login runs twice: with the Action holding the person's stored check (the status
 * endpoint decides) and without one (the portal's entry decides).
 */

const extra = (k: string) => ({ user_id: `auth0|${k}`, email: `${k}@example.test`, name: k, password: DEMO_PASSWORD });
const USERS = [...DEFAULT_USERS, extra("erin"), extra("frank")];

/** How each persona got where they are (real logins through the providers' stand-ins). */
const PERSONAS = {
  "auth0|alice": "identity verified with ID.me on Sample App (the global settings)",
  "auth0|bob": "veteran verified with ID.me on Veteran Discounts",
  "auth0|carol": "not verified by ID.me on Sample Bank; verified by her bank (IDPartner) on Sample Credit Union",
  "auth0|dan": "identity verified with ID.me on Sample Bank (the issue's example: Sample Credit Union asks for IDPartner)",
  "auth0|erin": "identity verified with ID.me, then revoked by support",
  "auth0|frank": "identity verified with ID.me two days ago (outside the 24 h interval)",
} as const;
type Persona = keyof typeof PERSONAS;

let db: TestDatabase;
let stack: Stack;
const snapshots = new Map<Persona, Record<string, unknown>>();
let admin: TestBrowser;
/** Every (persona, application) answer the page gave, for the check that the table is not one-sided. */
const seen: { persona: string; clientId: string; passes: boolean; status: string }[] = [];

async function verify(userId: string, clientId: string, how: (b: TestBrowser, consent: Page) => Promise<Page>): Promise<Page> {
  const b = new TestBrowser();
  const consent = await logIn(stack, b, clientId, userId);
  expect(consent.url, `${userId} on ${clientId}`).toBe(`${stack.portalUrl}/id-verification/consent`);
  let page = await how(b, consent);
  if (!continueForm(page)) page = await b.submit(page, (f) => f.action === "/id-verification/resume");
  return backToAuth0(b, page);
}

beforeAll(async () => {
  db = await createTestDatabase();
  stack = await startStack({
    database: { url: db.url, poolMax: db.poolMax },
    users: USERS,
    verificationExpiresInSeconds: 86_400,
    reverifyIntervalHours: 24,
  });
  await db.pool.query(DEMO_APPLICATIONS_SQL);

  const idme = (persona: string, account: string) => (b: TestBrowser, c: Page) => verifyAtIdme(b, c, persona, account);
  expect(appResult(await verify("auth0|alice", "sample-app", idme("identity-verified", "acc-alice")))).toMatchObject({ status: "valid" });
  expect(appResult(await verify("auth0|bob", "sample-veterans", idme("veteran", "acc-bob")))).toMatchObject({ status: "valid" });
  expect(appResult(await verify("auth0|carol", "sample-bank", idme("not-verified", "acc-carol")))).toMatchObject({ result: "error" });
  const bank = (b: TestBrowser, c: Page) => verifyAtBank(b, c, "bank-verified", "acc-carol");
  expect(appResult(await verify("auth0|carol", "sample-credit", bank))).toMatchObject({ status: "valid" });
  expect(appResult(await verify("auth0|dan", "sample-bank", idme("identity-verified", "acc-dan")))).toMatchObject({ status: "valid" });
  expect(appResult(await verify("auth0|erin", "sample-bank", idme("identity-verified", "acc-erin")))).toMatchObject({ status: "valid" });
  expect(appResult(await verify("auth0|frank", "sample-bank", idme("identity-verified", "acc-frank")))).toMatchObject({ status: "valid" });
  await db.pool.query(`UPDATE verification_record SET status = 'revoked', updated_at = now() WHERE auth0_user_id = 'auth0|erin'`);
  await db.pool.query(
    `UPDATE verification_record SET last_checked_at = last_checked_at - interval '2 days', expires_at = expires_at - interval '2 days'
     WHERE auth0_user_id = 'auth0|frank'`,
  );
  for (const p of Object.keys(PERSONAS) as Persona[]) snapshots.set(p, stack.auth0.appMetadata(p));

  admin = new TestBrowser();
  const signIn = await admin.go(`${stack.portalUrl}/admin/people`);
  await admin.submit(signIn, (f) => "password" in f.fields, { user_id: "auth0|admin" });
});

afterAll(async () => {
  await stack?.close();
  await db?.close();
});

const LABELS: Record<string, string> = {
  valid: "valid",
  revoked: "revoked",
  expired: "expired",
  "not verified": "not_verified",
  none: "none",
};

/** The person page's answer for each application: passes or not, and the status word it shows. */
async function personPage(userId: string): Promise<Map<string, { passes: boolean; status: string }>> {
  const page = await admin.go(`${stack.portalUrl}/admin/people/${encodeURIComponent(userId)}`);
  expect(page.status).toBe(200);
  const out = new Map<string, { passes: boolean; status: string }>();
  for (const m of page.html.matchAll(/data-testid="person-app-([^"]+)"[^>]*>([\s\S]*?)<\/td>/g)) {
    const cell = text({ html: m[2]! });
    const label = /status check: (.+)$/.exec(cell)?.[1]?.trim() ?? "";
    out.set(m[1]!, { passes: /\bpasses\b/.test(cell), status: LABELS[label] ?? `unknown label ${label}` });
  }
  return out;
}

/** What the status endpoint answers the Action for this user and application. */
async function statusEndpoint(userId: string, clientId: string): Promise<{ status: string; required: boolean }> {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ purpose: "status", client_id: clientId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(stack.auth0.domain)
    .setSubject(userId)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(new TextEncoder().encode(stack.secrets.tokenSecret));
  const res = await fetch(`${stack.portalUrl}/api/verification/status`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { status: string; required: boolean };
}

/** A real login: "passes" when the application receives status valid without the person being asked to verify. */
async function realLogin(userId: string, clientId: string): Promise<{ passes: boolean; where: string }> {
  const b = new TestBrowser();
  let page = await logIn(stack, b, clientId, userId);
  if (page.url === `${stack.portalUrl}/id-verification/consent`) return { passes: false, where: "asked to verify" };
  if (continueForm(page)) page = await backToAuth0(b, page);
  const r = appResult(page);
  return { passes: r.result === "signed-in" && r.status === "valid", where: `${r.result} ${r.status ?? r.error ?? page.url}` };
}

describe("the person page, the status endpoint and real logins agree", () => {
  for (const persona of Object.keys(PERSONAS) as Persona[]) {
    it(`${persona}: ${PERSONAS[persona]}`, async () => {
      const answers = await personPage(persona);
      expect([...answers.keys()].sort()).toEqual([...SAMPLE_CLIENT_IDS, "global"].sort());
      const rows: string[] = [];
      for (const clientId of SAMPLE_CLIENT_IDS) {
        const shown = answers.get(clientId)!;
        seen.push({ persona, clientId, ...shown });
        const endpoint = await statusEndpoint(persona, clientId);
        expect(endpoint.status, `${clientId}: the endpoint's word is the page's`).toBe(shown.status);
        expect(endpoint.status === "valid", `${clientId}: page passes = endpoint valid`).toBe(shown.passes);

        // With the person's stored check (the Action asks the status endpoint)…
        stack.auth0.setAppMetadata(persona, snapshots.get(persona)!);
        const withCheck = await realLogin(persona, clientId);
        // …and without one (the portal's entry decides).
        stack.auth0.setAppMetadata(persona, {});
        const withoutCheck = await realLogin(persona, clientId);
        rows.push(`${clientId}: page ${shown.passes ? "passes" : shown.status}, login ${withCheck.where} / ${withoutCheck.where}`);
        expect(withCheck.passes, rows.at(-1)).toBe(shown.passes);
        expect(withoutCheck.passes, rows.at(-1)).toBe(shown.passes);
      }
      expect(rows).toHaveLength(SAMPLE_CLIENT_IDS.length);
    });
  }

  it("the issue's example: Dan (ID.me) must verify with IDPartner for Sample Credit Union, and really is sent there", async () => {
    const answers = await personPage("auth0|dan");
    expect(answers.get("sample-bank")).toEqual({ passes: true, status: "valid" });
    expect(answers.get("sample-credit")).toEqual({ passes: false, status: "not_verified" });
    stack.auth0.setAppMetadata("auth0|dan", snapshots.get("auth0|dan")!);
    const page = await logIn(stack, new TestBrowser(), "sample-credit", "auth0|dan");
    expect(text(page)).toContain("Verify with IDPartner");
  });

  it("the comparison covers both answers and every status word", async () => {
    expect(seen).toHaveLength(Object.keys(PERSONAS).length * SAMPLE_CLIENT_IDS.length);
    const passing = seen.filter((s) => s.passes).map((s) => `${s.persona} ${s.clientId}`);
    expect(passing.sort()).toEqual(
      [
        "auth0|alice sample-app",
        "auth0|alice sample-bank",
        "auth0|bob sample-veterans",
        "auth0|carol sample-credit",
        "auth0|dan sample-app",
        "auth0|dan sample-bank",
      ].sort(),
    );
    expect(new Set(seen.map((s) => s.status))).toEqual(new Set(["valid", "not_verified", "revoked", "expired"]));
  });

  it("the statuses cover every word: valid, not_verified, revoked, expired, none", async () => {
    expect((await statusEndpoint("auth0|erin", "sample-bank")).status).toBe("revoked");
    expect((await statusEndpoint("auth0|frank", "sample-bank")).status).toBe("expired");
    expect((await statusEndpoint("auth0|bob", "sample-bank")).status).toBe("not_verified");
    expect(await statusEndpoint("auth0|nobody", "sample-bank")).toEqual({ status: "none", required: true });
    expect(await statusEndpoint("auth0|nobody", "sample-app")).toEqual({ status: "none", required: false });
  });
});
