import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import * as oidc from "openid-client";
import { CookieJar, browserGet, browserPost, locationOf } from "../../../sandbox/harness/browser";
import { IAL2, startOidcStandin, TRUST_FRAMEWORK, type OidcStandin, type OidcStandinClient } from "../../../sandbox/oidc/server";
import { FlowError } from "../../flow/states";
import type { ProviderConnection } from "../types";
import { oidcConfigSchema, type OidcConfig } from "./config";
import { oidcProvider } from "./index";
import { generateClientKey, publicJwk } from "./keys";

/**
 * The configurable OpenID Connect provider against the generic stand-in, as two
 * real services would be set up: a government-style one whose proofing level is the
 * ID token's acr, and an OpenID Connect for Identity Assurance one (verified_claims
 * under a trust framework). Each with another client authentication, including
 * private_key_jwt with a key made as the portal makes it.
 */

const REDIRECT_URI = "http://127.0.0.1:9/id-verification/callback"; // never fetched

function checksFor() {
  return { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier(), scopes: [] as string[] };
}

async function flowError(p: Promise<unknown>): Promise<FlowError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FlowError);
  return err as FlowError;
}

/** The person at the stand-in: open the authorization URL, pick a persona, come back with the callback URL. */
async function signIn(authUrl: URL, persona: string): Promise<URL> {
  const jar = new CookieJar();
  let loc = locationOf(await browserGet(authUrl, jar), authUrl);
  if (loc.origin !== authUrl.origin) return loc;
  const page = await browserGet(loc, jar);
  expect(page.status).toBe(200);
  loc = locationOf(await browserPost(loc, { persona }, jar), loc);
  while (loc.origin === authUrl.origin) loc = locationOf(await browserGet(loc, jar), loc);
  return loc;
}

async function login(conn: ProviderConnection, persona: string) {
  const checks = checksFor();
  const url = await oidcProvider.authorizationUrl(conn, { redirectUri: REDIRECT_URI, ...checks });
  const callback = await signIn(url, persona);
  return { url, run: () => oidcProvider.complete(conn, callback, checks) };
}

const acrConfig = (over: Partial<OidcConfig> = {}) =>
  oidcConfigSchema.parse({
    displayName: "Login.example.gov",
    auth: "client_secret_basic",
    scopes: ["openid", "profile", "email", "address"],
    acrValues: IAL2,
    verified: { kind: "acr", acr: IAL2 },
    ...over,
  });

const idaConfig = (over: Partial<OidcConfig> = {}) =>
  oidcConfigSchema.parse({
    displayName: "Verified ID",
    auth: "client_secret_post",
    scopes: ["openid", "email"],
    claims: JSON.stringify({
      userinfo: {
        verified_claims: { verification: { trust_framework: null }, claims: { given_name: null, family_name: null, birthdate: null } },
      },
    }),
    verified: { kind: "verified_claims", trustFrameworks: [TRUST_FRAMEWORK] },
    ...over,
  });

describe("an IAL2-by-acr provider (client_secret_basic)", () => {
  let standin: OidcStandin;
  let conn: ProviderConnection;
  beforeAll(async () => {
    standin = await startOidcStandin({
      kind: "acr",
      clients: [
        {
          client_id: "gov-client",
          client_secret: "gov-secret",
          redirect_uris: [REDIRECT_URI],
          token_endpoint_auth_method: "client_secret_basic",
        },
      ],
    });
    conn = { baseUrl: standin.issuer, clientId: "gov-client", clientSecret: "gov-secret", timeoutMs: 5000, config: acrConfig() };
  });
  afterAll(() => standin?.close());

  it("asks for the acr and scopes set up, and an IAL2 person is verified with the mapped attributes", async () => {
    const { url, run } = await login(conn, "ial2");
    expect(url.searchParams.get("acr_values")).toBe(IAL2);
    expect(url.searchParams.get("scope")).toBe("openid profile email address");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    const answer = await run();
    expect(answer).toMatchObject({
      uuid: "oidc-acr-ial2",
      identityVerified: true,
      normalized: {
        givenName: "Renée",
        familyName: "O'Connor-Lopez",
        email: "renee@example.test",
        birthDate: "1979-05-14",
        city: "Portland",
        zip: "97201",
      },
    });
    expect(answer.idTokenClaims?.acr).toBe(IAL2);
    expect(standin.tokenRequests.at(-1)).toEqual({ clientId: "gov-client", auth: "client_secret_basic" });
  });

  it("acr too low: the answer is not verified, and says why without personal data", async () => {
    const answer = await (await login(conn, "ial1")).run();
    expect(answer.identityVerified).toBe(false);
    expect(answer.style).toContain("ial/1");
    expect(answer.style).not.toContain("Renée");
  });

  it("the person cancels: provider_access_denied", async () => {
    expect((await flowError((await login(conn, "declines")).run())).code).toBe("provider_access_denied");
  });

  it("health check: discovery reachable", async () => {
    expect(await oidcProvider.check(conn)).toContain(standin.issuer);
  });
});

describe("a verified_claims provider (client_secret_post, claims request)", () => {
  let standin: OidcStandin;
  let conn: ProviderConnection;
  beforeAll(async () => {
    standin = await startOidcStandin({
      kind: "verified_claims",
      clients: [
        {
          client_id: "ida-client",
          client_secret: "ida-secret",
          redirect_uris: [REDIRECT_URI],
          token_endpoint_auth_method: "client_secret_post",
        },
      ],
    });
    conn = { baseUrl: standin.issuer, clientId: "ida-client", clientSecret: "ida-secret", timeoutMs: 5000, config: idaConfig() };
  });
  afterAll(() => standin?.close());

  it("verified under an accepted trust framework: verified, attributes from the verified claims", async () => {
    const { url, run } = await login(conn, "verified");
    expect(JSON.parse(url.searchParams.get("claims")!)).toHaveProperty("userinfo.verified_claims");
    const answer = await run();
    expect(answer).toMatchObject({
      identityVerified: true,
      normalized: { givenName: "Renée", familyName: "O'Connor-Lopez", birthDate: "1979-05-14" },
    });
    // Only what was verified is kept: the email is not among the verified claims.
    expect(answer.normalized.email).toBeUndefined();
    expect(standin.tokenRequests.at(-1)).toEqual({ clientId: "ida-client", auth: "client_secret_post" });
  });

  it("verified under a trust framework that is not accepted: not verified", async () => {
    const answer = await (await login(conn, "other-framework")).run();
    expect(answer.identityVerified).toBe(false);
    expect(answer.style).toContain("eidas");
  });

  it("no verified_claims at all: not verified", async () => {
    expect((await (await login(conn, "unverified")).run()).identityVerified).toBe(false);
  });

  it("a claim-equals rule reads the claim set up", async () => {
    const byClaim = {
      ...conn,
      config: idaConfig({ verified: { kind: "claim", claim: "verified_claims.verification.trust_framework", value: TRUST_FRAMEWORK } }),
    };
    expect((await (await login(byClaim, "verified")).run()).identityVerified).toBe(true);
    expect((await (await login(byClaim, "other-framework")).run()).identityVerified).toBe(false);
  });
});

describe("private_key_jwt with the portal's own key", () => {
  let standin: OidcStandin;
  let jwksServer: http.Server;
  let published: object = { keys: [] };
  let conn: ProviderConnection;
  beforeAll(async () => {
    // Where the portal publishes its public key (/id-verification/jwks), played by a small server.
    jwksServer = http.createServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(published));
    });
    await new Promise<void>((r) => jwksServer.listen(0, "127.0.0.1", r));
    const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/id-verification/jwks`;
    const key = await generateClientKey();
    published = { keys: [publicJwk(key)] };
    const client: OidcStandinClient = {
      client_id: "pkj-client",
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: "private_key_jwt",
      jwks_uri: jwksUri,
    };
    standin = await startOidcStandin({ kind: "acr", clients: [client] });
    conn = {
      baseUrl: standin.issuer,
      clientId: "pkj-client",
      clientSecret: "",
      privateJwk: key,
      timeoutMs: 5000,
      config: acrConfig({ auth: "private_key_jwt" }),
    };
  });
  afterAll(async () => {
    await standin?.close();
    await new Promise<void>((r) => jwksServer.close(() => r()));
  });

  it("the token request is authenticated with a JWT signed by the portal's key, and nothing else", async () => {
    expect(publicJwk(conn.privateJwk!)).not.toHaveProperty("d");
    const answer = await (await login(conn, "ial2")).run();
    expect(answer.identityVerified).toBe(true);
    expect(standin.tokenRequests.at(-1)).toEqual({ clientId: "pkj-client", auth: "private_key_jwt" });
  });

  it("a key the provider does not know (not published): token_exchange_rejected", async () => {
    const other = { ...conn, privateJwk: await generateClientKey() };
    expect((await flowError((await login(other, "ial2")).run())).code).toBe("token_exchange_rejected");
  });
});
