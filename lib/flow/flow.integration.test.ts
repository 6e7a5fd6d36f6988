import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { startHarness, type Harness } from "../../sandbox/harness";
import { TestBrowser, forms, text, type Page } from "../../sandbox/harness/browser";
import { openJson, parseEncryptionKey } from "../crypto/seal";

/**
 * Whole logins over HTTP: a token made with the shared secret arrives at the
 * running portal, the person goes through the ID.me stand-in, and the login
 * resumes at Auth0's /continue. Each case checks what Auth0 receives and what
 * the database holds (record, sealed personal data, attempt timeline).
 */

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ slowMs: 6_000 });
  // Applications with their own requirements (the portal-side IDV_REQUIRED and overrides).
  await h.db.pool.query(
    `INSERT INTO application (client_id, name, required, policy, required_group, scopes, reverify_interval_hours, updated_at) VALUES
     ('app-veterans', 'Veteran Discounts', true, 'community', 'military', '{military}', 24, now()),
     ('app-bad-scope', 'Misconfigured App', true, 'community', 'military', '{openid,not_a_real_scope}', NULL, now()),
     ('app-always', 'Always Verify', true, NULL, NULL, '{}', 0, now())`,
  );
  await h.db.pool.query(
    `INSERT INTO application (client_id, name, required, provider, scopes, updated_at) VALUES ('app-credit', 'Credit Union', true, 'idpartner', '{}', now())`,
  );
});

afterAll(async () => {
  await h?.close();
});

const newUser = () => `auth0|${randomBytes(6).toString("hex")}`;
const newState = () => randomBytes(12).toString("base64url");

interface Journey {
  browser: TestBrowser;
  state: string;
  sub: string;
  entry: Page;
}

async function arrive(
  opts: { sub?: string; clientId?: string; state?: string; token?: string; browser?: TestBrowser } = {},
): Promise<Journey> {
  const sub = opts.sub ?? newUser();
  const state = opts.state ?? newState();
  // A random jti: two logins of one user inside one second are two tokens (each token opens one attempt).
  const token =
    opts.token ??
    (await h.auth0Token({ sub, jti: randomBytes(8).toString("hex"), ...(opts.clientId ? { client_id: opts.clientId } : {}) }));
  const browser = opts.browser ?? new TestBrowser();
  const entry = await browser.go(`${h.portal.url}/id-verification?token=${encodeURIComponent(token)}&state=${encodeURIComponent(state)}`);
  return { browser, state, sub, entry };
}

/** Presses "Verify with ID.me", then picks a persona on the stand-in; stops where the portal answers. */
/** Each Auth0 user is its own ID.me account unless `account` says otherwise ("" = the persona's usual account). */
async function verifyAs(j: Journey, persona: string, account: string = j.sub): Promise<{ atProvider: Page; back: Page }> {
  const atProvider = await j.browser.submit(j.entry, (f) => f.action.endsWith("/id-verification/start"));
  expect(atProvider.url).toContain("/idme-standin/signin/");
  const back = await j.browser.submit(atProvider, () => true, { persona, account }, { stopAt: (u) => u.startsWith(h.auth0.url) });
  return { atProvider, back };
}

/** The auto-submitting continue form, submitted to the Auth0 receiver. */
async function resumeFrom(j: Journey, page: Page) {
  const before = h.auth0.received.length;
  const form = forms(page).find((f) => f.action.startsWith(`${h.auth0.url}/continue`));
  expect(form, `continue form on ${page.url}: ${text(page)}`).toBeTruthy();
  expect(form!.method).toBe("POST");
  expect(new URL(form!.action).searchParams.get("state")).toBe(j.state);
  await j.browser.submit(page, (f) => f === form || f.action === form!.action);
  expect(h.auth0.received.length).toBe(before + 1);
  const got = h.auth0.received.at(-1)!;
  expect(got.error).toBeNull();
  return got.claims!;
}

async function attemptsOf(sub: string) {
  const { rows } = await h.db.pool.query(`SELECT * FROM attempt WHERE auth0_user_id = $1 ORDER BY created_at`, [sub]);
  return rows;
}

async function timeline(attemptId: string) {
  const { rows } = await h.db.pool.query(`SELECT step, outcome, error_code FROM attempt_event WHERE attempt_id = $1 ORDER BY id`, [
    attemptId,
  ]);
  return rows as { step: string; outcome: string; error_code: string | null }[];
}

async function recordsOf(sub: string) {
  const { rows } = await h.db.pool.query(`SELECT * FROM verification_record WHERE auth0_user_id = $1`, [sub]);
  return rows;
}

async function attemptByRef(ref: string) {
  const { rows } = await h.db.pool.query(`SELECT * FROM attempt WHERE reference_code = $1`, [ref]);
  return rows[0];
}

const refOn = (page: Page) => /IDV-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(text(page))?.[0];

describe("a whole login through the portal", () => {
  it("verifies an identity (OIDC with an ID token) and resumes the login with success", async () => {
    const j = await arrive();
    expect(j.entry.url).toBe(`${h.portal.url}/id-verification/consent`);
    expect(text(j.entry)).toContain("confirm your identity");
    expect(text(j.entry)).toContain("Verify with ID.me");

    const { atProvider, back } = await verifyAs(j, "identity-verified", "");
    const authorize = new URL(atProvider.hops.find((x) => x.url.includes("/oauth/authorize"))!.url);
    expect(authorize.searchParams.get("scope")).toBe("openid http://idmanagement.gov/ns/assurance/ial/2/aal/2");
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("nonce")).toBeTruthy();
    expect(authorize.searchParams.get("state")).not.toBe(j.state); // a fresh state, not Auth0's

    const claims = await resumeFrom(j, back);
    expect(claims.status).toBe("success");
    expect(claims.state).toBe(j.state);
    expect(claims.iss).toBe(h.portal.url);

    const [attempt] = await attemptsOf(j.sub);
    expect(attempt.status).toBe("verified");
    expect(claims.sub).toBe(attempt.person_id);
    expect(claims.iat).toBe(Math.floor(new Date(attempt.checked_at).getTime() / 1000));
    expect((await timeline(attempt.id)).map((e) => e.step)).toEqual([
      "token_received",
      "interval_check",
      "sent_to_provider",
      "returned",
      "token_exchange",
      "userinfo",
      "result",
      "resumed",
    ]);

    const [record] = await recordsOf(j.sub);
    expect(record).toMatchObject({ status: "verified", policy: "identity", provider: "idme", person_id: attempt.person_id });
    expect(record.provider_uuid).toBe("d733a89e2e634f04ac2fe66c97f71612");
    // Personal data is sealed at rest and opens with the configured key.
    for (const col of ["attributes_enc", "raw_userinfo_enc", "id_token_claims_enc"]) {
      expect(record[col]).toMatch(/^v1\./);
      expect(record[col]).not.toContain("Malcolm");
    }
    const key = parseEncryptionKey(h.encryptionKey);
    const attrs = openJson<Record<string, string>>(record.attributes_enc, key, `verification_record:${record.id}:attributes`);
    expect(attrs).toMatchObject({ givenName: "Malcolm", familyName: "Murphy", uuid: record.provider_uuid });
    const idToken = openJson<Record<string, unknown>>(record.id_token_claims_enc, key, `verification_record:${record.id}:id_token_claims`);
    expect(idToken.sub).toBe(record.provider_uuid);
    expect(JSON.stringify(await h.db.pool.query(`SELECT * FROM attempt_event`).then((r) => r.rows))).not.toContain("Malcolm");
  });

  it("verifies a veteran for a community application (plain OAuth, userinfo JSON only)", async () => {
    const j = await arrive({ clientId: "app-veterans" });
    expect(text(j.entry)).toContain("Veteran Discounts");
    expect(text(j.entry)).toContain("military");
    const { atProvider, back } = await verifyAs(j, "veteran");
    expect(new URL(atProvider.hops.find((x) => x.url.includes("/oauth/authorize"))!.url).searchParams.get("scope")).toBe("military");
    const claims = await resumeFrom(j, back);
    expect(claims).toMatchObject({ status: "success", groups: ["military"], policy: "community" });
    const [record] = await recordsOf(j.sub);
    expect(record.status).toBe("verified");
    expect(record.policy).toBe("community");
    expect(record.id_token_claims_enc).toBeNull();
    expect(record.groups).toContainEqual({ group: "military", subgroups: ["veteran"], verified: true });
    const [attempt] = await attemptsOf(j.sub);
    expect(attempt.auth0_client_id).toBe("app-veterans");
    expect((await timeline(attempt.id)).find((e) => e.step === "result")?.outcome).toBe("ok");
  });

  it("handles awkward data: nulls, booleans, numbers, hyphens and non-ASCII names, shuffled order", async () => {
    const j = await arrive();
    const { back } = await verifyAs(j, "awkward");
    expect((await resumeFrom(j, back)).status).toBe("success");
    const [record] = await recordsOf(j.sub);
    const attrs = openJson<Record<string, string>>(
      record.attributes_enc,
      parseEncryptionKey(h.encryptionKey),
      `verification_record:${record.id}:attributes`,
    );
    expect(attrs.givenName).toBe("Zoë-Anne");
    expect(attrs.familyName).toBe("Núñez-O'Brien");
    expect(attrs.street).toBeUndefined();
  });

  it("a person who is not verified: the login resumes with a failure, the record says not verified", async () => {
    const j = await arrive({ clientId: "app-veterans" });
    const { back } = await verifyAs(j, "not-verified");
    expect(back.url).toBe(`${h.portal.url}/id-verification/outcome`);
    expect(text(back)).toContain("Your military status is not confirmed");
    const ref = refOn(back)!;
    const attempt = await attemptByRef(ref);
    expect(attempt).toMatchObject({
      status: "failed",
      failure_code: "group_not_verified",
      failure_step: "result",
      return_status: "failed",
    });
    const [record] = await recordsOf(j.sub);
    expect(record.status).toBe("not_verified");
    const claims = await resumeFrom(j, await j.browser.submit(back, (f) => f.action === "/id-verification/resume"));
    expect(claims.status).toBe("failed");
    expect((await timeline(attempt.id)).map((e) => e.step)).toContain("resumed");
  });

  it("a person who declines at ID.me", async () => {
    const j = await arrive();
    const { back } = await verifyAs(j, "declines");
    expect(text(back)).toContain("Verification cancelled");
    const attempt = await attemptByRef(refOn(back)!);
    expect(attempt).toMatchObject({ status: "declined", failure_code: "provider_access_denied", failure_step: "returned" });
    expect(await recordsOf(j.sub)).toHaveLength(0);
    const claims = await resumeFrom(j, await j.browser.submit(back, (f) => f.action === "/id-verification/resume"));
    expect(claims.status).toBe("declined");
  });

  it("a person who chooses 'Not now' on the portal's page", async () => {
    const j = await arrive();
    const back = await j.browser.submit(j.entry, (f) => f.action.endsWith("/id-verification/decline"));
    const attempt = await attemptByRef(refOn(back)!);
    expect(attempt).toMatchObject({ status: "declined", failure_code: "declined_at_portal" });
    expect((await timeline(attempt.id)).some((e) => e.step === "sent_to_provider" && e.outcome === "ok")).toBe(false);
  });

  it("ID.me answers invalid_scope: an error page with a reference code and a way back", async () => {
    const j = await arrive({ clientId: "app-bad-scope" });
    const atProvider = await j.browser.submit(j.entry, (f) => f.action.endsWith("/id-verification/start"));
    expect(atProvider.url).toBe(`${h.portal.url}/id-verification/outcome`);
    expect(text(atProvider)).toContain("Something went wrong");
    const attempt = await attemptByRef(refOn(atProvider)!);
    expect(attempt).toMatchObject({ status: "error", failure_code: "provider_invalid_scope", return_status: "error" });
    const claims = await resumeFrom(j, await j.browser.submit(atProvider, (f) => f.action === "/id-verification/resume"));
    expect(claims.status).toBe("error");
  });

  it("a malformed userinfo answer and a provider too slow to answer are errors with their own codes", async () => {
    for (const [persona, code] of [
      ["malformed", "userinfo_malformed"],
      ["slow", "userinfo_timeout"],
    ] as const) {
      const j = await arrive();
      const { back } = await verifyAs(j, persona);
      const attempt = await attemptByRef(refOn(back)!);
      expect(attempt, persona).toMatchObject({ status: "error", failure_code: code, failure_step: "userinfo" });
      expect(await recordsOf(j.sub)).toHaveLength(0);
    }
  });

  it('"Try again" pressed twice at once after a timeout: one new attempt takes the login over, the other opens nothing', async () => {
    const j = await arrive();
    const { back } = await verifyAs(j, "slow");
    const failed = await attemptByRef(refOn(back)!);
    expect(failed).toMatchObject({ status: "error", failure_code: "userinfo_timeout", auth0_state: j.state });
    const isRetry = (f: { action: string }) => f.action.endsWith("/id-verification/retry");
    await Promise.all([j.browser.submit(back, isRetry), j.browser.submit(back, isRetry)]);
    const { rows } = await h.db.pool.query(`SELECT id, status, auth0_state FROM attempt WHERE auth0_user_id = $1 ORDER BY created_at, id`, [
      j.sub,
    ]);
    // The failed attempt and exactly one retry; only the retry holds Auth0's state now.
    expect(rows).toHaveLength(2);
    expect(rows.filter((r) => r.auth0_state === j.state).map((r) => r.id)).toEqual(rows.filter((r) => r.id !== failed.id).map((r) => r.id));
    const { rows: events } = await h.db.pool.query(`SELECT step FROM attempt_event WHERE attempt_id = $1 AND step = 'retried'`, [
      failed.id,
    ]);
    expect(events).toHaveLength(1);
  });

  it("ID.me unreachable: discovery fails, the person gets the error page", async () => {
    // ID.me's base URL is its connection: the provider_setting row.
    await h.db.pool.query(`UPDATE provider_setting SET base_url = 'http://127.0.0.1:9' WHERE provider = 'idme'`);
    try {
      const j = await arrive();
      const page = await j.browser.submit(j.entry, (f) => f.action.endsWith("/id-verification/start"));
      const attempt = await attemptByRef(refOn(page)!);
      expect(attempt).toMatchObject({ status: "error", failure_code: "provider_unreachable" });
      // The instance stays ready: a provider outage must not take it out of rotation.
      expect((await fetch(`${h.portal.url}/api/health/ready`)).status).toBe(200);
    } finally {
      await h.db.pool.query(`UPDATE provider_setting SET base_url = $1 WHERE provider = 'idme'`, [h.idme.url]);
    }
  });

  it("the health endpoints: live and ready for anyone, the detailed report for staff only", async () => {
    const live = await fetch(`${h.portal.url}/api/health/live`);
    expect([live.status, await live.json()]).toEqual([200, { status: "ok" }]);
    const ready = await fetch(`${h.portal.url}/api/health/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready", checks: { database: true, migrations: true } }]);
    const report = await fetch(`${h.portal.url}/api/health`);
    expect(report.status).toBe(401);
    expect(JSON.stringify(await report.json())).not.toMatch(/provider|idme|database/);
  });

  it("a callback whose state is not the attempt's is refused", async () => {
    const j = await arrive();
    const atProvider = await j.browser.submit(j.entry, (f) => f.action.endsWith("/id-verification/start"));
    const back = await j.browser.submit(
      atProvider,
      () => true,
      { persona: "identity-verified", account: j.sub },
      { stopAt: (u) => u.includes("/id-verification/callback") },
    );
    const forged = new URL(back.url);
    forged.searchParams.set("state", "forged-state");
    const page = await j.browser.go(forged.toString());
    const attempt = await attemptByRef(refOn(page)!);
    expect(attempt).toMatchObject({ status: "error", failure_code: "state_mismatch" });
    expect(await recordsOf(j.sub)).toHaveLength(0);
  });

  it("reloading the callback (a reused code) creates no second record and verifies nothing twice", async () => {
    const j = await arrive();
    const atProvider = await j.browser.submit(j.entry, (f) => f.action.endsWith("/id-verification/start"));
    const stop = await j.browser.submit(
      atProvider,
      () => true,
      { persona: "identity-verified", account: j.sub },
      { stopAt: (u) => u.includes("/id-verification/callback") },
    );
    const callbackUrl = stop.url;
    const first = await j.browser.go(callbackUrl);
    expect((await resumeFrom(j, first)).status).toBe("success");
    const again = await j.browser.go(callbackUrl);
    expect(again.status).toBeLessThan(500);
    const [attempt] = await attemptsOf(j.sub);
    const steps = await timeline(attempt.id);
    expect(steps.filter((e) => e.step === "token_exchange")).toHaveLength(1);
    expect(steps.filter((e) => e.step === "result")).toHaveLength(1);
    expect(steps.some((e) => e.step === "callback_replayed")).toBe(true);
    expect(await recordsOf(j.sub)).toHaveLength(1);
    // The code itself is single-use at ID.me too.
    const code = new URL(callbackUrl).searchParams.get("code")!;
    const r = await fetch(`${h.idme.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        client_id: "portal-test",
        client_secret: h.clientSecret,
        redirect_uri: `${h.portal.url}/id-verification/callback`,
      }),
    });
    expect((await r.json()).error).toBe("invalid_grant");
  });

  it("pressing 'Verify' twice sends the person with the same state and nonce", async () => {
    const j = await arrive();
    const one = await j.browser.request(`${h.portal.url}/id-verification/start`, {
      method: "POST",
      form: {},
      headers: { origin: h.portal.url },
    });
    const two = await j.browser.request(`${h.portal.url}/id-verification/start`, {
      method: "POST",
      form: {},
      headers: { origin: h.portal.url },
    });
    expect(one.headers.get("location")).toBe(two.headers.get("location"));
    const [attempt] = await attemptsOf(j.sub);
    expect((await timeline(attempt.id)).filter((e) => e.step === "sent_to_provider")).toHaveLength(1);
  });

  it("an expired token: a clear page with a reference code, the attempt recorded, nothing leaked", async () => {
    const sub = newUser();
    const token = await h.auth0Token({ sub }, { expiresIn: -120 });
    const j = await arrive({ sub, token });
    expect(j.entry.url).toBe(`${h.portal.url}/id-verification/outcome`);
    expect(text(j.entry)).toContain("not valid or has expired");
    const attempt = await attemptByRef(refOn(j.entry)!);
    expect(attempt).toMatchObject({ status: "error", failure_code: "token_expired", failure_step: "token_received", auth0_user_id: null });
    expect(j.entry.html).not.toContain(token);
    expect(j.entry.url).not.toContain("token");
    const claims = await resumeFrom(j, await j.browser.submit(j.entry, (f) => f.action === "/id-verification/resume"));
    expect(claims.status).toBe("error");
  });

  it("a token signed with another secret, or with alg none, is refused the same way", async () => {
    const wrong = await h.auth0Token({ sub: newUser() }, { secret: "not-the-token-secret-at-all" });
    const a = await arrive({ token: wrong });
    expect((await attemptByRef(refOn(a.entry)!)).failure_code).toBe("token_signature_invalid");
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${Buffer.from(JSON.stringify({ sub: "auth0|x", exp: 9999999999 })).toString("base64url")}.`;
    const b = await arrive({ token: none });
    expect((await attemptByRef(refOn(b.entry)!)).failure_code).toBe("token_alg_not_allowed");
  });

  it("a second login inside the interval goes straight back with success, no trip to ID.me", async () => {
    const sub = newUser();
    const first = await arrive({ sub });
    const { back } = await verifyAs(first, "identity-verified");
    const firstClaims = await resumeFrom(first, back);

    const second = await arrive({ sub });
    // The portal answers at once with the continue form, at an address without the token: no consent page, no ID.me.
    expect(second.entry.hops[0]!.status).toBe(303);
    expect(second.entry.url).toBe(`${h.portal.url}/id-verification/continue`);
    expect(second.entry.hops.some((x) => x.url.includes(h.idme.url))).toBe(false);
    const claims = await resumeFrom(second, second.entry);
    expect(claims.status).toBe("success");
    expect(claims.sub).toBe(firstClaims.sub);
    expect(claims.iat).toBe(firstClaims.iat); // the time of the check, not of this login
    const attempts = await attemptsOf(sub);
    expect(attempts).toHaveLength(2);
    const steps = await timeline(attempts[1].id);
    expect(steps.map((e) => e.step)).toEqual(["token_received", "interval_check", "result", "resumed"]);
    expect(steps[1]!.outcome).toBe("ok");
    expect(await recordsOf(sub)).toHaveLength(1);
  });

  it("the Action's status check: valid, then revoked; a revoked person verifies again", async () => {
    const sub = newUser();
    const first = await arrive({ sub });
    const claims = await resumeFrom(first, (await verifyAs(first, "identity-verified")).back);
    const ask = async (token: string) =>
      fetch(`${h.portal.url}/api/verification/status`, { headers: { authorization: `Bearer ${token}` } });
    const statusToken = await h.auth0Token({ sub, id: claims.sub, purpose: "status" }, { expiresIn: 60 });
    expect(await (await ask(statusToken)).json()).toMatchObject({ status: "valid", required: false, id: claims.sub });
    // A login token is not a status token, and a wrong secret is refused.
    expect((await ask(await h.auth0Token({ sub }))).status).toBe(401);
    expect((await ask(await h.auth0Token({ sub, purpose: "status" }, { secret: "another-secret-entirely-x" }))).status).toBe(401);

    await h.db.pool.query(`UPDATE verification_record SET status = 'revoked', updated_at = now() WHERE auth0_user_id = $1`, [sub]);
    expect(await (await ask(statusToken)).json()).toMatchObject({ status: "revoked", required: false, id: claims.sub });
    const again = await arrive({ sub });
    expect(again.entry.url).toBe(`${h.portal.url}/id-verification/consent`);
    expect((await resumeFrom(again, (await verifyAs(again, "identity-verified")).back)).status).toBe("success");
    expect(await (await ask(statusToken)).json()).toMatchObject({ status: "valid", required: false, id: claims.sub });
  });

  it("an application with a zero interval verifies every time", async () => {
    const sub = newUser();
    const first = await arrive({ sub, clientId: "app-always" });
    expect((await resumeFrom(first, (await verifyAs(first, "identity-verified")).back)).status).toBe("success");
    const second = await arrive({ sub, clientId: "app-always" });
    expect(second.entry.url).toBe(`${h.portal.url}/id-verification/consent`);
  });

  it("one ID.me account cannot verify two Auth0 users", async () => {
    const first = await arrive();
    expect((await resumeFrom(first, (await verifyAs(first, "veteran", "shared-account")).back)).status).toBe("success");
    const second = await arrive();
    const { back } = await verifyAs(second, "veteran", "shared-account");
    expect(text(back)).toContain("already linked to another account");
    const attempt = await attemptByRef(refOn(back)!);
    expect(attempt).toMatchObject({ status: "failed", failure_code: "uuid_linked_to_other_user" });
    expect(await recordsOf(second.sub)).toHaveLength(0);
    expect(await recordsOf(first.sub)).toHaveLength(1);
  });

  it("a cross-site form post cannot start a verification", async () => {
    const j = await arrive();
    const r = await j.browser.request(`${h.portal.url}/id-verification/start`, {
      method: "POST",
      form: {},
      headers: { origin: "https://evil.example" },
    });
    expect(r.status).toBe(403);
  });

  it("the portal's logs carry reference codes and codes, never tokens, secrets or personal data", () => {
    const logs = h.portal.logs();
    expect(logs).toContain('"ref":"IDV-');
    for (const secret of ["Malcolm", "Murphy", "Zoë", "malcolm.murphy", h.secret, h.clientSecret, h.encryptionKey, "1980-04-12"]) {
      expect(logs, secret).not.toContain(secret);
    }
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./); // no JWTs
  });
});

describe("a whole login through IDPartner (bank identity)", () => {
  /** "Verify" on the portal: IDPartner's account selector (stand-in), where the person is before choosing a bank. */
  async function toSelector(j: Journey) {
    const selector = await j.browser.submit(j.entry, (f) => f.action.endsWith("/id-verification/start"));
    expect(selector.url).toContain("/v1/select-accounts");
    expect(text(selector)).toContain("Sample Credit Union");
    return selector;
  }

  /** The selector's answer for `bank`, not followed: the portal's /id-verification/bank URL with iss and visitor_id. */
  async function chooserReturn(j: Journey, selector: Page, bank: string): Promise<string> {
    const back = await j.browser.submit(selector, () => true, { bank }, { stopAt: (u) => u.includes("/id-verification/bank") });
    expect(back.url).toContain("/id-verification/bank?");
    return back.url;
  }

  /** The whole way: selector, bank, persona at the bank; stops where the portal answers. */
  async function verifyAtBank(j: Journey, persona: string, bank = "sample-credit-union") {
    const atBank = await j.browser.go(await chooserReturn(j, await toSelector(j), bank));
    expect(text(atBank)).toContain(`Sign in at`);
    return j.browser.submit(atBank, (f) => f.method === "POST", { persona, account: j.sub }, { stopAt: (u) => u.startsWith(h.auth0.url) });
  }

  it("verified through the chooser and Sample Credit Union: success, the bank recorded with the sealed data", async () => {
    const j = await arrive({ clientId: "app-credit" });
    expect(text(j.entry)).toContain("through your bank");
    expect(text(j.entry)).toContain("Verify with IDPartner");
    const back = await verifyAtBank(j, "bank-verified");
    const claims = await resumeFrom(j, back);
    expect(claims).toMatchObject({ status: "success", provider: "idpartner", policy: "identity" });
    const [record] = await recordsOf(j.sub);
    expect(record).toMatchObject({ provider: "idpartner", status: "verified", policy: "identity" });
    const attrs = openJson<Record<string, string>>(
      record.attributes_enc,
      parseEncryptionKey(h.encryptionKey),
      `verification_record:${record.id}:attributes`,
    );
    expect(attrs).toMatchObject({ givenName: "Robert", familyName: "Okafor" });
    const raw = openJson<{ bank: { issuer: string } }>(
      record.raw_userinfo_enc,
      parseEncryptionKey(h.encryptionKey),
      `verification_record:${record.id}:raw_userinfo`,
    );
    expect(raw.bank.issuer).toBe(h.idpartner.banks.find((b) => b.bank.key === "sample-credit-union")!.issuer);
    const [attempt] = await attemptsOf(j.sub);
    expect((await timeline(attempt.id)).map((e) => e.step)).toEqual([
      "token_received",
      "interval_check",
      "sent_to_chooser",
      "chosen",
      "sent_to_provider",
      "returned",
      "token_exchange",
      "userinfo",
      "result",
      "resumed",
    ]);
  });

  it("the bank returns no names: signed in, not verified", async () => {
    const j = await arrive({ clientId: "app-credit" });
    const back = await verifyAtBank(j, "no-bank-match", "harbor-trust");
    expect(text(back)).toContain("We couldn't verify you");
    expect(await attemptByRef(refOn(back)!)).toMatchObject({
      status: "failed",
      failure_code: "identity_not_verified",
      provider: "idpartner",
    });
  });

  it("a person who declines at the bank", async () => {
    const j = await arrive({ clientId: "app-credit" });
    const back = await verifyAtBank(j, "declines");
    expect(await attemptByRef(refOn(back)!)).toMatchObject({ status: "declined", failure_code: "provider_access_denied" });
  });

  it("an issuer not on the list in the chooser's answer: bank_not_allowed, recorded, never contacted", async () => {
    const j = await arrive({ clientId: "app-credit" });
    const forged = new URL(await chooserReturn(j, await toSelector(j), "harbor-trust"));
    forged.searchParams.set("iss", "https://bank.evil.example.test");
    const page = await j.browser.go(forged.toString());
    expect(await attemptByRef(refOn(page)!)).toMatchObject({ status: "error", failure_code: "bank_not_allowed" });
  });

  it("a replayed chooser answer: chooser_state_invalid (each is taken once)", async () => {
    const j = await arrive({ clientId: "app-credit" });
    const answer = await chooserReturn(j, await toSelector(j), "harbor-trust");
    const first = await j.browser.go(answer, { stopAt: (u) => !u.startsWith(h.portal.url) });
    expect(first.url).toContain("request_uri=");
    const again = await j.browser.go(answer);
    expect(await attemptByRef(refOn(again)!)).toMatchObject({ status: "error", failure_code: "chooser_state_invalid" });
  });

  it("a chooser answer in another browser: refused there, the attempt left as it was", async () => {
    const j = await arrive({ clientId: "app-credit" });
    const answer = await chooserReturn(j, await toSelector(j), "harbor-trust");
    const other = await new TestBrowser().go(answer);
    expect(await attemptByRef(refOn(other)!)).toMatchObject({ failure_code: "session_missing" });
    const [attempt] = await attemptsOf(j.sub);
    expect(attempt).toMatchObject({ status: "started", failure_code: null });
    // …and the person's own browser still goes on to the bank.
    const mine = await j.browser.go(answer, { stopAt: (u) => !u.startsWith(h.portal.url) });
    expect(mine.url).toContain("request_uri=");
  });

  it("an allowed bank that is down: bank_unreachable, with a reference code", async () => {
    const down = "http://127.0.0.1:9";
    await h.db.pool.query(
      `UPDATE provider_setting SET config = jsonb_set(config, '{allowedIssuers}', (config->'allowedIssuers') || to_jsonb($1::text)) WHERE provider = 'idpartner'`,
      [down],
    );
    try {
      const j = await arrive({ clientId: "app-credit" });
      const answer = new URL(await chooserReturn(j, await toSelector(j), "harbor-trust"));
      answer.searchParams.set("iss", down);
      const page = await j.browser.go(answer.toString());
      expect(await attemptByRef(refOn(page)!)).toMatchObject({ status: "error", failure_code: "bank_unreachable", provider: "idpartner" });
    } finally {
      await h.db.pool.query(
        `UPDATE provider_setting SET config = jsonb_set(config, '{allowedIssuers}', (config->'allowedIssuers') - $1::text) WHERE provider = 'idpartner'`,
        [down],
      );
    }
  });

  it("an application switched from ID.me to IDPartner uses it on the next login", async () => {
    const before = await arrive({ clientId: "app-veterans" });
    expect(text(before.entry)).toContain("Verify with ID.me");
    await h.db.pool.query(
      `UPDATE application SET provider = 'idpartner', policy = 'identity', scopes = '{}' WHERE client_id = 'app-veterans'`,
    );
    try {
      const after = await arrive({ clientId: "app-veterans" });
      expect(text(after.entry)).toContain("Verify with IDPartner");
      expect((await resumeFrom(after, await verifyAtBank(after, "bank-verified"))).status).toBe("success");
    } finally {
      await h.db.pool.query(
        `UPDATE application SET provider = NULL, policy = 'community', scopes = '{military}' WHERE client_id = 'app-veterans'`,
      );
    }
  });
});
