import { describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { TokenCheckError, normalizeAddress, tokenFingerprint, verifyInboundToken, type TokenCheckCode } from "./token";

/**
 * The inbound token's bindings (issue 9): its purpose, the state it names, the
 * browser's address (optional) and one use. Checked after the signature, in
 * that order, each with its own code; messages carry no claim values.
 */

const SECRET = "a-shared-token-secret-of-reasonable-length-0123456789";
const DOMAIN = "tenant.us.auth0.com";
const NOW = new Date("2025-03-01T12:00:00Z");
const NOW_SEC = Math.floor(NOW.getTime() / 1000);
const STATE = "hKFo2SBzb21lLW9wYXF1ZS1zdGF0ZQ";
const SUB = "auth0|64b7f0c2a1b2c3d4e5f60718";
const opts = { secret: SECRET, auth0Domain: DOMAIN, now: NOW };

const hs = (claims: Record<string, unknown>) =>
  new SignJWT({ iss: DOMAIN, sub: SUB, iat: NOW_SEC - 5, exp: NOW_SEC + 600, ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(SECRET));

async function code(p: Promise<unknown>): Promise<TokenCheckCode | "passed"> {
  try {
    await p;
    return "passed";
  } catch (err) {
    expect(err).toBeInstanceOf(TokenCheckError);
    return (err as TokenCheckError).code;
  }
}

/** An in-memory claimOnce, as lib/flow/binding.ts does with a table. */
function registry() {
  const used = new Set<string>();
  return { used, claimOnce: async (f: string) => (used.has(f) ? false : (used.add(f), true)) };
}

describe("the token's purpose", () => {
  it("the login endpoint accepts purpose verify or none (the Marketplace Action sends none)", async () => {
    expect(await code(verifyInboundToken({ token: await hs({ purpose: "verify" }), state: STATE }, { ...opts, purpose: "verify" }))).toBe(
      "passed",
    );
    expect(await code(verifyInboundToken({ token: await hs({ id: "prs_1" }), state: STATE }, { ...opts, purpose: "verify" }))).toBe(
      "passed",
    );
  });

  it("a status token, or any other purpose, is refused at the login endpoint", async () => {
    for (const purpose of ["status", "Verify", "", 1, null, ["verify"]]) {
      expect(
        await code(verifyInboundToken({ token: await hs({ purpose }), state: STATE }, { ...opts, purpose: "verify" })),
        String(purpose),
      ).toBe("token_purpose_invalid");
    }
  });

  it("the status endpoint accepts only purpose status", async () => {
    const status = { ...opts, purpose: "status" as const, requireState: false };
    expect(await code(verifyInboundToken({ token: await hs({ purpose: "status" }) }, status))).toBe("passed");
    expect(await code(verifyInboundToken({ token: await hs({}) }, status))).toBe("token_purpose_invalid");
    expect(await code(verifyInboundToken({ token: await hs({ purpose: "verify" }) }, status))).toBe("token_purpose_invalid");
  });

  it("is checked only after the signature: a forged purpose is a signature failure", async () => {
    const good = await hs({ purpose: "status" });
    const [h, , s] = good.split(".");
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: SUB, exp: NOW_SEC + 60, purpose: "verify" })).toString("base64url")}.${s}`;
    expect(await code(verifyInboundToken({ token: forged, state: STATE }, { ...opts, purpose: "verify" }))).toBe("token_signature_invalid");
  });
});

describe("a state claim", () => {
  it("must equal the query's state (A's token cannot carry B's state)", async () => {
    expect(await code(verifyInboundToken({ token: await hs({ state: STATE }), state: STATE }, opts))).toBe("passed");
    expect(await code(verifyInboundToken({ token: await hs({ state: "state-of-login-A" }), state: STATE }, opts))).toBe(
      "token_state_mismatch",
    );
    expect(await code(verifyInboundToken({ token: await hs({ state: 42 }), state: "42" }, opts))).toBe("token_state_mismatch");
  });
});

describe("the browser's address (IDV_BIND_IP)", () => {
  it("passes when the ip claim names the client address, in any spelling of it", async () => {
    for (const [ip, client] of [
      ["203.0.113.9", "203.0.113.9"],
      ["203.0.113.9", "::ffff:203.0.113.9"],
      ["2001:db8::1", "2001:DB8:0:0:0:0:0:1"],
    ]) {
      expect(
        await code(verifyInboundToken({ token: await hs({ ip }), state: STATE }, { ...opts, clientAddress: client })),
        `${ip} ${client}`,
      ).toBe("passed");
    }
  });

  it("refuses another address, a missing ip claim, and an unknown client address", async () => {
    const withIp = await hs({ ip: "203.0.113.9" });
    expect(await code(verifyInboundToken({ token: withIp, state: STATE }, { ...opts, clientAddress: "198.51.100.7" }))).toBe(
      "token_ip_mismatch",
    );
    expect(await code(verifyInboundToken({ token: await hs({}), state: STATE }, { ...opts, clientAddress: "203.0.113.9" }))).toBe(
      "token_ip_mismatch",
    );
    expect(await code(verifyInboundToken({ token: withIp, state: STATE }, { ...opts, clientAddress: "" }))).toBe("token_ip_mismatch");
    // Not asked: the ip claim is not compared.
    expect(await code(verifyInboundToken({ token: withIp, state: STATE }, opts))).toBe("passed");
  });

  it("normalizes addresses", () => {
    expect(normalizeAddress("::ffff:7f00:1")).toBe("127.0.0.1");
    expect(normalizeAddress("[2001:db8::1]")).toBe("2001:db8::1");
    expect(normalizeAddress("fe80::1%eth0")).toBe("fe80::1");
    expect(normalizeAddress("example.com")).toBeUndefined();
  });
});

describe("one use", () => {
  it("a second arrival of the same token is token_reused, and names the user (not in the message)", async () => {
    const r = registry();
    const token = await hs({});
    expect(await code(verifyInboundToken({ token, state: STATE }, { ...opts, claimOnce: r.claimOnce }))).toBe("passed");
    const err = await verifyInboundToken({ token, state: STATE }, { ...opts, claimOnce: r.claimOnce }).catch((e: unknown) => e);
    expect((err as TokenCheckError).code).toBe("token_reused");
    expect((err as TokenCheckError).sub).toBe(SUB);
    expect((err as TokenCheckError).message).not.toContain(SUB);
    // With another state too: the token, not the pair, is used once.
    expect(await code(verifyInboundToken({ token, state: "another" }, { ...opts, claimOnce: r.claimOnce }))).toBe("token_reused");
  });

  it("re-spelling the signature's base64url (unused low bits) does not make a new token", async () => {
    const r = registry();
    const token = await hs({});
    const last = token.at(-1)!;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const i = alphabet.indexOf(last);
    const twin = token.slice(0, -1) + alphabet[i ^ 1];
    expect(await code(verifyInboundToken({ token, state: STATE }, { ...opts, claimOnce: r.claimOnce }))).toBe("passed");
    // The twin verifies (same signature bytes) but is the same token.
    expect(await code(verifyInboundToken({ token: twin, state: STATE }, opts))).toBe("passed");
    expect(tokenFingerprint(twin)).toBe(tokenFingerprint(token));
    expect(await code(verifyInboundToken({ token: twin, state: STATE }, { ...opts, claimOnce: r.claimOnce }))).toBe("token_reused");
  });

  it("a token refused for another reason is not spent", async () => {
    const r = registry();
    const token = await hs({ ip: "203.0.113.9" });
    expect(
      await code(verifyInboundToken({ token, state: STATE }, { ...opts, clientAddress: "198.51.100.7", claimOnce: r.claimOnce })),
    ).toBe("token_ip_mismatch");
    expect(r.used.size).toBe(0);
    expect(await code(verifyInboundToken({ token, state: STATE }, { ...opts, clientAddress: "203.0.113.9", claimOnce: r.claimOnce }))).toBe(
      "passed",
    );
  });

  it("messages of the binding checks carry no claim values", async () => {
    const r = registry();
    const token = await hs({ purpose: "status-xyz", state: "state-claim-xyz", ip: "203.0.113.99" });
    const messages: string[] = [];
    for (const o of [{ ...opts, purpose: "verify" as const }, { ...opts }, { ...opts, clientAddress: "198.51.100.7" }]) {
      const err = await verifyInboundToken({ token, state: STATE }, o).catch((e: unknown) => e as Error);
      messages.push((err as Error).message);
    }
    const ok = await hs({});
    await verifyInboundToken({ token: ok, state: STATE }, { ...opts, claimOnce: r.claimOnce });
    messages.push(
      ((await verifyInboundToken({ token: ok, state: STATE }, { ...opts, claimOnce: r.claimOnce }).catch((e: unknown) => e)) as Error)
        .message,
    );
    for (const m of messages)
      for (const value of ["status-xyz", "state-claim-xyz", "203.0.113.99", "198.51.100.7", SUB, STATE]) expect(m).not.toContain(value);
  });
});
