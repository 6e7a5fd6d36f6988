import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signReturnToken } from "../../lib/auth0/token";
import { createTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import { TestBrowser, text } from "../../sandbox/harness/browser";
import { appResult, atPortalEntry, backToAuth0, continueForm, logIn, testId, verifyAtIdme } from "../../sandbox/harness/stack-login";
import { DEFAULT_USERS, DEMO_PASSWORD } from "../../sandbox/auth0/tenant-data";
import { DEMO_APPLICATIONS_SQL, startStack, type Stack } from "../../sandbox/stack";

/**
 * The attacks of issue 9 that the Auth0 side stops, over HTTP with the repo's Action in
 * the tenant stand-in and the portal's production build: a reply is for one Auth0
 * user; the status endpoint answers per Auth0 user (so an account verified with
 * someone else's reply is sent to verify); a requirement set only in the portal holds
 * on refresh-token exchanges; and a login older than Auth0's one-hour transaction ends
 * on the portal's "sign in again" page, not on a dead /continue.
 */

const NS = "https://id-verification/";
const USERS = ["a", "b", "c", "d", "e"].map((k) => ({
  user_id: `auth0|bind-${k}`,
  email: `bind-${k}@example.test`,
  name: `Bind ${k.toUpperCase()}`,
  password: DEMO_PASSWORD,
}));
const [A, B, C, D, E] = USERS.map((u) => u.user_id) as [string, string, string, string, string];

let db: TestDatabase;
let stack: Stack;

beforeAll(async () => {
  db = await createTestDatabase();
  stack = await startStack({
    database: { url: db.url, poolMax: db.poolMax },
    users: [...DEFAULT_USERS, ...USERS],
    verificationExpiresInSeconds: 86_400,
    reverifyIntervalHours: 24,
  });
  await db.pool.query(DEMO_APPLICATIONS_SQL);
});

afterAll(async () => {
  await stack?.close();
  await db?.close();
});

const entryOf = (url: string) => {
  const u = new URL(url);
  return { token: u.searchParams.get("token")!, state: u.searchParams.get("state")! };
};

async function personId(auth0UserId: string): Promise<string> {
  const { rows } = await db.pool.query(`SELECT id FROM person WHERE auth0_user_id = $1`, [auth0UserId]);
  return rows[0].id as string;
}

describe("a reply is for one Auth0 user", () => {
  it("the Action sends a verify token for this application with a masked hint of the account", async () => {
    const entry = await logIn(stack, new TestBrowser(), "sample-bank", A, { stopAt: atPortalEntry(stack) });
    expect(decodeJwt(entryOf(entry.url).token)).toMatchObject({
      sub: A,
      purpose: "verify",
      client_id: "sample-bank",
      app: "Sample Bank",
      required: true,
      hint: "bi•••@example.test",
    });
    expect(entry.url).not.toContain("bind-a%40");
  });

  it("A's token with B's state: the portal's reply names A, so B's login is refused and nothing is stored for B", async () => {
    const bA = new TestBrowser();
    const bB = new TestBrowser();
    const stateB = entryOf((await logIn(stack, bB, "sample-bank", B, { stopAt: atPortalEntry(stack) })).url).state;
    const tokenA = entryOf((await logIn(stack, bA, "sample-bank", A, { stopAt: atPortalEntry(stack) })).url).token;

    // In B's browser (which holds B's login at the tenant), A's token with B's state.
    const mixed = new URL(`${stack.portalUrl}/id-verification`);
    mixed.searchParams.set("token", tokenA);
    mixed.searchParams.set("state", stateB);
    let page = await bB.go(mixed.href);
    if (page.url.endsWith("/id-verification/consent")) page = await verifyAtIdme(bB, page, "identity-verified", "bind-mixed");
    const form = continueForm(page);
    if (form) {
      expect(decodeJwt(form.token)).toMatchObject({ auth0_user_id: A, state: stateB });
      page = await backToAuth0(bB, page);
    }
    expect(appResult(page)).not.toMatchObject({ result: "signed-in" });
    if (form) expect(appResult(page)).toEqual({ result: "error", error: "idv_verification_failed" });
    expect(stack.auth0.appMetadata(B).id_verification).toBeUndefined();
  });

  it("a success signed with the Token Secret but naming another Auth0 user is refused at /continue", async () => {
    const b = new TestBrowser();
    const { state } = entryOf((await logIn(stack, b, "sample-bank", E, { stopAt: atPortalEntry(stack) })).url);
    const forged = await signReturnToken(
      { state, sub: "idv_someone", status: "success", checkedAt: new Date(), extra: { auth0_user_id: A, provider: "idme" } },
      { secret: stack.secrets.tokenSecret, issuer: stack.portalUrl },
    );
    const page = await b.go(`${stack.auth0.url}/continue?state=${encodeURIComponent(state)}`, { form: { token: forged } });
    expect(appResult(page)).toEqual({ result: "error", error: "idv_verification_failed" });
    expect(stack.auth0.appMetadata(E).id_verification).toBeUndefined();
  });
});

describe("the status endpoint answers per Auth0 user", () => {
  it("an account holding another person's check (verified by someone else's reply) is sent to verify", async () => {
    // A's own login (A verified with ID.me in the attack above: the portal reuses that check).
    const bA = new TestBrowser();
    let page = await logIn(stack, bA, "sample-bank", A);
    if (page.url.endsWith("/id-verification/consent")) page = await verifyAtIdme(bA, page, "identity-verified", "bind-a");
    expect(appResult(await backToAuth0(bA, page))).toEqual({ result: "signed-in", status: "valid" });
    const personA = await personId(A);

    // B holds A's check, as the old attack left it: Auth0 alone would let B in for a day.
    const planted = { id: personA, lastSuccessfulCheck: new Date().toISOString(), groups: [], provider: "idme", policy: "identity" };
    stack.auth0.setAppMetadata(B, { id_verification: planted });
    // The same for an optional application: B is not "valid" there either.
    const optional = await logIn(stack, new TestBrowser(), "sample-app", B);
    expect(optional.url).toBe(`${stack.portalUrl}/id-verification/consent`);
    // The portal has no person for B: the check and A's id are forgotten.
    expect(stack.auth0.appMetadata(B).id_verification).toEqual({ groups: [], provider: "idme", policy: "identity" });

    // B is not locked out: B verifies with B's own ID.me account and gets B's own person id.
    stack.auth0.setAppMetadata(B, { id_verification: planted });
    const bB = new TestBrowser();
    page = await logIn(stack, bB, "sample-bank", B);
    expect(page.url).toBe(`${stack.portalUrl}/id-verification/consent`);
    const own = await backToAuth0(bB, await verifyAtIdme(bB, page, "identity-verified", "bind-b"));
    expect(appResult(own)).toEqual({ result: "signed-in", status: "valid" });
    expect(testId(own, `claim-${NS}id`)).toBe(await personId(B));
    expect(await personId(B)).not.toBe(personA);

    // A's own check still stands, and a revocation of it reaches A's next login.
    expect(appResult(await logIn(stack, new TestBrowser(), "sample-bank", A))).toEqual({ result: "signed-in", status: "valid" });
    await db.pool.query(`UPDATE verification_record SET status = 'revoked', updated_at = now() WHERE auth0_user_id = $1`, [A]);
    const afterRevoke = await logIn(stack, new TestBrowser(), "sample-bank", A);
    expect(afterRevoke.url).toBe(`${stack.portalUrl}/id-verification/consent`);
    expect(stack.auth0.appMetadata(A).id_verification).not.toHaveProperty("lastSuccessfulCheck");
  });

  it("a requirement set only in the portal is enforced on a refresh-token exchange after a revocation", async () => {
    await db.pool.query(`UPDATE application SET required = true WHERE client_id = 'sample-app'`);
    try {
      const b = new TestBrowser();
      const consent = await logIn(stack, b, "sample-app", C);
      const app = await backToAuth0(b, await verifyAtIdme(b, consent, "identity-verified", "bind-c"));
      expect(appResult(app)).toEqual({ result: "signed-in", status: "valid" });

      const fresh = await b.submit(app, (f) => f.action.endsWith("/refresh"));
      expect(appResult(fresh)).toEqual({ result: "signed-in", status: "valid" });

      await db.pool.query(`UPDATE verification_record SET status = 'revoked', updated_at = now() WHERE auth0_user_id = $1`, [C]);
      const refused = await b.submit(fresh, (f) => f.action.endsWith("/refresh"));
      expect(appResult(refused)).toEqual({ result: "error", error: "idv_interaction_required" });
      expect(testId(refused, "http-status")).toBe("403");
    } finally {
      await db.pool.query(`UPDATE application SET required = false WHERE client_id = 'sample-app'`);
    }
  });
});

describe("Auth0's one-hour login transaction", () => {
  async function eventsOf(ref: string) {
    const { rows } = await db.pool.query(
      `SELECT e.step, e.outcome::text AS outcome, e.error_code FROM attempt_event e JOIN attempt a ON a.id = e.attempt_id
       WHERE a.reference_code = $1 ORDER BY e.id`,
      [ref],
    );
    return rows as { step: string; outcome: string; error_code: string | null }[];
  }
  const refOn = (html: string) => /IDV-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(html)?.[0];

  it("verified after the hour: the portal asks to sign in again (reference code), keeps the verification, posts nothing", async () => {
    const b = new TestBrowser();
    const consent = await logIn(stack, b, "sample-bank", D);
    await db.pool.query(`UPDATE attempt SET created_at = created_at - interval '61 minutes' WHERE auth0_user_id = $1`, [D]);
    const page = await verifyAtIdme(b, consent, "identity-verified", "bind-d");
    expect(page.url).toBe(`${stack.portalUrl}/id-verification/outcome`);
    expect(text(page)).toContain("This sign-in has expired");
    expect(text(page)).toContain("sign in again");
    expect(continueForm(page)).toBeUndefined();
    const ref = refOn(page.html)!;
    expect(ref).toBeTruthy();
    const { rows } = await db.pool.query(`SELECT status::text, failure_code, resumed_at FROM attempt WHERE reference_code = $1`, [ref]);
    expect(rows[0]).toMatchObject({ status: "verified", failure_code: "auth0_transaction_expired", resumed_at: null });
    expect(await eventsOf(ref)).toContainEqual({ step: "resumed", outcome: "error", error_code: "auth0_transaction_expired" });

    // Pressing the way back again changes nothing.
    const again = await b.go(`${stack.portalUrl}/id-verification/resume`, { method: "POST", headers: { origin: stack.portalUrl } });
    expect(continueForm(again)).toBeUndefined();
    expect(text(again)).toContain("This sign-in has expired");

    // Signing in again is quick: the verification was kept, and the reply names D.
    const b2 = new TestBrowser();
    const back = await logIn(stack, b2, "sample-bank", D);
    const form = continueForm(back);
    expect(form, `${back.url}: ${text(back)}`).toBeTruthy();
    expect(decodeJwt(form!.token)).toMatchObject({ status: "success", auth0_user_id: D, sub: await personId(D) });
    expect(appResult(await backToAuth0(b2, back))).toEqual({ result: "signed-in", status: "valid" });
  });

  it("declined after the hour: the person's own failure code stays, the expiry is on the timeline", async () => {
    const b = new TestBrowser();
    const consent = await logIn(stack, b, "sample-app", E);
    await db.pool.query(`UPDATE attempt SET created_at = created_at - interval '2 hours' WHERE auth0_user_id = $1`, [E]);
    const outcome = await b.submit(consent, (f) => f.action.endsWith("/id-verification/decline"));
    expect(text(outcome)).toContain("This sign-in has expired");
    const page = await b.go(`${stack.portalUrl}/id-verification/resume`, { method: "POST", headers: { origin: stack.portalUrl } });
    expect(continueForm(page)).toBeUndefined();
    const ref = refOn(outcome.html)!;
    const { rows } = await db.pool.query(`SELECT status::text, failure_code FROM attempt WHERE reference_code = $1`, [ref]);
    expect(rows[0]).toEqual({ status: "declined", failure_code: "declined_at_portal" });
    expect(await eventsOf(ref)).toContainEqual({ step: "resumed", outcome: "error", error_code: "auth0_transaction_expired" });
  });

  it("inside the hour the way back works as before", async () => {
    const b = new TestBrowser();
    const consent = await logIn(stack, b, "sample-app", "auth0|carol");
    await db.pool.query(`UPDATE attempt SET created_at = created_at - interval '50 minutes' WHERE auth0_user_id = 'auth0|carol'`);
    // "Not now" on an optional application goes straight back (issue 15): the continue page.
    const back = await b.submit(consent, (f) => f.action.endsWith("/id-verification/decline"));
    const app = await backToAuth0(b, back);
    expect(appResult(app)).toEqual({ result: "signed-in", status: "declined" });
    expect(testId(app, `claim-${NS}status`)).toBe("declined");
  });
});
