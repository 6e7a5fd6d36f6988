import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { existsSync } from "node:fs";
import { SignJWT, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_ACTION_FILE, loadAction, runContinuePostLogin, runPostLogin, type ActionModule, type RunInput } from "./runtime";

const SECRET = "runtime-test-secret-0123456789abcdef";
const STATE = "st-abc_123";

function baseInput(over: Partial<RunInput> = {}): RunInput {
  return {
    tenantDomain: "tenant.example.auth0.com",
    user: { user_id: "auth0|user-1", email: "u@example.com", app_metadata: { keep: 1 }, user_metadata: {} },
    client: { client_id: "client-1", name: "App", metadata: {} },
    secrets: {},
    configuration: {},
    canRedirect: true,
    state: STATE,
    ...over,
  };
}

/** An Action written inline for the test (event and api are the untyped objects an Action gets). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function action(onExecute: (event: any, api: any) => unknown, onContinue?: (event: any, api: any) => unknown): ActionModule {
  return {
    onExecutePostLogin: async (e, a) => {
      await onExecute(e, a);
    },
    ...(onContinue ? { onContinuePostLogin: async (e: unknown, a: unknown) => void (await onContinue(e, a)) } : {}),
  };
}

async function sign(claims: Record<string, unknown>, opts: { secret?: string; alg?: string; exp?: number } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: opts.alg ?? "HS256", typ: "JWT" }).setIssuedAt(now);
  jwt.setExpirationTime(opts.exp ?? now + 300);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? SECRET));
}

/** Runs validateToken inside an Action and returns what it gave or threw. */
async function validate(input: RunInput, tokenParameterName?: string) {
  let payload: unknown;
  let thrown: unknown;
  const r = await runContinuePostLogin(
    action(
      () => undefined,
      (_e, api) => {
        try {
          payload = api.redirect.validateToken({ secret: SECRET, ...(tokenParameterName ? { tokenParameterName } : {}) });
        } catch (err) {
          thrown = err;
        }
      },
    ),
    input,
  );
  expect(r.error).toBeNull();
  return { payload: payload as Record<string, unknown> | undefined, thrown: thrown as Error | undefined };
}

describe("encodeToken", () => {
  it("makes an HS256 JWT with iss, sub, iat, exp (default 900 s) and the payload merged in", async () => {
    let token = "";
    const now = new Date("2030-01-01T00:00:00Z");
    await runPostLogin(
      action((_e, api) => {
        token = api.redirect.encodeToken({ secret: SECRET, payload: { id: "p-1", client_id: "client-1", gone: undefined } });
      }),
      baseInput({ now }),
    );
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "HS256", typ: "JWT" });
    const claims = decodeJwt(token);
    const iat = Math.floor(now.getTime() / 1000);
    expect(claims).toMatchObject({
      iss: "tenant.example.auth0.com",
      sub: "auth0|user-1",
      iat,
      exp: iat + 900,
      id: "p-1",
      client_id: "client-1",
    });
    expect(claims).not.toHaveProperty("gone");
    // The signature is a real HS256 one with the secret as UTF-8 key.
    const verified = await jwtVerify(token, new TextEncoder().encode(SECRET), { currentDate: now });
    expect(verified.payload["id"]).toBe("p-1");
  });

  it("honours expiresInSeconds, adds ip, and the payload cannot replace iss/sub/iat/exp", async () => {
    let token = "";
    const now = new Date("2030-01-01T00:00:00Z");
    await runPostLogin(
      action((_e, api) => {
        token = api.redirect.encodeToken({
          secret: SECRET,
          expiresInSeconds: 600,
          payload: { iss: "evil", sub: "someone-else", iat: 1, exp: 9999999999, extra: true },
        });
      }),
      baseInput({ now, request: { ip: "203.0.113.9" } }),
    );
    const claims = decodeJwt(token);
    const iat = Math.floor(now.getTime() / 1000);
    expect(claims).toMatchObject({
      iss: "tenant.example.auth0.com",
      sub: "auth0|user-1",
      iat,
      exp: iat + 600,
      extra: true,
      ip: "203.0.113.9",
    });
  });

  it("refuses a missing secret", async () => {
    const r = await runPostLogin(
      action((_e, api) => {
        api.redirect.encodeToken({ secret: "", payload: {} });
      }),
      baseInput(),
    );
    expect(r.error?.message).toMatch(/secret/);
  });
});

describe("validateToken", () => {
  it("returns the payload of a good token (body first, then query; default parameter session_token)", async () => {
    const good = await sign({ state: STATE, status: "success", sub: "p-1" });
    const other = await sign({ state: STATE, status: "failed" });
    let r = await validate(baseInput({ request: { body: { token: good }, query: { token: other } } }), "token");
    expect(r.thrown).toBeUndefined();
    expect(r.payload).toMatchObject({ status: "success", sub: "p-1", state: STATE });

    r = await validate(baseInput({ request: { query: { token: other } } }), "token");
    expect(r.payload).toMatchObject({ status: "failed" });

    r = await validate(baseInput({ request: { body: { session_token: good } } }));
    expect(r.payload).toMatchObject({ status: "success" });

    r = await validate(baseInput({ request: { body: { token: good } } }));
    expect(r.thrown?.message).toMatch(/missing/);
  });

  it("rejects a bad signature", async () => {
    const bad = await sign({ state: STATE, status: "success" }, { secret: "another-secret-another-secret-xx" });
    const r = await validate(baseInput({ request: { body: { token: bad } } }), "token");
    expect(r.thrown?.message).toMatch(/signature/);
    expect(r.payload).toBeUndefined();
  });

  it("rejects a tampered payload", async () => {
    const good = await sign({ state: STATE, status: "failed" });
    const [h, , s] = good.split(".");
    const forged = Buffer.from(JSON.stringify({ state: STATE, status: "success", exp: Math.floor(Date.now() / 1000) + 300 })).toString(
      "base64url",
    );
    const r = await validate(baseInput({ request: { body: { token: `${h}.${forged}.${s}` } } }), "token");
    expect(r.thrown?.message).toMatch(/signature/);
  });

  it("rejects an expired token, and one without exp", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await sign({ state: STATE, status: "success" }, { exp: now - 1 });
    let r = await validate(baseInput({ request: { body: { token: expired } } }), "token");
    expect(r.thrown?.message).toMatch(/expired/);

    // The runtime's clock is `now`: a token valid today is expired tomorrow.
    const fresh = await sign({ state: STATE, status: "success" });
    r = await validate(baseInput({ now: new Date(Date.now() + 86_400_000), request: { body: { token: fresh } } }), "token");
    expect(r.thrown?.message).toMatch(/expired/);

    const noExp = await new SignJWT({ state: STATE }).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(SECRET));
    r = await validate(baseInput({ request: { body: { token: noExp } } }), "token");
    expect(r.thrown?.message).toMatch(/exp/);
  });

  it("rejects a wrong or missing state claim", async () => {
    const wrong = await sign({ state: "another-state", status: "success" });
    let r = await validate(baseInput({ request: { body: { token: wrong } } }), "token");
    expect(r.thrown?.message).toMatch(/State in the token does not match/);
    const none = await sign({ status: "success" });
    r = await validate(baseInput({ request: { body: { token: none } } }), "token");
    expect(r.thrown?.message).toMatch(/State/);
  });

  it("rejects any alg other than HS256 (HS512, none)", async () => {
    const hs512 = await sign({ state: STATE, status: "success" }, { alg: "HS512" });
    let r = await validate(baseInput({ request: { body: { token: hs512 } } }), "token");
    expect(r.thrown?.message).toMatch(/HS256/);

    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const none = `${b64({ alg: "none" })}.${b64({ state: STATE, status: "success", exp: Math.floor(Date.now() / 1000) + 300 })}.`;
    r = await validate(baseInput({ request: { body: { token: none } } }), "token");
    expect(r.thrown?.message).toMatch(/HS256/);

    r = await validate(baseInput({ request: { body: { token: "not-a-jwt" } } }), "token");
    expect(r.thrown).toBeInstanceOf(Error);
  });

  it("is synchronous, like Auth0's", async () => {
    const good = await sign({ state: STATE });
    let result: unknown;
    await runContinuePostLogin(
      action(
        () => undefined,
        (_e, api) => {
          result = api.redirect.validateToken({ secret: SECRET, tokenParameterName: "token" });
        },
      ),
      baseInput({ request: { body: { token: good } } }),
    );
    expect(result).not.toBeInstanceOf(Promise);
    expect(result).toMatchObject({ state: STATE });
  });
});

describe("sendUserTo and canRedirect", () => {
  it("builds the URL from the query and appends Auth0's state", async () => {
    const r = await runPostLogin(
      action((_e, api) => {
        expect(api.redirect.canRedirect()).toBe(true);
        api.redirect.sendUserTo("https://verify.example.com/id-verification", {
          query: { token: "a.b.c", skip: undefined, state: "forged" },
        });
      }),
      baseInput(),
    );
    expect(r.error).toBeNull();
    const url = new URL(r.redirect!.url);
    expect(url.origin + url.pathname).toBe("https://verify.example.com/id-verification");
    expect(url.searchParams.get("token")).toBe("a.b.c");
    expect(url.searchParams.get("state")).toBe(STATE);
    expect(url.searchParams.getAll("state")).toHaveLength(1);
    expect(url.searchParams.has("skip")).toBe(false);
  });

  it("throws when the flow cannot redirect", async () => {
    const r = await runPostLogin(
      action((_e, api) => {
        expect(api.redirect.canRedirect()).toBe(false);
        api.redirect.sendUserTo("https://verify.example.com/id-verification");
      }),
      baseInput({ canRedirect: false }),
    );
    expect(r.error?.message).toMatch(/canRedirect/);
    expect(r.redirect).toBeNull();
  });

  it("a denial wins over a redirect", async () => {
    const r = await runPostLogin(
      action((_e, api) => {
        api.redirect.sendUserTo("https://verify.example.com/x");
        api.access.deny("first");
        api.access.deny("second");
      }),
      baseInput(),
    );
    expect(r.redirect).toBeNull();
    expect(r.denied).toEqual({ reason: "first" });
  });
});

describe("event, claims and metadata", () => {
  it("passes the documented event and records claims and metadata without mutating the input", async () => {
    const input = baseInput({
      secrets: { TOKEN_SECRET: "s" },
      configuration: { PORTAL_DOMAIN: "p" },
      client: { client_id: "client-1", name: "App", metadata: { IDV_REQUIRED: "true" } },
      request: { ip: "198.51.100.7", query: { a: "1" } },
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let seen: any;
    const r = await runPostLogin(
      action((event, api) => {
        seen = event;
        event.user.app_metadata.keep = 2; // mutating the event changes nothing
        api.idToken.setCustomClaim("https://x/status", "valid");
        api.accessToken.setCustomClaim("https://x/a", ["b"]);
        api.user.setAppMetadata("id_verification", { id: "p", when: new Date("2030-01-01T00:00:00Z") });
        api.user.setAppMetadata("keep", null);
        api.user.setUserMetadata("u", 1);
      }),
      input,
    );
    expect(r.error).toBeNull();
    expect(seen.user).toMatchObject({ user_id: "auth0|user-1", email: "u@example.com" });
    expect(seen.client).toEqual({ client_id: "client-1", name: "App", metadata: { IDV_REQUIRED: "true" } });
    expect(seen.secrets).toEqual({ TOKEN_SECRET: "s" });
    expect(seen.configuration).toEqual({ PORTAL_DOMAIN: "p" });
    expect(seen.transaction).toEqual({ protocol: "oidc-basic-profile", state: STATE, locale: "en", ui_locales: [] });
    expect(seen.request).toMatchObject({ ip: "198.51.100.7", query: { a: "1" }, body: {} });
    expect(seen.tenant).toEqual({ id: "tenant" });
    expect(seen.stats).toEqual({ logins_count: 1 });
    expect(r.idTokenClaims).toEqual({ "https://x/status": "valid" });
    expect(r.accessTokenClaims).toEqual({ "https://x/a": ["b"] });
    expect(r.appMetadata).toEqual({ id_verification: { id: "p", when: "2030-01-01T00:00:00.000Z" } });
    expect(input.user.app_metadata).toEqual({ keep: 1 });
  });

  it("uses the refresh-token protocol by default when it cannot redirect", async () => {
    let protocol = "";
    await runPostLogin(
      action((event) => {
        protocol = event.transaction.protocol;
      }),
      baseInput({ canRedirect: false }),
    );
    expect(protocol).toBe("oauth2-refresh-token");
  });

  it("reports an exception thrown by the Action, and a missing onContinuePostLogin", async () => {
    let r = await runPostLogin(
      action(() => {
        throw new Error("boom");
      }),
      baseInput(),
    );
    expect(r.error?.message).toBe("boom");
    r = await runContinuePostLogin(
      action(() => undefined),
      baseInput(),
    );
    expect(r.error?.message).toMatch(/onContinuePostLogin/);
  });
});

describe("loadAction", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "action-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("loads a CommonJS Action fresh on every call", async () => {
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "commonjs" }));
    const file = path.join(dir, "a.js");
    writeFileSync(file, `exports.onExecutePostLogin = async (event, api) => { api.idToken.setCustomClaim("v", 1); };`);
    const first = loadAction(file);
    writeFileSync(file, `exports.onExecutePostLogin = async (event, api) => { api.idToken.setCustomClaim("v", 2); };`);
    const second = loadAction(file);
    expect((await runPostLogin(first, baseInput())).idTokenClaims).toEqual({ v: 1 });
    expect((await runPostLogin(second, baseInput())).idTokenClaims).toEqual({ v: 2 });
  });

  it("refuses a file without onExecutePostLogin", () => {
    const file = path.join(dir, "b.js");
    writeFileSync(file, `exports.something = 1;`);
    expect(() => loadAction(file)).toThrow(/onExecutePostLogin/);
  });

  it("DEFAULT_ACTION_FILE is the project's Action", () => {
    expect(path.isAbsolute(DEFAULT_ACTION_FILE)).toBe(true);
    expect(DEFAULT_ACTION_FILE.endsWith(path.join("auth0", "actions", "id-verification.js"))).toBe(true);
    expect(existsSync(DEFAULT_ACTION_FILE)).toBe(true);
    const loaded = loadAction(DEFAULT_ACTION_FILE);
    expect(typeof loaded.onExecutePostLogin).toBe("function");
    expect(typeof loaded.onContinuePostLogin).toBe("function");
  });
});

describe("event.authorization and the execution limit", () => {
  it("gives the Action the user's role names (none by default)", async () => {
    const seen: unknown[] = [];
    const a = action((e) => void seen.push(e.authorization));
    await runPostLogin(a, baseInput({ roles: ["idv-support"] }));
    await runPostLogin(a, baseInput());
    expect(seen).toEqual([{ roles: ["idv-support"] }, { roles: [] }]);
  });

  it("stops an Action that runs longer than its limit (Auth0: 20 s) with an error", async () => {
    const r = await runPostLogin(
      action(() => new Promise((resolve) => setTimeout(resolve, 1_000))),
      baseInput({ timeLimitMs: 50 }),
    );
    expect(r.error?.message).toMatch(/ran longer than 0.05 s/);
  });
});
