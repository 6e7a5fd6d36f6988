import { describe, expect, it } from "vitest";
import { SignJWT, base64url, decodeJwt, decodeProtectedHeader, generateKeyPair, jwtVerify } from "jose";
import { TokenCheckError, auth0ContinueUrl, signReturnToken, verifyInboundToken, type TokenCheckCode } from "./token";

const SECRET = "a-shared-token-secret-of-reasonable-length-0123456789";
const DOMAIN = "tenant.us.auth0.com";
const NOW = new Date("2025-03-01T12:00:00Z");
const NOW_SEC = Math.floor(NOW.getTime() / 1000);
const STATE = "hKFo2SBzb21lLW9wYXF1ZS1zdGF0ZQ";
const key = new TextEncoder().encode(SECRET);

type Claims = Record<string, unknown>;

function baseClaims(over: Claims = {}): Claims {
  return {
    iss: DOMAIN,
    sub: "auth0|64b7f0c2a1b2c3d4e5f60718",
    iat: NOW_SEC - 10,
    exp: NOW_SEC + 600,
    id: "prs_01HXYZ",
    client_id: "abc123client",
    ...over,
  };
}

async function hs(claims: Claims, alg = "HS256", secret = SECRET): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: "JWT" }).sign(new TextEncoder().encode(secret));
}

function b64json(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

const opts = { secret: SECRET, auth0Domain: DOMAIN, now: NOW };

async function expectCode(p: Promise<unknown>, code: TokenCheckCode): Promise<TokenCheckError> {
  const err = await p.then(
    () => {
      throw new Error(`expected TokenCheckError ${code}, but it passed`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TokenCheckError);
  expect((err as TokenCheckError).code).toBe(code);
  return err as TokenCheckError;
}

describe("verifyInboundToken", () => {
  it("accepts a good token and returns sub, id, clientId, iss, iat, exp, claims", async () => {
    const token = await hs(baseClaims({ ip: "203.0.113.9" }));
    const r = await verifyInboundToken({ token, state: STATE }, opts);
    expect(r.sub).toBe("auth0|64b7f0c2a1b2c3d4e5f60718");
    expect(r.id).toBe("prs_01HXYZ");
    expect(r.clientId).toBe("abc123client");
    expect(r.iss).toBe(DOMAIN);
    expect(r.iat).toBe(NOW_SEC - 10);
    expect(r.exp).toBe(NOW_SEC + 600);
    expect(r.claims["ip"]).toBe("203.0.113.9");
  });

  it("treats id and iss as optional; clientId falls back to clientId then azp", async () => {
    const t1 = await hs(baseClaims({ id: undefined, iss: undefined, client_id: undefined, clientId: "c2" }));
    const r1 = await verifyInboundToken({ token: t1, state: STATE }, opts);
    expect(r1.id).toBeUndefined();
    expect(r1.iss).toBeUndefined();
    expect(r1.clientId).toBe("c2");
    const t2 = await hs(baseClaims({ client_id: undefined, azp: "c3" }));
    expect((await verifyInboundToken({ token: t2, state: STATE }, opts)).clientId).toBe("c3");
  });

  describe("state_missing (checked first)", () => {
    it.each([undefined, null, "", "   "])("state %j", async (state) => {
      const token = await hs(baseClaims());
      await expectCode(verifyInboundToken({ token, state }, opts), "state_missing");
    });
    it("comes before token_missing", async () => {
      await expectCode(verifyInboundToken({}, opts), "state_missing");
    });
  });

  describe("token_missing", () => {
    it.each([undefined, null, ""])("token %j", async (token) => {
      await expectCode(verifyInboundToken({ token, state: STATE }, opts), "token_missing");
    });
  });

  describe("token_malformed", () => {
    it.each([
      "garbage",
      "a.b",
      "a.b.c.d",
      "...",
      "a.b.c",
      "!!!.???.###",
      "eyJhbGciOiJIUzI1NiJ9",
      `${base64url.encode("not json")}.${b64json({ sub: "x" })}.sig`,
      `${base64url.encode("[1,2]")}.${b64json({ sub: "x" })}.sig`,
      `${b64json({ alg: "HS256" })}.${b64json({ sub: "x" })}.sig with spaces`,
      "x".repeat(20000),
    ])("rejects %s", async (token) => {
      await expectCode(verifyInboundToken({ token: token.slice(0, 20000), state: STATE }, opts), "token_malformed");
    });

    it("rejects a correctly signed token whose payload is not a JSON object", async () => {
      const { CompactSign } = await import("jose");
      const token = await new CompactSign(new TextEncoder().encode("[1,2,3]")).setProtectedHeader({ alg: "HS256" }).sign(key);
      await expectCode(verifyInboundToken({ token, state: STATE }, opts), "token_malformed");
    });
  });

  describe("token_alg_not_allowed", () => {
    it("alg none (hand-crafted, empty signature)", async () => {
      const token = `${b64json({ alg: "none", typ: "JWT" })}.${b64json(baseClaims())}.`;
      await expectCode(verifyInboundToken({ token, state: STATE }, opts), "token_alg_not_allowed");
    });
    it.each(["None", "NONE", "hs256", "HS256 ", ""])("alg %j", async (alg) => {
      const token = `${b64json({ alg })}.${b64json(baseClaims())}.AAAA`;
      await expectCode(verifyInboundToken({ token, state: STATE }, opts), "token_alg_not_allowed");
    });
    it("no alg at all", async () => {
      const token = `${b64json({ typ: "JWT" })}.${b64json(baseClaims())}.AAAA`;
      await expectCode(verifyInboundToken({ token, state: STATE }, opts), "token_alg_not_allowed");
    });
    it("HS512 with the right secret", async () => {
      const token = await hs(baseClaims(), "HS512");
      await expectCode(verifyInboundToken({ token, state: STATE }, opts), "token_alg_not_allowed");
    });
    it("HS384 with the right secret", async () => {
      const token = await hs(baseClaims(), "HS384");
      await expectCode(verifyInboundToken({ token, state: STATE }, opts), "token_alg_not_allowed");
    });
    it("RS256", async () => {
      const { privateKey } = await generateKeyPair("RS256");
      const token = await new SignJWT(baseClaims()).setProtectedHeader({ alg: "RS256" }).sign(privateKey);
      await expectCode(verifyInboundToken({ token, state: STATE }, opts), "token_alg_not_allowed");
    });
  });

  describe("token_signature_invalid", () => {
    it("wrong secret", async () => {
      const token = await hs(baseClaims(), "HS256", "another-secret");
      await expectCode(verifyInboundToken({ token, state: STATE }, opts), "token_signature_invalid");
    });
    it("tampered payload (different sub, original signature)", async () => {
      const token = await hs(baseClaims());
      const [h, , s] = token.split(".");
      const forged = `${h}.${b64json(baseClaims({ sub: "auth0|someone-else" }))}.${s}`;
      await expectCode(verifyInboundToken({ token: forged, state: STATE }, opts), "token_signature_invalid");
    });
    it("tampered payload with a longer exp", async () => {
      const token = await hs(baseClaims({ exp: NOW_SEC - 3600 }));
      const [h, , s] = token.split(".");
      const forged = `${h}.${b64json(baseClaims({ exp: NOW_SEC + 3600 }))}.${s}`;
      await expectCode(verifyInboundToken({ token: forged, state: STATE }, opts), "token_signature_invalid");
    });
    it("stripped or altered signature", async () => {
      const token = await hs(baseClaims());
      const [h, p, s = ""] = token.split(".");
      await expectCode(verifyInboundToken({ token: `${h}.${p}.`, state: STATE }, opts), "token_signature_invalid");
      const flipped = (s[0] === "A" ? "B" : "A") + s.slice(1);
      await expectCode(verifyInboundToken({ token: `${h}.${p}.${flipped}`, state: STATE }, opts), "token_signature_invalid");
    });
    it("signature is checked before exp / sub / iss", async () => {
      const token = await hs({ exp: NOW_SEC - 9999, iss: "evil.example" }, "HS256", "wrong");
      await expectCode(verifyInboundToken({ token, state: STATE }, opts), "token_signature_invalid");
    });
  });

  describe("token_expired", () => {
    it("expired beyond the 60 s tolerance", async () => {
      const token = await hs(baseClaims({ exp: NOW_SEC - 61 }));
      await expectCode(verifyInboundToken({ token, state: STATE }, opts), "token_expired");
    });
    it("expired long ago", async () => {
      const token = await hs(baseClaims({ exp: NOW_SEC - 3600 }));
      await expectCode(verifyInboundToken({ token, state: STATE }, opts), "token_expired");
    });
    it("expired within the skew passes", async () => {
      const token = await hs(baseClaims({ exp: NOW_SEC - 30 }));
      await expect(verifyInboundToken({ token, state: STATE }, opts)).resolves.toMatchObject({ exp: NOW_SEC - 30 });
    });
    it("honours a smaller clockToleranceSec", async () => {
      const token = await hs(baseClaims({ exp: NOW_SEC - 30 }));
      await expectCode(verifyInboundToken({ token, state: STATE }, { ...opts, clockToleranceSec: 0 }), "token_expired");
    });
    it("refuses a tolerance above 60 s as configuration error", async () => {
      const token = await hs(baseClaims());
      await expect(verifyInboundToken({ token, state: STATE }, { ...opts, clockToleranceSec: 300 })).rejects.toThrow(TypeError);
    });
    it("missing exp", async () => {
      const token = await hs(baseClaims({ exp: undefined }));
      await expectCode(verifyInboundToken({ token, state: STATE }, opts), "token_expired");
    });
    it("non-numeric exp", async () => {
      const token = await hs(baseClaims({ exp: String(NOW_SEC + 600) }));
      await expectCode(verifyInboundToken({ token, state: STATE }, opts), "token_expired");
    });
    it("nbf in the future", async () => {
      const token = await hs(baseClaims({ nbf: NOW_SEC + 600 }));
      await expectCode(verifyInboundToken({ token, state: STATE }, opts), "token_expired");
    });
  });

  describe("token_sub_missing", () => {
    it.each([undefined, "", "  ", 42, null])("sub %j", async (sub) => {
      const token = await hs(baseClaims({ sub }));
      await expectCode(verifyInboundToken({ token, state: STATE }, opts), "token_sub_missing");
    });
  });

  describe("token_iss_mismatch", () => {
    it.each([
      "other-tenant.us.auth0.com",
      "https://other-tenant.us.auth0.com/",
      "http://tenant.us.auth0.com/",
      "https://tenant.us.auth0.com/evil",
      "https://tenant.us.auth0.com.evil.example",
      "https://evil.example/?tenant.us.auth0.com",
      "https://tenant.us.auth0.com@evil.example",
      "https://tenant.us.auth0.com:8443",
      " tenant.us.auth0.com",
      "",
    ])("iss %j", async (iss) => {
      const token = await hs(baseClaims({ iss }));
      await expectCode(verifyInboundToken({ token, state: STATE }, opts), "token_iss_mismatch");
    });
    it("non-string iss", async () => {
      const token = await hs(baseClaims({ iss: 1 }));
      await expectCode(verifyInboundToken({ token, state: STATE }, opts), "token_iss_mismatch");
    });

    it.each([DOMAIN, `https://${DOMAIN}`, `https://${DOMAIN}/`, "TENANT.us.auth0.com", `https://${DOMAIN}:443/`])(
      "accepts iss %j",
      async (iss) => {
        const token = await hs(baseClaims({ iss }));
        await expect(verifyInboundToken({ token, state: STATE }, opts)).resolves.toMatchObject({ iss });
      },
    );

    it.each([DOMAIN, `https://${DOMAIN}`, `https://${DOMAIN}/`])("configured as %j", async (auth0Domain) => {
      for (const iss of [DOMAIN, `https://${DOMAIN}`, `https://${DOMAIN}/`]) {
        const token = await hs(baseClaims({ iss }));
        await expect(verifyInboundToken({ token, state: STATE }, { ...opts, auth0Domain })).resolves.toBeTruthy();
      }
    });

    it("local stand-in with scheme and port compares scheme, host and port", async () => {
      const local = { ...opts, auth0Domain: "http://127.0.0.1:4000" };
      for (const iss of ["127.0.0.1:4000", "http://127.0.0.1:4000", "http://127.0.0.1:4000/"]) {
        const token = await hs(baseClaims({ iss }));
        await expect(verifyInboundToken({ token, state: STATE }, local)).resolves.toBeTruthy();
      }
      for (const iss of ["127.0.0.1", "http://127.0.0.1:4001", "https://127.0.0.1:4000", "http://localhost:4000"]) {
        const token = await hs(baseClaims({ iss }));
        await expectCode(verifyInboundToken({ token, state: STATE }, local), "token_iss_mismatch");
      }
    });
  });

  it("error messages never contain the token, the state or claim values", async () => {
    const secretish = "auth0|PII-SHOULD-NOT-LEAK";
    const tokens = [
      await hs(baseClaims({ sub: secretish, exp: NOW_SEC - 999 })),
      await hs(baseClaims({ sub: secretish, iss: "leak.example" })),
      await hs(baseClaims({ sub: secretish }), "HS256", "x"),
      await hs(baseClaims({ sub: secretish }), "HS512"),
      "leak-garbage",
    ];
    for (const token of tokens) {
      const err = (await verifyInboundToken({ token, state: STATE }, opts).catch((e: unknown) => e)) as TokenCheckError;
      expect(err).toBeInstanceOf(TokenCheckError);
      expect(err.message).not.toContain("PII");
      expect(err.message).not.toContain("leak");
      expect(err.message).not.toContain(STATE);
      expect(err.cause).toBeUndefined();
    }
  });

  it("configuration errors are not token errors", async () => {
    const token = await hs(baseClaims());
    await expect(verifyInboundToken({ token, state: STATE }, { ...opts, secret: "" })).rejects.toThrow(TypeError);
    await expect(verifyInboundToken({ token, state: STATE }, { ...opts, auth0Domain: "" })).rejects.toThrow(TypeError);
    await expect(verifyInboundToken({ token, state: STATE }, { ...opts, auth0Domain: "https://x.example/path" })).rejects.toThrow(
      TypeError,
    );
  });
});

describe("signReturnToken", () => {
  const CHECKED_AT = new Date("2025-03-01T11:58:20.750Z");
  const ISSUER = "https://idv.example.com";

  it("produces an HS256 token with the contract claims", async () => {
    const token = await signReturnToken(
      { state: STATE, sub: "prs_01HXYZ", status: "success", checkedAt: CHECKED_AT },
      { secret: SECRET, issuer: ISSUER, now: NOW },
    );
    expect(decodeProtectedHeader(token)).toEqual({ alg: "HS256", typ: "JWT" });
    const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"], currentDate: NOW });
    expect(payload).toEqual({
      state: STATE,
      sub: "prs_01HXYZ",
      status: "success",
      iss: ISSUER,
      iat: Math.floor(CHECKED_AT.getTime() / 1000),
      exp: NOW_SEC + 300,
    });
  });

  it("iat is the check time, not now; exp is now + lifetime", async () => {
    const oldCheck = new Date(NOW.getTime() - 86_400_000 * 30);
    const token = await signReturnToken(
      { state: STATE, sub: "p", status: "success", checkedAt: oldCheck },
      { secret: SECRET, issuer: ISSUER, now: NOW, lifetimeSec: 120 },
    );
    const c = decodeJwt(token);
    expect(c.iat).toBe(Math.floor(oldCheck.getTime() / 1000));
    expect(c.exp).toBe(NOW_SEC + 120);
  });

  it("uses the real clock when now is omitted (exp ~ now + 300)", async () => {
    const before = Math.floor(Date.now() / 1000);
    const token = await signReturnToken(
      { state: STATE, sub: "p", status: "failed", checkedAt: new Date() },
      { secret: SECRET, issuer: ISSUER },
    );
    const after = Math.floor(Date.now() / 1000);
    const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"] });
    expect(payload.exp).toBeGreaterThanOrEqual(before + 300);
    expect(payload.exp).toBeLessThanOrEqual(after + 300);
    expect(payload.status).toBe("failed");
  });

  it("keeps the state byte for byte", async () => {
    const weird = "a+b/c=d&e?f g%20ü";
    const token = await signReturnToken(
      { state: weird, sub: "p", status: "success", checkedAt: CHECKED_AT },
      { secret: SECRET, issuer: ISSUER, now: NOW },
    );
    expect(decodeJwt(token).state).toBe(weird);
  });

  it("adds extra claims but extra cannot override the fixed ones", async () => {
    const token = await signReturnToken(
      {
        state: STATE,
        sub: "prs_1",
        status: "failed",
        checkedAt: CHECKED_AT,
        extra: {
          state: "attacker-state",
          sub: "other",
          status: "success",
          iat: 1,
          exp: 9_999_999_999,
          iss: "https://evil.example",
          groups: ["military"],
          uuid: "d733a89e",
        },
      },
      { secret: SECRET, issuer: ISSUER, now: NOW },
    );
    const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"], currentDate: NOW });
    expect(payload.state).toBe(STATE);
    expect(payload.sub).toBe("prs_1");
    expect(payload.status).toBe("failed");
    expect(payload.iat).toBe(Math.floor(CHECKED_AT.getTime() / 1000));
    expect(payload.exp).toBe(NOW_SEC + 300);
    expect(payload.iss).toBe(ISSUER);
    expect(payload["groups"]).toEqual(["military"]);
    expect(payload["uuid"]).toBe("d733a89e");
  });

  it("refuses bad input", async () => {
    const good = { state: STATE, sub: "p", status: "success", checkedAt: CHECKED_AT };
    const o = { secret: SECRET, issuer: ISSUER, now: NOW };
    await expect(signReturnToken({ ...good, state: "" }, o)).rejects.toMatchObject({ code: "state_missing" });
    await expect(signReturnToken({ ...good, sub: "" }, o)).rejects.toThrow(TypeError);
    // Without a known person the token simply has no sub.
    const { sub: _omit, ...noSub } = good;
    const anonymous = decodeJwt(await signReturnToken(noSub, o));
    expect(anonymous.sub).toBeUndefined();
    await expect(signReturnToken({ ...good, status: "" }, o)).rejects.toThrow(TypeError);
    await expect(signReturnToken({ ...good, checkedAt: new Date("nope") }, o)).rejects.toThrow(TypeError);
    await expect(signReturnToken({ ...good, checkedAt: new Date(NOW.getTime() + 3_600_000) }, o)).rejects.toThrow(RangeError);
    await expect(signReturnToken(good, { ...o, secret: "" })).rejects.toThrow(TypeError);
    await expect(signReturnToken(good, { ...o, lifetimeSec: 0 })).rejects.toThrow(RangeError);
    await expect(signReturnToken(good, { ...o, lifetimeSec: 86_400 })).rejects.toThrow(RangeError);
  });

  it("a return token does not pass as an inbound token with another secret", async () => {
    const token = await signReturnToken(
      { state: STATE, sub: "p", status: "success", checkedAt: CHECKED_AT },
      { secret: SECRET, issuer: ISSUER, now: NOW },
    );
    await expectCode(verifyInboundToken({ token, state: STATE }, { ...opts, secret: "other" }), "token_signature_invalid");
  });
});

describe("auth0ContinueUrl", () => {
  it("builds https://<domain>/continue with the state url-encoded", () => {
    expect(auth0ContinueUrl(DOMAIN, "a b&c=d/e+f")).toBe(`https://${DOMAIN}/continue?state=${encodeURIComponent("a b&c=d/e+f")}`);
    expect(new URL(auth0ContinueUrl(DOMAIN, "a b&c=d/e+f")).searchParams.get("state")).toBe("a b&c=d/e+f");
  });
  it("accepts https:// and a trailing slash in the configured domain", () => {
    expect(auth0ContinueUrl(`https://${DOMAIN}/`, "s")).toBe(`https://${DOMAIN}/continue?state=s`);
    expect(auth0ContinueUrl("login.example.com", "s")).toBe("https://login.example.com/continue?state=s");
  });
  it("keeps a configured scheme and port for a local stand-in", () => {
    expect(auth0ContinueUrl("http://127.0.0.1:4000", "s")).toBe("http://127.0.0.1:4000/continue?state=s");
    expect(auth0ContinueUrl("http://127.0.0.1:4000/", "s")).toBe("http://127.0.0.1:4000/continue?state=s");
  });
  it("refuses a domain with a path, query or other scheme, and an empty state", () => {
    expect(() => auth0ContinueUrl("https://x.example/evil", "s")).toThrow(TypeError);
    expect(() => auth0ContinueUrl("https://x.example?y", "s")).toThrow(TypeError);
    expect(() => auth0ContinueUrl("javascript://x.example", "s")).toThrow(TypeError);
    expect(() => auth0ContinueUrl("", "s")).toThrow(TypeError);
    expect(() => auth0ContinueUrl(DOMAIN, "")).toThrow(TokenCheckError);
  });
});
