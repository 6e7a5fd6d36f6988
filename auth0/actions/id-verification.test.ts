/**
 * The project's post-login Action (id-verification.js), loaded as Auth0 would load it
 * and run through the Actions runtime emulation, answered with tokens signed exactly
 * like the portal signs them (signReturnToken).
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
const STATE = "hKFo2SBzb21lLW9wYXF1ZS1zdGF0ZQ";
const USER_ID = "auth0|64b7f0c2a1b2c3d4e5f60718";
const PERSON = "prs_01HXYZ";
const EXPIRES = 3600; // VERIFICATION_EXPIRES_IN_SECONDS
const NS = "https://id-verification/";

let act: ActionModule;

beforeEach(() => {
  act = loadAction(DEFAULT_ACTION_FILE);
  vi.spyOn(console, "log").mockImplementation(() => undefined);
});
afterEach(() => {
  vi.restoreAllMocks();
});

interface Opts {
  required?: boolean;
  group?: string;
  stored?: Record<string, unknown> | undefined;
  canRedirect?: boolean;
  secrets?: Record<string, string>;
  configuration?: Record<string, string>;
  token?: string;
}

const SETTINGS = { TOKEN_SECRET: SECRET, PORTAL_DOMAIN: "verify.example.com", VERIFICATION_EXPIRES_IN_SECONDS: String(EXPIRES) };

function input(o: Opts = {}): RunInput {
  const metadata: Record<string, string> = {};
  if (o.required) metadata["IDV_REQUIRED"] = "true";
  if (o.group) metadata["IDV_GROUP"] = o.group;
  return {
    tenantDomain: TENANT,
    user: {
      user_id: USER_ID,
      email: "person@example.com",
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

/** A return token exactly as the portal signs it. */
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
      extra: o.extra ?? { ref: "IDV-7K2M-9QXD", provider: "idme", policy: "identity" },
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

describe("onExecutePostLogin: required × still-valid/expired/never × canRedirect", () => {
  const cases = [
    { stored: "still-valid", make: () => storedCheck(60) },
    { stored: "expired", make: () => storedCheck(EXPIRES + 60) },
    { stored: "never verified", make: () => undefined },
  ] as const;

  for (const required of [true, false]) {
    for (const c of cases) {
      for (const canRedirect of [true, false]) {
        it(`required=${required}, ${c.stored}, canRedirect=${canRedirect}`, async () => {
          const stored = c.make();
          const r = await runPostLogin(act, input({ required, stored, canRedirect }));
          expect(r.error).toBeNull();
          if (c.stored === "still-valid") {
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
          // onExecutePostLogin never writes app_metadata.
          expect(r.appMetadata).toEqual(input({ stored }).user.app_metadata);
        });
      }
    }
  }

  it("a still-valid check gives the stored time and id", async () => {
    const stored = storedCheck(120);
    const r = await runPostLogin(act, input({ stored }));
    expectValidClaims(r);
    expect(r.idTokenClaims).toEqual({
      [`${NS}status`]: "valid",
      [`${NS}last-check`]: stored["lastSuccessfulCheck"],
      [`${NS}id`]: PERSON,
    });
  });

  it("a stored check without lastSuccessfulCheck, with a bad date, or from the future is not valid", async () => {
    for (const stored of [
      { id: PERSON },
      storedCheck(0, { lastSuccessfulCheck: "yesterday" }),
      storedCheck(-3600),
      storedCheck(10, { id: "" }),
    ]) {
      const r = await runPostLogin(act, input({ stored }));
      expect(r.redirect).not.toBeNull();
    }
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
    const before = Math.floor(Date.now() / 1000);
    const r = await runPostLogin(act, input({ required: true, stored: storedCheck(EXPIRES * 2) }));
    const url = new URL(r.redirect!.url);
    expect(url.origin).toBe("https://verify.example.com");
    expect(url.pathname).toBe("/id-verification");
    expect([...url.searchParams.keys()].sort()).toEqual(["state", "token"]);
    expect(url.searchParams.get("state")).toBe(STATE);

    const token = tokenFrom(r);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: TENANT, sub: USER_ID, client_id: "client-abc", id: PERSON, required: true });
    expect(claims.exp! - claims.iat!).toBe(600);
    expect(Math.abs(claims.exp! - (before + 600))).toBeLessThanOrEqual(2);

    // The portal's own check accepts it.
    const inbound = await verifyInboundToken({ token, state: STATE }, { secret: SECRET, auth0Domain: TENANT });
    expect(inbound).toMatchObject({ sub: USER_ID, id: PERSON, clientId: "client-abc", iss: TENANT });
  });

  it("from an http URL (local stand-in), with or without a trailing slash", async () => {
    for (const PORTAL_DOMAIN of ["http://127.0.0.1:3000", "http://127.0.0.1:3000/", "HTTPS://Verify.Example.com"]) {
      const r = await runPostLogin(act, input({ secrets: { ...SETTINGS, PORTAL_DOMAIN } }));
      const url = new URL(r.redirect!.url);
      expect(url.pathname).toBe("/id-verification");
      expect(url.origin).toBe(PORTAL_DOMAIN.startsWith("http:") ? "http://127.0.0.1:3000" : "https://verify.example.com");
    }
  });

  it("never verified: no id in the token; not required: required=false", async () => {
    const r = await runPostLogin(act, input());
    const claims = decodeJwt(tokenFrom(r));
    expect(claims).not.toHaveProperty("id");
    expect(claims).toMatchObject({ sub: USER_ID, client_id: "client-abc", required: false });
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
      const r = await runContinuePostLogin(act, input({ required, token, stored: storedCheck(EXPIRES * 5, { id: "old-id" }) }));
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
      expect(req.denied).toEqual({ reason: "idv_verification_failed" });
      expect(req.appMetadata).toEqual({ other: "kept", id_verification: stored });

      const opt = await runContinuePostLogin(act, input({ token, stored }));
      expect(opt.denied).toBeNull();
      expect(opt.idTokenClaims).toEqual({ [`${NS}status`]: status });
      expect(opt.appMetadata).toEqual({ other: "kept", id_verification: stored });
    });
  }

  it("a failure without sub (person never known) is still a failure", async () => {
    const token = await portalAnswer("error", { sub: null });
    const r = await runContinuePostLogin(act, input({ token }));
    expect(r.idTokenClaims).toEqual({ [`${NS}status`]: "error" });
  });

  it("a success without sub is not usable: error", async () => {
    const token = await portalAnswer("success", { sub: null });
    expect((await runContinuePostLogin(act, input({ required: true, token }))).denied).toEqual({ reason: "idv_verification_failed" });
    const r = await runContinuePostLogin(act, input({ token }));
    expect(r.idTokenClaims).toEqual({ [`${NS}status`]: "error" });
    expect(r.appMetadata).toEqual({ other: "kept" });
  });

  it('a status word that would read as success ("valid") or is not a plain word becomes "error"', async () => {
    for (const status of ["valid", "skipped", "Not OK <script>"]) {
      const r = await runContinuePostLogin(act, input({ token: await portalAnswer(status) }));
      expect(r.idTokenClaims).toEqual({ [`${NS}status`]: "error" });
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

  it("the token in the query (GET /continue) is accepted too", async () => {
    const token = await portalAnswer("success");
    const i = input();
    i.request = { query: { token } };
    expectValidClaims(await runContinuePostLogin(act, i));
  });

  it("a success whose check is already older than VERIFICATION_EXPIRES_IN_SECONDS is stored but not valid now", async () => {
    const token = await portalAnswer("success", { checkedAt: new Date(Date.now() - (EXPIRES + 60) * 1000) });
    const req = await runContinuePostLogin(act, input({ required: true, token }));
    expect(req.denied).toEqual({ reason: "idv_verification_failed" });
    expect(req.appMetadata["id_verification"]).toMatchObject({ id: PERSON });
    const opt = await runContinuePostLogin(act, input({ token }));
    expect(opt.idTokenClaims).toEqual({ [`${NS}status`]: "expired" });
  });
});

describe("IDV_GROUP", () => {
  it("a still-valid check counts only when its groups include the application's group", async () => {
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
    expect(req.denied).toEqual({ reason: "idv_verification_failed" });
    expect(req.appMetadata).toEqual({ other: "kept", id_verification: { id: PERSON, groups: [], provider: "idme", policy: "identity" } });

    const opt = await runContinuePostLogin(act, input({ token, stored }));
    expect(opt.denied).toBeNull();
    expect(opt.idTokenClaims).toEqual({ [`${NS}status`]: "revoked" });
    expect(opt.appMetadata["id_verification"]).not.toHaveProperty("lastSuccessfulCheck");

    // The next login is no longer still-valid: back to the portal, with the same id.
    const next = await runPostLogin(act, input({ stored: opt.appMetadata["id_verification"] as Record<string, unknown> }));
    expect(decodeJwt(tokenFrom(next))).toMatchObject({ id: PERSON });
  });

  it("with nothing stored, nothing is written", async () => {
    const r = await runContinuePostLogin(act, input({ token: await portalAnswer("revoked") }));
    expect(r.appMetadata).toEqual({ other: "kept" });
    expect(r.idTokenClaims).toEqual({ [`${NS}status`]: "revoked" });
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
      const valid = await runPostLogin(act, input({ secrets, stored: storedCheck(60) }));
      expectValidClaims(valid, PERSON, ns);
      expect(Object.keys(valid.idTokenClaims).sort()).toEqual([`${ns}id`, `${ns}last-check`, `${ns}status`]);

      const skipped = await runPostLogin(act, input({ secrets, canRedirect: false }));
      expect(skipped.idTokenClaims).toEqual({ [`${ns}status`]: "skipped" });

      const token = await portalAnswer("declined");
      const declined = await runContinuePostLogin(act, input({ secrets, token }));
      expect(declined.idTokenClaims).toEqual({ [`${ns}status`]: "declined" });
    }
  });
});

describe("a whole round trip", () => {
  it("redirect → the portal checks the token → success → next login is still valid without a redirect", async () => {
    const first = await runPostLogin(act, input({ required: true }));
    const inbound = await verifyInboundToken({ token: tokenFrom(first), state: STATE }, { secret: SECRET, auth0Domain: TENANT });
    expect(inbound.id).toBeUndefined();

    const answer = await signReturnToken(
      {
        state: STATE,
        sub: "prs_NEW",
        status: "success",
        checkedAt: new Date(),
        extra: { ref: "IDV-2", provider: "idme", policy: "identity", groups: [] },
      },
      { secret: SECRET, issuer: PORTAL_ISSUER },
    );
    const back = await runContinuePostLogin(act, input({ required: true, token: answer }));
    expectValidClaims(back, "prs_NEW");

    const again = await runPostLogin(
      act,
      input({ required: true, stored: back.appMetadata["id_verification"] as Record<string, unknown> }),
    );
    expectValidClaims(again, "prs_NEW");
    // A refresh-token exchange is fine too.
    const refresh = await runPostLogin(
      act,
      input({ required: true, canRedirect: false, stored: back.appMetadata["id_verification"] as Record<string, unknown> }),
    );
    expectValidClaims(refresh, "prs_NEW");
  });
});

describe("onExecutePostLogin: asks the portal whether a still-valid check was revoked", () => {
  function portalAnswers(body: unknown, status = 200) {
    const calls: { url: string; auth: string | null }[] = [];
    vi.stubGlobal("fetch", async (url: string, init?: RequestInit) => {
      calls.push({ url: String(url), auth: new Headers(init?.headers).get("authorization") });
      return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    });
    return calls;
  }
  afterEach(() => vi.unstubAllGlobals());

  it("valid: the stored check stands; the call carries a status token the portal accepts", async () => {
    const calls = portalAnswers({ status: "valid" });
    const r = await runPostLogin(act, input({ required: true, stored: storedCheck(60) }));
    expect(r.idTokenClaims[`${NS}status`]).toBe("valid");
    expect(r.redirect).toBeNull();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe("https://verify.example.com/api/verification/status");
    const token = calls[0]!.auth!.replace(/^Bearer /, "");
    const checked = await verifyInboundToken({ token, state: null }, { secret: SECRET, auth0Domain: TENANT, requireState: false });
    expect(checked).toMatchObject({ sub: USER_ID, id: PERSON });
    expect(checked.claims.purpose).toBe("status");
  });

  it("revoked: the stored check is cleared and the person is sent to verify again", async () => {
    portalAnswers({ status: "revoked" });
    const r = await runPostLogin(act, input({ required: true, stored: storedCheck(60) }));
    expect(r.idTokenClaims[`${NS}status`]).toBeUndefined();
    expect(r.redirect?.url).toMatch(/^https:\/\/verify\.example\.com\/id-verification\?token=/);
    const stored = r.appMetadata.id_verification as Record<string, unknown>;
    expect(stored.lastSuccessfulCheck).toBeUndefined();
    expect(stored.id).toBe(PERSON);
  });

  it("revoked on a refresh-token exchange of a required application: idv_interaction_required", async () => {
    portalAnswers({ status: "revoked" });
    const r = await runPostLogin(act, input({ required: true, stored: storedCheck(60), canRedirect: false }));
    expect(r.denied?.reason).toBe("idv_interaction_required");
  });

  it("the portal unreachable or answering an error: the stored check is used", async () => {
    vi.stubGlobal("fetch", async () => {
      throw new TypeError("fetch failed");
    });
    expect((await runPostLogin(act, input({ required: true, stored: storedCheck(60) }))).idTokenClaims[`${NS}status`]).toBe("valid");
    portalAnswers({ error: "invalid_token" }, 401);
    expect((await runPostLogin(act, input({ required: true, stored: storedCheck(60) }))).idTokenClaims[`${NS}status`]).toBe("valid");
  });
});

describe("onContinuePostLogin: the portal's own requirement", () => {
  it("a failure from the portal with required: true denies even without IDV_REQUIRED in Auth0", async () => {
    const token = await signReturnToken(
      { state: STATE, sub: PERSON, status: "declined", checkedAt: new Date(), extra: { required: true } },
      { secret: SECRET, issuer: PORTAL_ISSUER },
    );
    const r = await runContinuePostLogin(act, input({ token }));
    expect(r.denied?.reason).toBe("idv_verification_failed");
  });

  it("required: false from the portal does not lift IDV_REQUIRED", async () => {
    const token = await signReturnToken(
      { state: STATE, sub: PERSON, status: "failed", checkedAt: new Date(), extra: { required: false } },
      { secret: SECRET, issuer: PORTAL_ISSUER },
    );
    const r = await runContinuePostLogin(act, input({ token, required: true }));
    expect(r.denied?.reason).toBe("idv_verification_failed");
  });
});
