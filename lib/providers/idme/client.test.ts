import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { exchangeCode } from "./client";
import { FlowError } from "../../flow/states";

/**
 * The ID token from ID.me is checked for real: signature against the JWKS of
 * discovery (RS256), issuer, audience, expiry and nonce. A fake provider
 * publishes key A and signs with key B, or gets a claim wrong.
 */

let server: Server;
let base: string;
let idToken = "";

beforeAll(async () => {
  const published = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(published.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", base);
    res.setHeader("content-type", "application/json");
    if (url.pathname === "/oidc/.well-known/openid-configuration") {
      res.end(
        JSON.stringify({
          issuer: `${base}/oidc`,
          authorization_endpoint: `${base}/oauth/authorize`,
          token_endpoint: `${base}/oauth/token`,
          jwks_uri: `${base}/oidc/jwks`,
          userinfo_endpoint: `${base}/api/public/v3/userinfo`,
          id_token_signing_alg_values_supported: ["RS256"],
        }),
      );
    } else if (url.pathname === "/oidc/jwks") {
      res.end(JSON.stringify({ keys: [jwk] }));
    } else if (url.pathname === "/oauth/token") {
      res.end(JSON.stringify({ access_token: "at", token_type: "bearer", expires_in: "300", id_token: idToken }));
    } else {
      res.statusCode = 404;
      res.end("{}");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  (globalThis as { __keys?: unknown }).__keys = published;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function token(over: { key?: CryptoKey; iss?: string; aud?: string; nonce?: string; exp?: number } = {}) {
  const keys = (globalThis as unknown as { __keys: { privateKey: CryptoKey } }).__keys;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ nonce: over.nonce ?? "n-1" })
    .setProtectedHeader({ alg: "RS256", kid: "k1" })
    .setIssuer(over.iss ?? `${base}/oidc`)
    .setAudience(over.aud ?? "client-1")
    .setSubject("uuid-1")
    .setIssuedAt(now)
    .setExpirationTime(over.exp ?? now + 300)
    .sign(over.key ?? keys.privateKey);
}

async function exchange(clientId = "client-1") {
  return exchangeCode(
    { baseUrl: base, clientId, clientSecret: `secret-${clientId}`, timeoutMs: 2000 },
    new URL(`https://portal.example/id-verification/callback?code=c&state=s-1`),
    { state: "s-1", nonce: "n-1", codeVerifier: "v".repeat(43), openid: true },
  );
}

describe("ID.me ID token checks", () => {
  it("a token signed with the published key passes", async () => {
    idToken = await token();
    const { idTokenClaims } = await exchange();
    expect(idTokenClaims?.sub).toBe("uuid-1");
  });

  it("a token signed with another key is refused (id_token_invalid)", async () => {
    const other = await generateKeyPair("RS256");
    idToken = await token({ key: other.privateKey, aud: "client-2" });
    await expect(exchange("client-2")).rejects.toMatchObject({ code: "id_token_invalid" });
  });

  it("a wrong nonce, audience, issuer or an expired token is refused", async () => {
    for (const [i, over] of [
      { nonce: "other" },
      { aud: "someone-else" },
      { iss: "https://evil.example/oidc" },
      { exp: Math.floor(Date.now() / 1000) - 600 },
    ].entries()) {
      idToken = await token({ aud: `client-x${i}`, ...over });
      const err = await exchange(`client-x${i}`).catch((e: unknown) => e);
      expect(err, JSON.stringify(over)).toBeInstanceOf(FlowError);
      expect((err as FlowError).code, JSON.stringify(over)).toBe("id_token_invalid");
    }
  });
});
