import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as jose from "jose";
import { startIdpartnerStandin, type IdpartnerStandin } from "../../../sandbox/idpartner/server";
import { chooseBankAtSelector, signInAtBank } from "../../../sandbox/idpartner/browser";
import { FlowError } from "../../flow/states";
import { generateClientKey, publicJwk } from "../oidc/keys";
import type { ProviderConnection } from "../types";
import { idpartner } from "./index";
import { VERIFIED_RULE } from "./verified";

/**
 * IDPartner's relying-party protocol against the stand-in: the account selector, then a
 * bank (its own OpenID provider) with PAR, request objects, JARM and each client
 * authentication; and every way it must fail, each with its own failure code.
 */

const REDIRECT = "http://127.0.0.1:1/id-verification/callback";
const SECRET = "rp-test-secret";
let standin: IdpartnerStandin;
let jwksServer: http.Server;
let portalKey: jose.JWK;
let clientTls: { cert: string; key: string; subject: string };

beforeAll(async () => {
  portalKey = await generateClientKey("PS256");
  // The portal's JWKS URL, as /id-verification/jwks serves it.
  jwksServer = http.createServer((_req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ keys: idpartner.publicJwks!(portalKey).map(publicJwk) }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, "127.0.0.1", r));
  const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/id-verification/jwks`;
  const origin = "http://127.0.0.1:1/id-verification/bank";
  standin = await startIdpartnerStandin({
    applications: [
      { client_id: "rp-basic", client_secret: SECRET, redirect_uris: [REDIRECT], auth: "client_secret_basic", origin_url: origin },
      {
        client_id: "rp-pkjwt",
        redirect_uris: [REDIRECT],
        auth: "private_key_jwt",
        jwks_uri: jwksUri,
        encrypt_responses: true,
        origin_url: origin,
      },
      {
        client_id: "rp-mtls",
        redirect_uris: [REDIRECT],
        auth: "tls_client_auth",
        jwks_uri: jwksUri,
        tls_client_auth_subject_dn: "CN=idv-portal-test",
        origin_url: origin,
      },
    ],
  });
  clientTls = standin.ca.client("idv-portal-test");
}, 60_000);

afterAll(async () => {
  await standin?.close();
  await new Promise((r) => jwksServer?.close(r));
});

const bank = (key: string) => standin.banks.find((b) => b.bank.key === key)!;

function conn(kind: "basic" | "pkjwt" | "mtls", extra: Partial<Record<string, unknown>> = {}): ProviderConnection {
  const allowedIssuers = standin.banks.map((b) => b.issuer);
  const base = { baseUrl: standin.url, timeoutMs: 3000 };
  if (kind === "basic")
    return { ...base, clientId: "rp-basic", clientSecret: SECRET, config: { auth: "client_secret_basic", allowedIssuers, ...extra } };
  if (kind === "pkjwt")
    return {
      ...base,
      clientId: "rp-pkjwt",
      clientSecret: "",
      privateJwk: portalKey,
      config: { auth: "private_key_jwt", allowedIssuers, encryptResponses: true, ...extra },
    };
  return {
    ...base,
    clientId: "rp-mtls",
    clientSecret: clientTls.key,
    privateJwk: portalKey,
    config: { auth: "tls_client_auth", allowedIssuers, tlsCert: clientTls.cert, tlsCa: standin.ca.cert, ...extra },
  };
}

let n = 0;
function checksFor() {
  n += 1;
  return {
    state: `state-${n}-${Date.now()}`,
    nonce: `nonce-${n}-${Date.now()}`,
    codeVerifier: `verifier-${n}-${"x".repeat(43)}`,
    scopes: ["openid", "email", "profile"],
  };
}

/** The person: account selector (bank), then the bank's sign-in (persona); the callback URL the bank sends them to. */
async function throughChooserAndBank(c: ProviderConnection, bankKey: string, persona: string) {
  const checks = checksFor();
  const visitorId = `visitor-${n}`;
  const back = await chooseBankAtSelector(idpartner.chooser!.url(c, { visitorId, scopes: checks.scopes }), bankKey);
  expect(back.searchParams.get("visitor_id")).toBe(visitorId);
  const { choice } = await idpartner.chooser!.accept(c, back.searchParams);
  const authUrl = await idpartner.authorizationUrl(c, { redirectUri: REDIRECT, ...checks, choice });
  const callback = await signInAtBank(authUrl, { persona });
  return { checks: { ...checks, choice }, authUrl, callback };
}

async function failure(p: Promise<unknown>): Promise<FlowError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FlowError);
  return err as FlowError;
}

describe("a whole login through the account selector and a bank", () => {
  it.each(["basic", "pkjwt", "mtls"] as const)("%s: verified at Sample Credit Union, the bank recorded", async (kind) => {
    const c = conn(kind);
    const { checks, authUrl, callback } = await throughChooserAndBank(c, "sample-credit-union", "bank-verified");
    // Pushed: the browser carries only the client id and the request_uri.
    expect([...authUrl.searchParams.keys()].sort()).toEqual(["client_id", "request_uri"]);
    expect(authUrl.origin).toBe(new URL(bank("sample-credit-union").issuer).origin);
    // JARM: the answer is one JWT, encrypted (five parts) when the client asked for it.
    expect([...callback.searchParams.keys()]).toEqual(["response"]);
    expect(callback.searchParams.get("response")!.split(".")).toHaveLength(kind === "pkjwt" ? 5 : 3);

    const answer = await idpartner.complete(c, callback, checks);
    expect(answer.identityVerified).toBe(true);
    expect(answer.normalized).toMatchObject({ givenName: "Robert", familyName: "Okafor", email: "robert.okafor@example.test" });
    expect(answer.idTokenClaims?.iss).toBe(bank("sample-credit-union").issuer);
    expect(answer.uuid.startsWith(`${bank("sample-credit-union").issuer}#`)).toBe(true);
    expect(answer.raw).toMatchObject({
      bank: { issuer: bank("sample-credit-union").issuer },
      verifiedRule: { verified: true, missing: [] },
    });
  });

  it("a person the bank cannot vouch for (no names): signed in, not verified, names missing", async () => {
    const c = conn("basic");
    const { checks, callback } = await throughChooserAndBank(c, "harbor-trust", "no-bank-match");
    const answer = await idpartner.complete(c, callback, checks);
    expect(answer.identityVerified).toBe(false);
    expect(answer.raw).toMatchObject({ verifiedRule: { verified: false, missing: ["givenName", "familyName"] } });
    expect(VERIFIED_RULE).toContain("given and family name");
  });

  it("a person who cancels at the bank: provider_access_denied", async () => {
    const c = conn("basic");
    const checks = checksFor();
    const choice = bank("harbor-trust").issuer;
    const authUrl = await idpartner.authorizationUrl(c, { redirectUri: REDIRECT, ...checks, choice });
    const callback = await signInAtBank(authUrl, { action: "deny" });
    expect((await failure(idpartner.complete(c, callback, { ...checks, choice }))).code).toBe("provider_access_denied");
  });
});

describe("each failure has its own code", () => {
  it("an issuer not on the list, from a forged selector answer: bank_not_allowed", async () => {
    const q = new URLSearchParams({ iss: "https://evil.example.test", visitor_id: "v" });
    expect((await failure(idpartner.chooser!.accept(conn("basic"), q))).code).toBe("bank_not_allowed");
    // …and not even a bank the stand-in has, when the admin has not allowed it.
    const narrow = conn("basic", { allowedIssuers: [bank("harbor-trust").issuer] });
    const other = new URLSearchParams({ iss: bank("northwind").issuer, visitor_id: "v" });
    expect((await failure(idpartner.chooser!.accept(narrow, other))).code).toBe("bank_not_allowed");
  });

  it("a forged response (signed by someone else with the bank's name): response_jwt_invalid", async () => {
    const c = conn("basic");
    const { checks, callback } = await throughChooserAndBank(c, "sample-credit-union", "bank-verified");
    const claims = jose.decodeJwt(callback.searchParams.get("response")!);
    const { privateKey } = await jose.generateKeyPair("PS256");
    const forged = await new jose.SignJWT({ ...claims }).setProtectedHeader({ alg: "PS256", kid: "forged" }).sign(privateKey);
    const url = new URL(callback);
    url.searchParams.set("response", forged);
    const err = await failure(idpartner.complete(c, url, checks));
    expect(err.code).toBe("response_jwt_invalid");
  });

  it("a replayed response (another request's, at the same bank): response_jwt_invalid", async () => {
    const c = conn("basic");
    const first = await throughChooserAndBank(c, "sample-credit-union", "bank-verified");
    const second = await throughChooserAndBank(c, "sample-credit-union", "bank-verified");
    const err = await failure(idpartner.complete(c, first.callback, second.checks));
    expect(err.code).toBe("response_jwt_invalid");
    expect(err.description).toContain("replay");
  });

  it("a response signed by another bank's key: response_jwt_wrong_bank", async () => {
    const c = conn("basic");
    const atHarbor = await throughChooserAndBank(c, "harbor-trust", "bank-verified");
    const atCredit = await throughChooserAndBank(c, "sample-credit-union", "bank-verified");
    const err = await failure(idpartner.complete(c, atHarbor.callback, atCredit.checks));
    expect(err.code).toBe("response_jwt_wrong_bank");
  });

  it("a pushed request the bank refuses (unknown client): par_rejected", async () => {
    const c = { ...conn("basic"), clientId: "not-registered" };
    const err = await failure(
      idpartner.authorizationUrl(c, { redirectUri: REDIRECT, ...checksFor(), choice: bank("harbor-trust").issuer }),
    );
    expect(err.code).toBe("par_rejected");
    expect(err.description).toContain("invalid_client");
  });

  it("mutual TLS without a certificate the bank's CA issued: par_rejected", async () => {
    const { createLocalCa } = await import("../../../sandbox/shared/local-ca");
    const stranger = createLocalCa("another-ca").client("idv-portal-test");
    const c = conn("mtls");
    const bad = { ...c, clientSecret: stranger.key, config: { ...c.config, tlsCert: stranger.cert } };
    const err = await failure(
      idpartner.authorizationUrl(bad, { redirectUri: REDIRECT, ...checksFor(), choice: bank("harbor-trust").issuer }),
    );
    expect(err.code).toBe("par_rejected");
  });

  it("a bank that is down: bank_unreachable", async () => {
    const down = "http://127.0.0.1:9";
    const c = conn("basic", { allowedIssuers: [down] });
    const err = await failure(idpartner.authorizationUrl(c, { redirectUri: REDIRECT, ...checksFor(), choice: down }));
    expect(err.code).toBe("bank_unreachable");
  });
});
