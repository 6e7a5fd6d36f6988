import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { startHarness, type Harness } from "../../sandbox/harness";
import { TestBrowser, forms, text, type Page } from "../../sandbox/harness/browser";

/**
 * Issue 9, the attacks on the binding between the Action's token, Auth0's
 * state, the person's browser and one use, tried over HTTP against the
 * production build, each now refused:
 * - a token opens one attempt (also when two arrivals race), and only at the
 *   endpoint it was made for; a token naming its state cannot carry another's;
 * - the consent page says which account is being verified, for which application;
 * - IDV_BIND_IP: the browser must be where Auth0 saw the login (a client's own
 *   X-Forwarded-For is not believed without a trusted proxy);
 * - another browser's attempt cookie or provider state opens nothing;
 * - the reuse path answers 303 to a token-free address.
 */

let h: Harness;
let bound: Harness;

beforeAll(async () => {
  [h, bound] = await Promise.all([startHarness(), startHarness({ env: { IDV_BIND_IP: "true" } })]);
  await h.db.pool.query(
    `INSERT INTO application (client_id, name, required, scopes, updated_at) VALUES ('app-bank', 'Sample Bank', true, '{}', now())`,
  );
});

afterAll(async () => {
  await Promise.all([h?.close(), bound?.close()]);
});

const newUser = () => `auth0|${randomBytes(6).toString("hex")}`;
const newState = () => randomBytes(12).toString("base64url");
const jti = () => randomBytes(8).toString("hex");
const refOn = (page: Page) => /IDV-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(text(page))?.[0];
const entryUrl = (x: Harness, token: string, state: string) =>
  `${x.portal.url}/id-verification?token=${encodeURIComponent(token)}&state=${encodeURIComponent(state)}`;

async function attemptByRef(x: Harness, ref: string) {
  const { rows } = await x.db.pool.query(`SELECT * FROM attempt WHERE reference_code = $1`, [ref]);
  return rows[0];
}

async function attemptsOf(x: Harness, sub: string) {
  const { rows } = await x.db.pool.query(`SELECT * FROM attempt WHERE auth0_user_id = $1 ORDER BY created_at`, [sub]);
  return rows;
}

async function eventsOf(x: Harness, attemptId: string) {
  const { rows } = await x.db.pool.query(`SELECT step, outcome, error_code FROM attempt_event WHERE attempt_id = $1 ORDER BY id`, [
    attemptId,
  ]);
  return rows as { step: string; outcome: string; error_code: string | null }[];
}

/** Presses "Verify" and signs in at the ID.me stand-in; stops at the portal's callback address (not yet visited). */
async function toCallback(x: Harness, browser: TestBrowser, consent: Page, account: string) {
  const atProvider = await browser.submit(consent, (f) => f.action.endsWith("/id-verification/start"));
  expect(atProvider.url).toContain("/idme-standin/signin/");
  const stop = await browser.submit(
    atProvider,
    () => true,
    { persona: "identity-verified", account },
    { stopAt: (u) => u.includes("/id-verification/callback") },
  );
  return stop.url;
}

describe("a token opens one attempt", () => {
  it("a second arrival of the same token is refused with token_reused, naming the attempt it opened", async () => {
    const sub = newUser();
    const token = await h.auth0Token({ sub, client_id: "app-bank" });
    const first = await new TestBrowser().go(entryUrl(h, token, newState()));
    expect(first.url).toBe(`${h.portal.url}/id-verification/consent`);
    const firstRef = refOn(first)!;

    // Again, in another browser (a link copied or taken from history), and in the same one.
    for (const browser of [new TestBrowser(), new TestBrowser()]) {
      const again = await browser.go(entryUrl(h, token, newState()));
      expect(again.url).toBe(`${h.portal.url}/id-verification/outcome`);
      expect(text(again)).toContain("already been used");
      const attempt = await attemptByRef(h, refOn(again)!);
      expect(attempt).toMatchObject({ status: "error", failure_code: "token_reused", auth0_user_id: sub, person_id: null });
      const [event] = (await eventsOf(h, attempt.id)).filter((e) => e.error_code === "token_reused");
      expect(event).toBeTruthy();
      const { rows } = await h.db.pool.query(`SELECT error_description FROM attempt_event WHERE attempt_id = $1`, [attempt.id]);
      expect(rows.map((r) => r.error_description).join(" ")).toContain(firstRef);
    }
    // The database keeps a hash of the token, never the token.
    const { rows } = await h.db.pool.query(`SELECT * FROM entry_token`);
    expect(JSON.stringify(rows)).not.toContain(token.split(".")[1]);
  });

  it("two arrivals of one token at the same moment: exactly one opens an attempt", async () => {
    const sub = newUser();
    const token = await h.auth0Token({ sub });
    const pages = await Promise.all(Array.from({ length: 6 }, () => new TestBrowser().go(entryUrl(h, token, newState()))));
    expect(pages.filter((p) => p.url.endsWith("/id-verification/consent"))).toHaveLength(1);
    expect(pages.filter((p) => p.url.endsWith("/id-verification/outcome"))).toHaveLength(5);
    const attempts = await attemptsOf(h, sub);
    expect(attempts.filter((a) => a.status === "started")).toHaveLength(1);
    expect(attempts.filter((a) => a.failure_code === "token_reused")).toHaveLength(5);
  });

  it("A's token with B's state opens one attempt only: A cannot then finish its own login with it", async () => {
    const a = newUser();
    const tokenA = await h.auth0Token({ sub: a });
    const stateA = newState();
    const stateB = newState();
    const mixed = await new TestBrowser().go(entryUrl(h, tokenA, stateB));
    expect(mixed.url).toBe(`${h.portal.url}/id-verification/consent`);
    const own = await new TestBrowser().go(entryUrl(h, tokenA, stateA));
    expect((await attemptByRef(h, refOn(own)!)).failure_code).toBe("token_reused");
  });

  it("a token that names its login's state cannot be used with another state", async () => {
    const sub = newUser();
    const state = newState();
    const token = await h.auth0Token({ sub, state, purpose: "verify" });
    const wrong = await new TestBrowser().go(entryUrl(h, token, newState()));
    expect((await attemptByRef(h, refOn(wrong)!)).failure_code).toBe("token_state_mismatch");
    // Refused before its one use was spent: the right state still works.
    const right = await new TestBrowser().go(entryUrl(h, token, state));
    expect(right.url).toBe(`${h.portal.url}/id-verification/consent`);
  });

  it("the Action's status token is refused at the entry with its own code", async () => {
    const sub = newUser();
    const token = await h.auth0Token({ sub, purpose: "status" });
    const page = await new TestBrowser().go(entryUrl(h, token, newState()));
    expect(await attemptByRef(h, refOn(page)!)).toMatchObject({ failure_code: "token_purpose_invalid", auth0_user_id: sub });
    expect(await attemptsOf(h, sub)).toHaveLength(1);
  });
});

describe("the consent page says which account and which application", () => {
  it("shows the Action's masked hint and the application; the hint never appears in an address", async () => {
    const browser = new TestBrowser();
    const hint = "al•••@example.test";
    const token = await h.auth0Token({ sub: newUser(), client_id: "app-bank", hint, app: "Bank (Auth0 name)", purpose: "verify" });
    const page = await browser.go(entryUrl(h, token, newState()));
    expect(text(page)).toContain(`You are verifying the account ${hint} for Sample Bank`);
    expect(text(page)).toContain("If this is not your account, do not continue");
    for (const hop of page.hops) expect(decodeURIComponent(hop.url)).not.toContain(hint);
  });

  it("without a registered application it names the app claim; without a hint it shows no account line", async () => {
    const withApp = await new TestBrowser().go(
      entryUrl(h, await h.auth0Token({ sub: newUser(), hint: "bo•••@example.test", app: "Sample App" }), newState()),
    );
    expect(text(withApp)).toContain("for Sample App");
    const plain = await new TestBrowser().go(entryUrl(h, await h.auth0Token({ sub: newUser() }), newState()));
    expect(plain.url).toBe(`${h.portal.url}/id-verification/consent`);
    expect(plain.html).not.toContain('data-testid="account-hint"');
  });

  it("a hint that is not one line of plain text is not shown", async () => {
    const page = await new TestBrowser().go(
      entryUrl(h, await h.auth0Token({ sub: newUser(), hint: "al\u202e•••@example.test", app: "x".repeat(200) }), newState()),
    );
    expect(page.html).not.toContain('data-testid="account-hint"');
    expect(page.html).not.toContain("x".repeat(200));
  });
});

describe("IDV_BIND_IP: the browser is where Auth0 saw the login", () => {
  it("passes when the token's ip is the browser's address, refuses another address with its own code", async () => {
    const ok = await new TestBrowser().go(entryUrl(bound, await bound.auth0Token({ sub: newUser(), ip: "127.0.0.1" }), newState()));
    expect(ok.url).toBe(`${bound.portal.url}/id-verification/consent`);

    const elsewhere = await new TestBrowser().go(
      entryUrl(bound, await bound.auth0Token({ sub: newUser(), ip: "198.51.100.7" }), newState()),
    );
    expect(text(elsewhere)).toContain("another network or device");
    expect((await attemptByRef(bound, refOn(elsewhere)!)).failure_code).toBe("token_ip_mismatch");
  });

  it("a client's own X-Forwarded-For is not believed when no proxy is trusted", async () => {
    const token = await bound.auth0Token({ sub: newUser(), ip: "198.51.100.7" });
    const page = await new TestBrowser().go(entryUrl(bound, token, newState()), { headers: { "x-forwarded-for": "198.51.100.7" } });
    expect((await attemptByRef(bound, refOn(page)!)).failure_code).toBe("token_ip_mismatch");
  });

  it("a token without an ip claim is refused while the setting is on", async () => {
    const page = await new TestBrowser().go(entryUrl(bound, await bound.auth0Token({ sub: newUser() }), newState()));
    expect((await attemptByRef(bound, refOn(page)!)).failure_code).toBe("token_ip_mismatch");
  });
});

describe("another browser's attempt is never handed over", () => {
  it("a provider callback carrying another browser's state: refused there, no cookie, no continue form, the owner's attempt untouched", async () => {
    // The fixation of the issue: the attacker starts a login and sends the provider's link to a victim.
    const attacker = new TestBrowser();
    const attackerSub = newUser();
    const attackerState = newState();
    const consent = await attacker.go(entryUrl(h, await h.auth0Token({ sub: attackerSub, jti: jti() }), attackerState));
    const callbackUrl = await toCallback(h, attacker, consent, "victim-idme-account");
    const [owner] = await attemptsOf(h, attackerSub);

    // The provider sends the victim's browser back with the attacker's state.
    const victim = new TestBrowser();
    const received = h.auth0.received.length;
    const page = await victim.go(callbackUrl);
    expect(page.url).toBe(`${h.portal.url}/id-verification/outcome`);
    expect(text(page)).toContain("could not be matched to your browser session");
    const refusal = await attemptByRef(h, refOn(page)!);
    expect(refusal).toMatchObject({ failure_code: "browser_mismatch", auth0_state: null, auth0_user_id: null });
    expect(victim.cookies(h.portal.url).get("idv_attempt")).toBe(refusal.id);

    // "Back to the application" in the victim's browser: no continue form for the attacker's Auth0 state.
    const back = await victim.go(`${h.portal.url}/id-verification/resume`, { method: "POST", form: {}, headers: { origin: h.portal.url } });
    expect(forms(back).some((f) => f.action.includes("/continue"))).toBe(false);
    const cont = await victim.go(`${h.portal.url}/id-verification/continue`);
    expect(forms(cont).some((f) => f.action.includes("/continue"))).toBe(false);
    expect(h.auth0.received.length).toBe(received);

    // The attacker's attempt was neither verified nor ended; its timeline says another browser tried.
    const after = (await attemptsOf(h, attackerSub))[0];
    expect(after).toMatchObject({ id: owner.id, status: "at_provider", record_id: null });
    expect((await eventsOf(h, owner.id)).some((e) => e.step === "browser_refused" && e.error_code === "browser_mismatch")).toBe(true);
    const { rows } = await h.db.pool.query(`SELECT count(*)::int AS n FROM verification_record WHERE auth0_user_id = $1`, [attackerSub]);
    expect(rows[0].n).toBe(0);
  });

  it("an attempt cookie copied into another browser opens nothing there: consent, start, decline, resume, continue", async () => {
    const owner = new TestBrowser();
    const sub = newUser();
    const state = newState();
    await owner.go(entryUrl(h, await h.auth0Token({ sub, jti: jti(), hint: "ow•••@example.test" }), state));
    const [attempt] = await attemptsOf(h, sub);

    const thief = new TestBrowser();
    thief.cookies(h.portal.url).set("idv_attempt", attempt.id);
    const consent = await thief.go(`${h.portal.url}/id-verification/consent`);
    expect(text(consent)).toContain("No verification in progress");
    expect(consent.html).not.toContain("ow•••@example.test");
    for (const path of ["start", "decline", "resume"]) {
      thief.cookies(h.portal.url).set("idv_attempt", attempt.id);
      const page = await thief.go(`${h.portal.url}/id-verification/${path}`, {
        method: "POST",
        form: {},
        headers: { origin: h.portal.url },
      });
      expect(page.url, path).toBe(`${h.portal.url}/id-verification/outcome`);
      expect((await attemptByRef(h, refOn(page)!)).failure_code, path).toBe("browser_mismatch");
      expect(
        page.hops.some((x) => x.url.includes("/oauth/authorize")),
        path,
      ).toBe(false);
    }
    // A forged browser cookie does not help either.
    thief.cookies(h.portal.url).set("idv_attempt", attempt.id);
    thief.cookies(h.portal.url).set("idv_browser", randomBytes(32).toString("base64url"));
    const cont = await thief.go(`${h.portal.url}/id-verification/continue`);
    expect(forms(cont).some((f) => f.action.includes("/continue"))).toBe(false);

    // The owner's attempt is as it was, and the owner can still go on.
    expect((await attemptsOf(h, sub))[0]).toMatchObject({ status: "started", failure_code: null });
    const mine = await owner.go(`${h.portal.url}/id-verification/consent`);
    expect(text(mine)).toContain("ow•••@example.test");
  });

  it("the owner's own browser finishes normally, binding and all", async () => {
    const browser = new TestBrowser();
    const sub = newUser();
    const state = newState();
    const consent = await browser.go(entryUrl(h, await h.auth0Token({ sub, jti: jti() }), state));
    const back = await browser.go(await toCallback(h, browser, consent, sub));
    expect(back.url).toBe(`${h.portal.url}/id-verification/continue`);
    const form = forms(back).find((f) => f.action.startsWith(`${h.auth0.url}/continue`))!;
    expect(new URL(form.action).searchParams.get("state")).toBe(state);
    await browser.submit(back, (f) => f.action === form.action);
    expect(h.auth0.received.at(-1)!.claims).toMatchObject({ status: "success", state });
  });
});

describe("the reuse path", () => {
  it("answers 303 to a token-free address before any page is shown", async () => {
    const sub = newUser();
    const browser = new TestBrowser();
    const consent = await browser.go(entryUrl(h, await h.auth0Token({ sub, jti: jti() }), newState()));
    const back = await browser.go(await toCallback(h, browser, consent, sub));
    await browser.submit(back, (f) => f.action.startsWith(`${h.auth0.url}/continue`));

    const state = newState();
    const token = await h.auth0Token({ sub, jti: jti() });
    const first = await browser.request(entryUrl(h, token, state));
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe(`${h.portal.url}/id-verification/continue`);
    expect(await first.text()).toBe("");
    const page = await browser.go(first.headers.get("location")!);
    expect(page.url).not.toContain("token");
    expect(page.html).not.toContain(token);
    const form = forms(page).find((f) => f.action.startsWith(`${h.auth0.url}/continue`))!;
    expect(new URL(form.action).searchParams.get("state")).toBe(state);
  });
});
