/**
 * The project's post-login Action (id-verification.js), loaded as Auth0 would load it
 * and run through the Actions runtime emulation, answered with tokens signed exactly
 * like the portal signs them (signReturnToken). Every call the Action makes to the
 * portal's status endpoint goes to a stub (`portal` below); nothing leaves the process.
 */
import { decodeJwt } from "jose";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { signReturnToken, verifyInboundToken } from "../../lib/auth0/token";
import {
  DEFAULT_ACTION_FILE,
  loadAction,
  runContinuePostLogin,
  runPostLogin,
  type ActionModule,
  type RunInput,
  type RunResult,
} from "../../sandbox/auth0/runtime";

const SECRET = "idv-action-test-secret-0123456789abcdef";
const TENANT = "tenant.us.auth0.com";
const PORTAL_ISSUER = "https://verify.example.com";
const STATUS_URL = "https://verify.example.com/api/verification/status";
const STATE = "hKFo2SBzb21lLW9wYXF1ZS1zdGF0ZQ";
const USER_ID = "auth0|64b7f0c2a1b2c3d4e5f60718";
const PERSON = "prs_01HXYZ";
const EXPIRES = 3600; // VERIFICATION_EXPIRES_IN_SECONDS
const NS = "https://id-verification/";
/** The reference code of the portal's answers below: the application receives it with a failure. */
const REF = "IDV-7K2M-9QXD";

let act: ActionModule;

// ---------------------------------------------------------------------------
// The portal's status endpoint, stubbed

type PortalReply = { body: unknown; status?: number } | "unreachable";

interface PortalStub {
  reply: PortalReply;
  calls: { url: string; token: string }[];
}

const portal: PortalStub = { reply: "unreachable", calls: [] };

/** The portal's answer for the next status calls. */
function portalSays(body: Record<string, unknown>, status = 200): void {
  portal.reply = { body, status };
}

/** The time of check in the portal's "valid" answers (two minutes before the tests start). */
const LAST_CHECK = new Date(Date.now() - 120_000).toISOString();

function validAnswer(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    status: "valid",
    required: false,
    last_check: LAST_CHECK,
    id: PERSON,
    groups: [],
    ...over,
  };
}

beforeEach(() => {
  act = loadAction(DEFAULT_ACTION_FILE);
  vi.spyOn(console, "log").mockImplementation(() => undefined);
  // Unless a test says otherwise, the portal cannot be reached (the Action's fallback).
  portal.reply = "unreachable";
  portal.calls = [];
  vi.stubGlobal("fetch", async (url: string | URL, init?: RequestInit) => {
    const auth = new Headers(init?.headers).get("authorization") ?? "";
    portal.calls.push({ url: String(url), token: auth.replace(/^Bearer /, "") });
    const reply = portal.reply;
    if (reply === "unreachable") throw new TypeError("fetch failed");
    return new Response(JSON.stringify(reply.body), { status: reply.status ?? 200, headers: { "content-type": "application/json" } });
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

// ---------------------------------------------------------------------------

interface Opts {
  required?: boolean;
  group?: string;
  skip?: string;
  stored?: Record<string, unknown> | undefined;
  canRedirect?: boolean;
  secrets?: Record<string, string>;
  configuration?: Record<string, string>;
  token?: string;
  email?: string | undefined;
  username?: string;
}

const SETTINGS = { TOKEN_SECRET: SECRET, PORTAL_DOMAIN: "verify.example.com", VERIFICATION_EXPIRES_IN_SECONDS: String(EXPIRES) };

function input(o: Opts = {}): RunInput {
  const metadata: Record<string, string> = {};
  if (o.required) metadata["IDV_REQUIRED"] = "true";
  if (o.group) metadata["IDV_GROUP"] = o.group;
  if (o.skip !== undefined) metadata["IDV_SKIP"] = o.skip;
  return {
    tenantDomain: TENANT,
    user: {
      user_id: USER_ID,
      ...("email" in o ? (o.email === undefined ? {} : { email: o.email }) : { email: "person@example.com" }),
      ...(o.username ? { username: o.username } : {}),
      app_metadata: o.stored ? { id_verification: o.stored, other: "kept" } : { other: "kept" },
      user_metadata: {},
    },
    client: { client_id: "client-abc", name: "Benefits", metadata },
    secrets: o.secrets ?? { ...SETTINGS },
    configuration: o.configuration ?? {},
    canRedirect: o.canRedirect ?? true,
    state: STATE,
    protocol: o.canRedirect === false ? "oauth2-refresh-token" : "oidc-basic-profile",
    request: { ip: "203.0.113.9", ...(o.token !== undefined ? { body: { token: o.token } } : {}) },
  };
}

function storedCheck(ageSec: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: PERSON,
    lastSuccessfulCheck: new Date(Date.now() - ageSec * 1000).toISOString(),
    groups: [],
    provider: "idme",
    policy: "identity",
    ...over,
  };
}

/** A return token exactly as the portal signs it (for this Auth0 user unless `extra` says otherwise). */
async function portalAnswer(
  status: string,
  o: {
    sub?: string | null;
    checkedAt?: Date;
    extra?: Record<string, unknown>;
    state?: string;
    secret?: string;
    lifetimeSec?: number;
    now?: Date;
  } = {},
): Promise<string> {
  const sub = o.sub === null ? undefined : (o.sub ?? PERSON);
  return signReturnToken(
    {
      state: o.state ?? STATE,
      ...(sub !== undefined ? { sub } : {}),
      status,
      checkedAt: o.checkedAt ?? new Date(),
      extra: { auth0_user_id: USER_ID, ...(o.extra ?? { ref: REF, provider: "idme", policy: "identity" }) },
    },
    {
      secret: o.secret ?? SECRET,
      issuer: PORTAL_ISSUER,
      ...(o.lifetimeSec ? { lifetimeSec: o.lifetimeSec } : {}),
      ...(o.now ? { now: o.now } : {}),
    },
  );
}

function expectValidClaims(r: RunResult, id = PERSON, ns = NS): void {
  expect(r.error).toBeNull();
  expect(r.denied).toBeNull();
  expect(r.redirect).toBeNull();
  expect(r.idTokenClaims[`${ns}status`]).toBe("valid");
  expect(r.idTokenClaims[`${ns}id`]).toBe(id);
  expect(typeof r.idTokenClaims[`${ns}last-check`]).toBe("string");
  expect(new Date(r.idTokenClaims[`${ns}last-check`] as string).toISOString()).toBe(r.idTokenClaims[`${ns}last-check`]);
}

function expectNothing(r: RunResult): void {
  expect(r.error).toBeNull();
  expect(r.denied).toBeNull();
  expect(r.redirect).toBeNull();
  expect(r.idTokenClaims).toEqual({});
}

function tokenFrom(r: RunResult): string {
  expect(r.redirect).not.toBeNull();
  const token = new URL(r.redirect!.url).searchParams.get("token");
  expect(token).toBeTruthy();
  return token!;
}

describe("the Action file", () => {
  it("is plain CommonJS with no require() of anything", async () => {
    const { readFileSync } = await import("node:fs");
    const source = readFileSync(DEFAULT_ACTION_FILE, "utf8");
    expect(source).not.toMatch(/\brequire\s*\(/);
    expect(source).not.toMatch(/^\s*import\s/m);
    expect(source).toMatch(/exports\.onExecutePostLogin\s*=/);
    expect(source).toMatch(/exports\.onContinuePostLogin\s*=/);
  });
});

describe("IDV_SKIP (the staff application)", () => {
  it('"true" (case and spaces ignored): nothing at all, not even with broken settings or IDV_REQUIRED', async () => {
    const stored = storedCheck(EXPIRES * 2);
    for (const skip of ["true", "TRUE", " true "]) {
      for (const canRedirect of [true, false]) {
        const r = await runPostLogin(act, input({ skip, required: true, canRedirect, stored }));
        expectNothing(r);
        expect(r.appMetadata).toEqual({ other: "kept", id_verification: stored });
        const broken = await runPostLogin(act, input({ skip, required: true, secrets: {} }));
        expectNothing(broken);
      }
      const back = await runContinuePostLogin(act, input({ skip, required: true, token: await portalAnswer("failed") }));
      expectNothing(back);
    }
    expect(portal.calls).toEqual([]);
  });

  it("any other value does not skip", async () => {
    for (const skip of ["false", "yes", "1", ""]) {
      const r = await runPostLogin(act, input({ skip, required: true }));
      expect(r.redirect?.url).toMatch(/^https:\/\/verify\.example\.com\/id-verification\?/);
    }
  });
});

describe("onExecutePostLogin: the portal decides whenever the Action holds a check or cannot redirect", () => {
  const cases = [
    { stored: "still-valid", make: () => storedCheck(60) },
    { stored: "expired", make: () => storedCheck(EXPIRES + 60) },
    { stored: "never verified", make: () => undefined },
  ] as const;
  const portals = ["valid", "none", "revoked", "unreachable"] as const;

  for (const required of [true, false]) {
    for (const c of cases) {
      for (const canRedirect of [true, false]) {
        for (const p of portals) {
          it(`required=${required}, ${c.stored}, canRedirect=${canRedirect}, portal ${p}`, async () => {
            if (p === "valid") portalSays(validAnswer());
            // "revoked": the portal knows the person; "none": it has never seen this user (no id).
            else if (p === "revoked") portalSays({ status: p, required: false, id: PERSON });
            else if (p === "none") portalSays({ status: p, required: false });
            const stored = c.make();
            const r = await runPostLogin(act, input({ required, stored, canRedirect }));
            expect(r.error).toBeNull();

            // Asked exactly when there is a stored check to confirm, or no way to redirect.
            const asks = c.stored !== "never verified" || !canRedirect;
            expect(portal.calls).toHaveLength(asks ? 1 : 0);

            const valid = asks && (p === "valid" || (p === "unreachable" && c.stored === "still-valid"));
            if (valid) {
              expectValidClaims(r);
            } else if (canRedirect) {
              expect(r.denied).toBeNull();
              expect(r.redirect?.url).toMatch(/^https:\/\/verify\.example\.com\/id-verification\?/);
              expect(r.idTokenClaims).toEqual({});
            } else if (required) {
              expect(r.denied).toEqual({ reason: "idv_interaction_required" });
              expect(r.redirect).toBeNull();
            } else {
              expect(r.denied).toBeNull();
              expect(r.redirect).toBeNull();
              expect(r.idTokenClaims).toEqual({ [`${NS}status`]: "skipped" });
            }

            // A check the portal no longer counts is cleared, and the id follows the portal's
            // (none: the portal has never seen this user); otherwise app_metadata is untouched
            // (the valid answer repeats the stored check's id; its newer time is written).
            const meta = r.appMetadata["id_verification"] as Record<string, unknown> | undefined;
            if (stored && p === "revoked") {
              expect(meta).toEqual({ id: PERSON, groups: [], provider: "idme", policy: "identity" });
            } else if (stored && p === "none") {
              expect(meta).toEqual({ groups: [], provider: "idme", policy: "identity" });
            } else if (p === "valid" && asks) {
              expect(meta).toMatchObject({ id: PERSON, lastSuccessfulCheck: validAnswer().last_check, groups: [] });
            } else {
              expect(r.appMetadata).toEqual(input({ stored }).user.app_metadata);
            }
          });
        }
      }
    }
  }

  it("the status call: GET <portal>/api/verification/status with a status token the portal accepts", async () => {
    portalSays(validAnswer());
    const r = await runPostLogin(act, input({ required: true, stored: storedCheck(60) }));
    expectValidClaims(r);
    expect(portal.calls).toHaveLength(1);
    expect(portal.calls[0]!.url).toBe(STATUS_URL);
    const token = portal.calls[0]!.token;
    const checked = await verifyInboundToken({ token, state: null }, { secret: SECRET, auth0Domain: TENANT, requireState: false });
    expect(checked).toMatchObject({ sub: USER_ID, id: PERSON, clientId: "client-abc" });
    expect(checked.claims).toMatchObject({ purpose: "status", client_id: "client-abc", id: PERSON });
    expect(checked.exp - checked.iat!).toBe(60);
  });

  it("valid: the claims carry the portal's id and time of check, and the stored check follows it", async () => {
    const lastCheck = new Date(Date.now() - 3_600_000).toISOString();
    portalSays(validAnswer({ id: "prs_OTHER", last_check: lastCheck, groups: ["military"] }));
    const r = await runPostLogin(act, input({ stored: storedCheck(60) }));
    expect(r.idTokenClaims).toEqual({ [`${NS}status`]: "valid", [`${NS}last-check`]: lastCheck, [`${NS}id`]: "prs_OTHER" });
    expect(r.appMetadata["id_verification"]).toEqual({
      id: "prs_OTHER",
      lastSuccessfulCheck: lastCheck,
      groups: ["military"],
      provider: "idme",
      policy: "identity",
    });

    // The same answer as stored: nothing is written.
    const stored = r.appMetadata["id_verification"] as Record<string, unknown>;
    const again = await runPostLogin(act, input({ stored }));
    expect(again.appMetadata).toEqual({ other: "kept", id_verification: stored });
  });

  it("valid even for a check older than VERIFICATION_EXPIRES_IN_SECONDS: the portal's interval decides", async () => {
    portalSays(validAnswer({ last_check: new Date(Date.now() - (EXPIRES + 600) * 1000).toISOString() }));
    expectValidClaims(await runPostLogin(act, input({ required: true, stored: storedCheck(EXPIRES + 600) })));
  });

  for (const status of ["revoked", "expired", "not_verified", "none"]) {
    it(`"${status}": the stored check is cleared and the person verifies again (refresh: denied when required)`, async () => {
      portalSays({ status, required: false, id: PERSON });
      const r = await runPostLogin(act, input({ required: true, stored: storedCheck(60, { groups: ["military"] }) }));
      expect(r.idTokenClaims).toEqual({});
      expect(decodeJwt(tokenFrom(r))).toMatchObject({ id: PERSON, purpose: "verify" });
      expect(r.appMetadata["id_verification"]).toEqual({ id: PERSON, groups: [], provider: "idme", policy: "identity" });

      const refresh = await runPostLogin(act, input({ required: true, stored: storedCheck(60), canRedirect: false }));
      expect(refresh.denied).toEqual({ reason: "idv_interaction_required" });
    });
  }

  it("required by the portal alone: a non-interactive login is denied, with or without a stored check", async () => {
    for (const stored of [storedCheck(60), undefined]) {
      for (const status of ["revoked", "none", "expired"]) {
        portalSays({ status, required: true });
        const r = await runPostLogin(act, input({ required: false, stored, canRedirect: false }));
        expect(r.denied, `${status} ${stored ? "stored" : "none stored"}`).toEqual({ reason: "idv_interaction_required" });
        expect(r.idTokenClaims).toEqual({});
      }
    }
  });

  it("required by the portal: the token to the portal says so", async () => {
    portalSays({ status: "revoked", required: true });
    const r = await runPostLogin(act, input({ required: false, stored: storedCheck(60) }));
    expect(decodeJwt(tokenFrom(r))).toMatchObject({ required: true });
  });

  it("valid without the application's IDV_GROUP: sent to verify, but the check is kept (it counts elsewhere)", async () => {
    portalSays(validAnswer({ groups: ["teacher"] }));
    const stored = storedCheck(60, { groups: ["teacher"] });
    const r = await runPostLogin(act, input({ required: true, group: "military", stored }));
    expect(r.redirect).not.toBeNull();
    expect(r.appMetadata["id_verification"]).toEqual(stored);
    portalSays(validAnswer({ groups: ["Military"] }));
    expectValidClaims(await runPostLogin(act, input({ required: true, group: "military", stored })));
  });

  const unusable: Array<[string, () => void]> = [
    ["unreachable", () => void (portal.reply = "unreachable")],
    ["401", () => portalSays({ error: "invalid_token" }, 401)],
    ["503", () => portalSays({ status: "none", required: true }, 503)],
    ["an unknown status word", () => portalSays({ status: "maybe", required: false })],
    ["no required flag", () => portalSays({ status: "none" })],
    ["valid without an id", () => portalSays(validAnswer({ id: undefined }))],
    ["valid without last_check", () => portalSays(validAnswer({ last_check: "yesterday" }))],
    ["not JSON", () => void (portal.reply = { body: "<html>" })],
  ];
  for (const [name, make] of unusable) {
    it(`the portal's answer is unusable (${name}): Auth0's metadata and the stored check decide`, async () => {
      make();
      expectValidClaims(await runPostLogin(act, input({ required: true, stored: storedCheck(60) })));
      const old = storedCheck(EXPIRES + 1);
      const expired = await runPostLogin(act, input({ required: true, stored: old }));
      expect(expired.redirect).not.toBeNull();
      expect(expired.appMetadata).toEqual({ other: "kept", id_verification: old });
      // Without Auth0's IDV_REQUIRED a non-interactive login goes on, marked skipped.
      const refresh = await runPostLogin(act, input({ required: false, canRedirect: false }));
      expect(refresh.idTokenClaims).toEqual({ [`${NS}status`]: "skipped" });
      const refreshRequired = await runPostLogin(act, input({ required: true, canRedirect: false }));
      expect(refreshRequired.denied).toEqual({ reason: "idv_interaction_required" });
    });
  }

  it("a stored check without lastSuccessfulCheck, with a bad date, or from the future is not one, even if the portal is down", async () => {
    for (const stored of [{ id: PERSON }, storedCheck(0, { lastSuccessfulCheck: "yesterday" }), storedCheck(-3600)]) {
      const r = await runPostLogin(act, input({ stored }));
      expect(r.redirect).not.toBeNull();
      expect(decodeJwt(tokenFrom(r)).id).toBe(PERSON);
    }
    // Each held the portal's id: the portal was asked about it.
    expect(portal.calls).toHaveLength(3);
    // Without an id there is nothing to ask about on an interactive login.
    expect((await runPostLogin(act, input({ stored: storedCheck(10, { id: "" }) }))).redirect).not.toBeNull();
    expect(portal.calls).toHaveLength(3);
  });

  it("the stored id follows the portal's id for this user: a foreign one is replaced, one the portal does not know is dropped", async () => {
    // A check carrying another person's id (as a reply made for another login once left it).
    const foreign = storedCheck(60, { id: "prs_SOMEONE_ELSE" });
    portalSays({ status: "not_verified", required: false, id: PERSON });
    const replaced = await runPostLogin(act, input({ required: true, stored: foreign }));
    expect(replaced.appMetadata["id_verification"]).toEqual({ id: PERSON, groups: [], provider: "idme", policy: "identity" });
    expect(decodeJwt(tokenFrom(replaced)).id).toBe(PERSON);

    portalSays({ status: "none", required: false });
    const dropped = await runPostLogin(act, input({ required: true, stored: foreign }));
    expect(dropped.appMetadata["id_verification"]).toEqual({ groups: [], provider: "idme", policy: "identity" });
    expect(decodeJwt(tokenFrom(dropped))).not.toHaveProperty("id");

    // The reply for this user then names the id the Action now holds, and is accepted.
    const stored = dropped.appMetadata["id_verification"] as Record<string, unknown>;
    expectValidClaims(await runContinuePostLogin(act, input({ required: true, stored, token: await portalAnswer("success") })));
  });
});

describe("onExecutePostLogin: settings", () => {
  const broken: Array<[string, Record<string, string>]> = [
    ["missing TOKEN_SECRET", { PORTAL_DOMAIN: "verify.example.com", VERIFICATION_EXPIRES_IN_SECONDS: "3600" }],
    ["blank TOKEN_SECRET", { ...SETTINGS, TOKEN_SECRET: "  " }],
    ["missing PORTAL_DOMAIN", { TOKEN_SECRET: SECRET, VERIFICATION_EXPIRES_IN_SECONDS: "3600" }],
    ["PORTAL_DOMAIN with a path", { ...SETTINGS, PORTAL_DOMAIN: "https://verify.example.com/some/path" }],
    ["PORTAL_DOMAIN not http(s)", { ...SETTINGS, PORTAL_DOMAIN: "ftp://verify.example.com" }],
    ["PORTAL_DOMAIN with credentials", { ...SETTINGS, PORTAL_DOMAIN: "https://a:b@verify.example.com" }],
    ["missing VERIFICATION_EXPIRES_IN_SECONDS", { TOKEN_SECRET: SECRET, PORTAL_DOMAIN: "verify.example.com" }],
    ["non-numeric VERIFICATION_EXPIRES_IN_SECONDS", { ...SETTINGS, VERIFICATION_EXPIRES_IN_SECONDS: "one day" }],
    ["zero VERIFICATION_EXPIRES_IN_SECONDS", { ...SETTINGS, VERIFICATION_EXPIRES_IN_SECONDS: "0" }],
  ];

  for (const [name, secrets] of broken) {
    it(`${name}: required → idv_configuration_error; not required → skipped quietly (no claims)`, async () => {
      for (const stored of [undefined, storedCheck(60)]) {
        const req = await runPostLogin(act, input({ required: true, secrets, stored }));
        expect(req.error).toBeNull();
        expect(req.denied).toEqual({ reason: "idv_configuration_error" });
        expect(req.redirect).toBeNull();

        const opt = await runPostLogin(act, input({ required: false, secrets, stored }));
        expectNothing(opt);
      }
      expect(portal.calls).toEqual([]);
    });
  }

  it("the same happens in onContinuePostLogin", async () => {
    const token = await portalAnswer("success");
    const secrets = { PORTAL_DOMAIN: "verify.example.com", VERIFICATION_EXPIRES_IN_SECONDS: "3600" };
    const req = await runContinuePostLogin(act, input({ required: true, secrets, token }));
    expect(req.denied).toEqual({ reason: "idv_configuration_error" });
    const opt = await runContinuePostLogin(act, input({ secrets, token }));
    expectNothing(opt);
    expect(opt.appMetadata).toEqual({ other: "kept" });
  });

  it("never logs a setting's value", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    await runPostLogin(act, input({ required: true, secrets: { TOKEN_SECRET: SECRET } }));
    const logged = log.mock.calls.flat().join(" ");
    expect(logged).toContain("PORTAL_DOMAIN");
    expect(logged).not.toContain(SECRET);
  });

  it("reads Configuration when a Secret is absent, Secrets first", async () => {
    let r = await runPostLogin(act, input({ secrets: {}, configuration: { ...SETTINGS } }));
    expect(r.redirect?.url).toMatch(/^https:\/\/verify\.example\.com\/id-verification\?/);

    r = await runPostLogin(
      act,
      input({
        secrets: { TOKEN_SECRET: SECRET },
        configuration: { PORTAL_DOMAIN: "other.example.com", VERIFICATION_EXPIRES_IN_SECONDS: "60" },
      }),
    );
    expect(r.redirect?.url).toMatch(/^https:\/\/other\.example\.com\/id-verification\?/);

    r = await runPostLogin(act, input({ secrets: { ...SETTINGS }, configuration: { PORTAL_DOMAIN: "other.example.com" } }));
    expect(r.redirect?.url).toMatch(/^https:\/\/verify\.example\.com\/id-verification\?/);
  });

  it("IDV_REQUIRED must say true (case and spaces ignored); anything else is not required", async () => {
    portalSays({ status: "none", required: false });
    for (const value of ["true", "TRUE", " true "]) {
      const i = input({ canRedirect: false });
      i.client.metadata["IDV_REQUIRED"] = value;
      expect((await runPostLogin(act, i)).denied).toEqual({ reason: "idv_interaction_required" });
    }
    for (const value of ["false", "yes", "1", ""]) {
      const i = input({ canRedirect: false });
      i.client.metadata["IDV_REQUIRED"] = value;
      const r = await runPostLogin(act, i);
      expect(r.denied).toBeNull();
      expect(r.idTokenClaims).toEqual({ [`${NS}status`]: "skipped" });
    }
  });
});

describe("onExecutePostLogin: the redirect to the portal", () => {
  it("from a plain host: https://<host>/id-verification?token=…&state=…, token as the portal expects", async () => {
    portalSays({ status: "expired", required: true, id: PERSON });
    const before = Math.floor(Date.now() / 1000);
    const r = await runPostLogin(act, input({ required: true, stored: storedCheck(EXPIRES * 2) }));
    const url = new URL(r.redirect!.url);
    expect(url.origin).toBe("https://verify.example.com");
    expect(url.pathname).toBe("/id-verification");
    expect([...url.searchParams.keys()].sort()).toEqual(["state", "token"]);
    expect(url.searchParams.get("state")).toBe(STATE);

    const token = tokenFrom(r);
    const claims = decodeJwt(token);
    expect(claims).toEqual({
      iss: TENANT,
      sub: USER_ID,
      iat: claims.iat,
      exp: claims.exp,
      ip: "203.0.113.9",
      purpose: "verify",
      client_id: "client-abc",
      app: "Benefits",
      required: true,
      id: PERSON,
      hint: "pe•••@example.com",
      jti: claims.jti,
    });
    expect(claims.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(claims.exp! - claims.iat!).toBe(600);
    expect(Math.abs(claims.exp! - (before + 600))).toBeLessThanOrEqual(2);

    // The portal's own check accepts it.
    const inbound = await verifyInboundToken({ token, state: STATE }, { secret: SECRET, auth0Domain: TENANT });
    expect(inbound).toMatchObject({ sub: USER_ID, id: PERSON, clientId: "client-abc", iss: TENANT });
  });

  it("the account hint is masked: one or two first characters, the email's domain kept, never the whole address", async () => {
    const hint = async (o: Opts) => decodeJwt(tokenFrom(await runPostLogin(act, input(o)))).hint;
    expect(await hint({ email: "alice@example.test" })).toBe("al•••@example.test");
    expect(await hint({ email: "bob@example.test" })).toBe("b•••@example.test");
    expect(await hint({ email: "j@x.io" })).toBe("j•••@x.io");
    expect(await hint({ email: "zoë.núñez@example.org" })).toBe("zo•••@example.org");
    expect(await hint({ email: undefined, username: "carol_the_user" })).toBe("ca•••");
    expect(await hint({ email: "not-an-email", username: "dan" })).toBe("d•••");
    expect(await hint({ email: undefined })).toBeUndefined();
    const token = tokenFrom(await runPostLogin(act, input({ email: "alice@example.test" })));
    expect(token).not.toContain("alice");
    expect(Buffer.from(token.split(".")[1]!, "base64url").toString()).not.toContain("alice");
  });

  it("from an http URL (local stand-in), with or without a trailing slash", async () => {
    for (const PORTAL_DOMAIN of ["http://127.0.0.1:3000", "http://127.0.0.1:3000/", "HTTPS://Verify.Example.com"]) {
      const r = await runPostLogin(act, input({ secrets: { ...SETTINGS, PORTAL_DOMAIN } }));
      const url = new URL(r.redirect!.url);
      expect(url.pathname).toBe("/id-verification");
      expect(url.origin).toBe(PORTAL_DOMAIN.startsWith("http:") ? "http://127.0.0.1:3000" : "https://verify.example.com");
    }
  });

  it("two logins in the same second get different tokens (the portal accepts each token once)", async () => {
    const now = new Date();
    const i = { ...input(), now };
    const one = tokenFrom(await runPostLogin(act, i));
    const two = tokenFrom(await runPostLogin(act, i));
    expect(decodeJwt(one).iat).toBe(decodeJwt(two).iat);
    expect(one).not.toBe(two);
  });

  it("never verified: no id in the token; not required: required=false", async () => {
    const r = await runPostLogin(act, input());
    const claims = decodeJwt(tokenFrom(r));
    expect(claims).not.toHaveProperty("id");
    expect(claims).toMatchObject({ sub: USER_ID, client_id: "client-abc", required: false, purpose: "verify" });
  });
});

describe("onContinuePostLogin: the portal's answer", () => {
  it("success stores app_metadata and sets the three claims", async () => {
    const checkedAt = new Date(Date.now() - 30_000);
    const token = await portalAnswer("success", {
      checkedAt,
      extra: { ref: "IDV-1", provider: "idme", policy: "community", groups: ["military"] },
    });
    for (const required of [true, false]) {
      const r = await runContinuePostLogin(act, input({ required, token, stored: storedCheck(EXPIRES * 5) }));
      const iso = new Date(Math.floor(checkedAt.getTime() / 1000) * 1000).toISOString();
      expectValidClaims(r);
      expect(r.idTokenClaims).toEqual({ [`${NS}status`]: "valid", [`${NS}last-check`]: iso, [`${NS}id`]: PERSON });
      expect(r.appMetadata).toEqual({
        other: "kept",
        id_verification: { id: PERSON, lastSuccessfulCheck: iso, groups: ["military"], provider: "idme", policy: "community" },
      });
    }
  });

  it("a success with no groups stores groups: []", async () => {
    const token = await portalAnswer("success", { extra: { ref: "IDV-1", provider: "idme", policy: "identity" } });
    const r = await runContinuePostLogin(act, input({ token }));
    expect((r.appMetadata["id_verification"] as { groups: unknown }).groups).toEqual([]);
  });

  for (const status of ["failed", "declined", "error"]) {
    it(`${status}: required → idv_verification_failed; not required → status claim "${status}"; stored check untouched`, async () => {
      const stored = storedCheck(EXPIRES * 2);
      const token = await portalAnswer(status);
      const req = await runContinuePostLogin(act, input({ required: true, token, stored }));
      expect(req.error).toBeNull();
      expect(req.denied).toEqual({ reason: `idv_verification_failed (reference ${REF})` });
      expect(req.appMetadata).toEqual({ other: "kept", id_verification: stored });

      const opt = await runContinuePostLogin(act, input({ token, stored }));
      expect(opt.denied).toBeNull();
      expect(opt.idTokenClaims).toEqual({ [`${NS}status`]: status, [`${NS}reference`]: REF });
      expect(opt.appMetadata).toEqual({ other: "kept", id_verification: stored });
    });
  }

  it("a failure without sub (person never known) is still a failure", async () => {
    const token = await portalAnswer("error", { sub: null });
    const r = await runContinuePostLogin(act, input({ token }));
    expect(r.idTokenClaims).toEqual({ [`${NS}status`]: "error", [`${NS}reference`]: REF });
  });

  it("a success without sub is not usable: error", async () => {
    const token = await portalAnswer("success", { sub: null });
    expect((await runContinuePostLogin(act, input({ required: true, token }))).denied).toEqual({
      reason: `idv_verification_failed (reference ${REF})`,
    });
    const r = await runContinuePostLogin(act, input({ token }));
    expect(r.idTokenClaims).toEqual({ [`${NS}status`]: "error", [`${NS}reference`]: REF });
    expect(r.appMetadata).toEqual({ other: "kept" });
  });

  it('a status word that would read as success ("valid") or is not a plain word becomes "error"', async () => {
    for (const status of ["valid", "skipped", "Not OK <script>"]) {
      const r = await runContinuePostLogin(act, input({ token: await portalAnswer(status) }));
      expect(r.idTokenClaims).toEqual({ [`${NS}status`]: "error", [`${NS}reference`]: REF });
    }
  });

  const badTokens: Array<[string, () => Promise<string>]> = [
    [
      "tampered",
      async () => {
        const [h, p, s] = (await portalAnswer("failed")).split(".");
        const claims = JSON.parse(Buffer.from(p!, "base64url").toString()) as Record<string, unknown>;
        claims["status"] = "success";
        return `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`;
      },
    ],
    ["signed with another secret", () => portalAnswer("success", { secret: "not-the-token-secret-0123456789" })],
    [
      "expired",
      () =>
        portalAnswer("success", { now: new Date(Date.now() - 3_600_000), checkedAt: new Date(Date.now() - 3_700_000), lifetimeSec: 300 }),
    ],
    ["for another state", () => portalAnswer("success", { state: "another-transaction-state" })],
    ["for another Auth0 user", () => portalAnswer("success", { extra: { auth0_user_id: "auth0|someone-else", provider: "idme" } })],
    ["naming no Auth0 user", () => portalAnswer("success", { extra: { auth0_user_id: undefined, provider: "idme" } })],
    ["naming the Auth0 user in another type", () => portalAnswer("success", { extra: { auth0_user_id: [USER_ID] } })],
    ["missing", async () => ""],
  ];

  for (const [name, make] of badTokens) {
    it(`${name} token: required → idv_verification_failed; not required → status "failed"; nothing stored`, async () => {
      const token = await make();
      const req = await runContinuePostLogin(act, input({ required: true, token }));
      expect(req.error).toBeNull();
      expect(req.denied).toEqual({ reason: "idv_verification_failed" });
      expect(req.idTokenClaims).toEqual({});
      expect(req.appMetadata).toEqual({ other: "kept" });

      const opt = await runContinuePostLogin(act, input({ token }));
      expect(opt.denied).toBeNull();
      expect(opt.idTokenClaims).toEqual({ [`${NS}status`]: "failed" });
      expect(opt.appMetadata).toEqual({ other: "kept" });
    });
  }

  it("a reply naming another person than the one stored is refused, unless the portal says the id was reset", async () => {
    const stored = storedCheck(EXPIRES * 2);
    const other = await portalAnswer("success", { sub: "prs_SOMEONE_ELSE" });
    const req = await runContinuePostLogin(act, input({ required: true, token: other, stored }));
    expect(req.denied).toEqual({ reason: "idv_verification_failed" });
    expect(req.appMetadata).toEqual({ other: "kept", id_verification: stored });
    const opt = await runContinuePostLogin(act, input({ token: other, stored }));
    expect(opt.idTokenClaims).toEqual({ [`${NS}status`]: "failed" });

    // A check that was cleared (revoked) still names its person.
    const cleared = { id: PERSON, groups: [], provider: "idme", policy: "identity" };
    expect((await runContinuePostLogin(act, input({ required: true, token: other, stored: cleared }))).denied).toEqual({
      reason: "idv_verification_failed",
    });

    const reset = await portalAnswer("success", { sub: "prs_NEW", extra: { auth0_user_id: USER_ID, id_reset: true, provider: "idme" } });
    const ok = await runContinuePostLogin(act, input({ required: true, token: reset, stored }));
    expectValidClaims(ok, "prs_NEW");
    expect(ok.appMetadata["id_verification"]).toMatchObject({ id: "prs_NEW" });

    // id_reset must be exactly true.
    const sloppy = await portalAnswer("success", { sub: "prs_NEW", extra: { auth0_user_id: USER_ID, id_reset: "true" } });
    expect((await runContinuePostLogin(act, input({ required: true, token: sloppy, stored }))).denied).toEqual({
      reason: "idv_verification_failed",
    });
  });

  it("the token in the query (GET /continue) is accepted too", async () => {
    const token = await portalAnswer("success");
    const i = input();
    i.request = { query: { token } };
    expectValidClaims(await runContinuePostLogin(act, i));
  });

  it("a success whose check is older than VERIFICATION_EXPIRES_IN_SECONDS is valid: the portal just decided", async () => {
    const token = await portalAnswer("success", { checkedAt: new Date(Date.now() - (EXPIRES + 60) * 1000) });
    const r = await runContinuePostLogin(act, input({ required: true, token }));
    expectValidClaims(r);
    expect(r.appMetadata["id_verification"]).toMatchObject({ id: PERSON });
  });
});

describe("IDV_GROUP", () => {
  it("while the portal cannot be reached, a stored check counts only with the application's group", async () => {
    const withGroup = storedCheck(60, { groups: ["military"] });
    expectValidClaims(await runPostLogin(act, input({ required: true, group: "military", stored: withGroup })));
    expectValidClaims(await runPostLogin(act, input({ required: true, group: "Military", stored: withGroup })));

    const without = storedCheck(60, { groups: ["teacher"] });
    const r = await runPostLogin(act, input({ required: true, group: "military", stored: without }));
    expect(r.redirect).not.toBeNull();
    expect(decodeJwt(tokenFrom(r))).toMatchObject({ id: PERSON, client_id: "client-abc" });
    const nr = await runPostLogin(act, input({ required: true, group: "military", stored: without, canRedirect: false }));
    expect(nr.denied).toEqual({ reason: "idv_interaction_required" });

    // Applications without IDV_GROUP accept the same check.
    expectValidClaims(await runPostLogin(act, input({ required: true, stored: without })));
  });

  it("a success with the group is valid; without it: stored, but denied (required) or group_not_verified", async () => {
    const ok = await portalAnswer("success", { extra: { groups: ["military"], provider: "idme", policy: "community" } });
    expectValidClaims(await runContinuePostLogin(act, input({ required: true, group: "military", token: ok })));

    const missing = await portalAnswer("success", { extra: { groups: ["teacher"], provider: "idme", policy: "community" } });
    const req = await runContinuePostLogin(act, input({ required: true, group: "military", token: missing }));
    expect(req.denied).toEqual({ reason: "idv_verification_failed" });
    expect(req.appMetadata["id_verification"]).toMatchObject({ id: PERSON, groups: ["teacher"] });

    const opt = await runContinuePostLogin(act, input({ group: "military", token: missing }));
    expect(opt.denied).toBeNull();
    expect(opt.idTokenClaims).toEqual({ [`${NS}status`]: "group_not_verified" });
  });
});

describe("revoked", () => {
  it("clears lastSuccessfulCheck (and groups), keeps the id, and counts as failed", async () => {
    const stored = storedCheck(60, { groups: ["military"] });
    const token = await portalAnswer("revoked");

    const req = await runContinuePostLogin(act, input({ required: true, token, stored }));
    expect(req.denied).toEqual({ reason: `idv_verification_failed (reference ${REF})` });
    expect(req.appMetadata).toEqual({ other: "kept", id_verification: { id: PERSON, groups: [], provider: "idme", policy: "identity" } });

    const opt = await runContinuePostLogin(act, input({ token, stored }));
    expect(opt.denied).toBeNull();
    expect(opt.idTokenClaims).toEqual({ [`${NS}status`]: "revoked", [`${NS}reference`]: REF });
    expect(opt.appMetadata["id_verification"]).not.toHaveProperty("lastSuccessfulCheck");

    // The next login is no longer one with a check: back to the portal, with the same id.
    const next = await runPostLogin(act, input({ stored: opt.appMetadata["id_verification"] as Record<string, unknown> }));
    expect(decodeJwt(tokenFrom(next))).toMatchObject({ id: PERSON });
  });

  it("with nothing stored, nothing is written", async () => {
    const r = await runContinuePostLogin(act, input({ token: await portalAnswer("revoked") }));
    expect(r.appMetadata).toEqual({ other: "kept" });
    expect(r.idTokenClaims).toEqual({ [`${NS}status`]: "revoked", [`${NS}reference`]: REF });
  });
});

describe("CLAIM_NAMESPACE", () => {
  it("is used as the claim prefix; an http(s) namespace gets a trailing slash", async () => {
    for (const [value, ns] of [
      ["https://example.com/idv/", "https://example.com/idv/"],
      ["https://example.com/idv", "https://example.com/idv/"],
      ["idv_", "idv_"],
    ] as const) {
      const secrets = { ...SETTINGS, CLAIM_NAMESPACE: value };
      portalSays(validAnswer());
      const valid = await runPostLogin(act, input({ secrets, stored: storedCheck(60) }));
      expectValidClaims(valid, PERSON, ns);
      expect(Object.keys(valid.idTokenClaims).sort()).toEqual([`${ns}id`, `${ns}last-check`, `${ns}status`]);

      portalSays({ status: "none", required: false });
      const skipped = await runPostLogin(act, input({ secrets, canRedirect: false }));
      expect(skipped.idTokenClaims).toEqual({ [`${ns}status`]: "skipped" });

      const token = await portalAnswer("declined");
      const declined = await runContinuePostLogin(act, input({ secrets, token }));
      expect(declined.idTokenClaims).toEqual({ [`${ns}status`]: "declined", [`${ns}reference`]: REF });
    }
  });
});

describe("a whole round trip", () => {
  it("redirect → the portal checks the token → success → next logins ask the portal and pass without a redirect", async () => {
    const first = await runPostLogin(act, input({ required: true }));
    const inbound = await verifyInboundToken({ token: tokenFrom(first), state: STATE }, { secret: SECRET, auth0Domain: TENANT });
    expect(inbound.id).toBeUndefined();

    const checkedAt = new Date();
    const answer = await signReturnToken(
      {
        state: STATE,
        sub: "prs_NEW",
        status: "success",
        checkedAt,
        extra: { ref: "IDV-2", provider: "idme", policy: "identity", groups: [], auth0_user_id: inbound.sub },
      },
      { secret: SECRET, issuer: PORTAL_ISSUER },
    );
    const back = await runContinuePostLogin(act, input({ required: true, token: answer }));
    expectValidClaims(back, "prs_NEW");
    const stored = back.appMetadata["id_verification"] as Record<string, unknown>;

    portalSays(validAnswer({ id: "prs_NEW", last_check: stored["lastSuccessfulCheck"] }));
    expectValidClaims(await runPostLogin(act, input({ required: true, stored })), "prs_NEW");
    // A refresh-token exchange is fine too.
    expectValidClaims(await runPostLogin(act, input({ required: true, canRedirect: false, stored })), "prs_NEW");
    expect(portal.calls.map((c) => decodeJwt(c.token).id)).toEqual(["prs_NEW", "prs_NEW"]);
  });
});

describe("onContinuePostLogin: the portal's own requirement", () => {
  it("a failure from the portal with required: true denies even without IDV_REQUIRED in Auth0", async () => {
    const token = await portalAnswer("declined", { extra: { required: true } });
    const r = await runContinuePostLogin(act, input({ token }));
    expect(r.denied?.reason).toBe("idv_verification_failed");
  });

  it("required: false from the portal does not lift IDV_REQUIRED", async () => {
    const token = await portalAnswer("failed", { extra: { required: false } });
    const r = await runContinuePostLogin(act, input({ token, required: true }));
    expect(r.denied?.reason).toBe("idv_verification_failed");
  });
});
