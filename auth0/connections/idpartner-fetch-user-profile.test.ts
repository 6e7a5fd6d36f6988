/**
 * The IDPartner "Fetch User Profile Script", loaded as Auth0 loads it (a bare function
 * declaration evaluated in a fresh context with Buffer, not a module) and called as Auth0
 * calls it: fetchUserProfile(accessToken, context, callback) with context.id_token.
 *
 * The ID tokens come from the IDPartner stand-in through the same code flow an Auth0
 * custom social connection runs (scope "openid email profile", client_secret_basic at the
 * token endpoint, no PKCE or nonce), plus hand-made malformed ones.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInAtStandin } from "../../sandbox/idpartner/browser";
import { bankByKey, personaByKey, subjectFor, TRUST_FRAMEWORK } from "../../sandbox/idpartner/personas";
import { PATHS, startIdpartnerStandin, type IdpartnerStandin } from "../../sandbox/idpartner/server";

const FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), "idpartner-fetch-user-profile.js");
const CLIENT_ID = "auth0-connection";
const CLIENT_SECRET = "auth0-connection-secret";
const AUTH0_CALLBACK = "https://tenant.example.auth0.com/login/callback"; // never fetched

type Callback = (err: Error | null, profile?: Record<string, unknown>) => void;
type FetchUserProfile = (accessToken: string, context: Record<string, unknown>, callback: Callback) => void;

/** Evaluate the pasted script like Auth0's sandbox: globals only (Buffer, no require, no module). */
function loadScript(): FetchUserProfile {
  const source = readFileSync(FILE, "utf8");
  const context = vm.createContext({ Buffer });
  return vm.runInContext(`${source}\n;fetchUserProfile`, context, { filename: "fetchUserProfile.js" }) as FetchUserProfile;
}

/** Call it and collect what it hands to the callback; fails the test if the callback runs twice. */
function run(idToken: unknown, extra: Record<string, unknown> = {}): Promise<{ err: Error | null; profile?: Record<string, unknown> }> {
  const fetchUserProfile = loadScript();
  return new Promise((resolve, reject) => {
    let calls = 0;
    fetchUserProfile(
      "at-opaque",
      { id_token: idToken, access_token: "at-opaque", token_type: "Bearer", expires_in: 300, ...extra },
      (err, profile) => {
        if (++calls > 1) reject(new Error("callback called twice"));
        resolve({ err, profile });
      },
    );
  });
}

function b64url(value: unknown): string {
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
}

function unsigned(payload: unknown): string {
  return `${b64url({ alg: "RS256", typ: "JWT" })}.${b64url(payload)}.c2ln`;
}

// ---------------------------------------------------------------------------

let standin: IdpartnerStandin;

beforeAll(async () => {
  standin = await startIdpartnerStandin({
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [AUTH0_CALLBACK] }],
  });
});

afterAll(async () => {
  await standin?.close();
});

/** What Auth0's custom social connection does up to the script: authorize, then the token request. */
async function auth0TokenResponse(bank: string, persona: string, account?: string): Promise<Record<string, unknown>> {
  const authUrl = new URL(PATHS.authorization, standin.url);
  authUrl.search = new URLSearchParams({
    response_type: "code",
    client_id: CLIENT_ID,
    redirect_uri: AUTH0_CALLBACK,
    scope: "openid email profile",
    state: "auth0-state",
  }).toString();
  const { callback } = await signInAtStandin(authUrl, { bank, persona, account });
  const code = callback.searchParams.get("code");
  expect(code).toBeTruthy();
  const res = await fetch(new URL(PATHS.token, standin.url), {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "authorization_code", code: code!, redirect_uri: AUTH0_CALLBACK }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

const PERSONAL = [
  "address",
  "birthdate",
  "phone",
  "verified_claims",
  "Baltimore",
  "1984-07-22",
  "21230",
  "Hauptstraße",
  "Harbor Trust",
  "+1 410",
];

function expectNoPersonalData(profile: Record<string, unknown>) {
  const json = JSON.stringify(profile);
  for (const word of PERSONAL) expect(json).not.toContain(word);
}

describe("the script as pasted into Auth0", () => {
  it("is one plain function declaration: no require, no module syntax", () => {
    const source = readFileSync(FILE, "utf8");
    const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    expect(code).not.toMatch(/\brequire\s*\(/);
    expect(code).not.toMatch(/^\s*(import|export)\b/m);
    expect(code.trim().startsWith("function fetchUserProfile(")).toBe(true); // nothing but the function
    expect(source).toMatch(/^function fetchUserProfile\(accessToken, context, callback\) \{/m);
    // Also compiles the way a Function-constructor loader would.
    const viaFunction = new Function(`${source}\nreturn fetchUserProfile;`)() as unknown;
    expect(typeof viaFunction).toBe("function");
    expect(typeof loadScript()).toBe("function");
  });
});

describe("ID tokens from the stand-in, per persona", () => {
  it("bank-verified: user_id = sub, bank-verified names, idv_bank_verified true; no address or birth date", async () => {
    const tokens = await auth0TokenResponse("harbor-trust", "bank-verified");
    const { err, profile } = await run(tokens.id_token, { access_token: tokens.access_token });
    expect(err).toBeNull();
    expect(profile).toEqual({
      user_id: subjectFor(personaByKey("bank-verified")!, bankByKey("harbor-trust")!),
      email: "robert.okafor@example.test",
      email_verified: true,
      given_name: "Robert",
      family_name: "Okafor",
      name: "Robert Okafor",
      idv_provider: "idpartner",
      idv_bank_verified: true,
      idv_trust_framework: TRUST_FRAMEWORK,
      idv_verified_at: "2021-03-14T09:30:00Z",
      idv_evidence: "bank_account",
    });
    expectNoPersonalData(profile!);
  });

  it("no-bank-match: signed in, idv_bank_verified false, the account's own names", async () => {
    const tokens = await auth0TokenResponse("northwind", "no-bank-match");
    const { err, profile } = await run(tokens.id_token);
    expect(err).toBeNull();
    expect(profile).toEqual({
      user_id: subjectFor(personaByKey("no-bank-match")!, bankByKey("northwind")!),
      email: "dana.whitfield@example.test",
      email_verified: false,
      given_name: "Dana",
      family_name: "Whitfield",
      name: "Dana Whitfield",
      idv_provider: "idpartner",
      idv_bank_verified: false,
    });
  });

  it("hyphenated: non-ASCII hyphenated names kept; no address parts leak", async () => {
    const tokens = await auth0TokenResponse("cedar-valley", "hyphenated");
    const { err, profile } = await run(tokens.id_token);
    expect(err).toBeNull();
    expect(profile).toMatchObject({
      given_name: "Zoë-Anne",
      family_name: "Núñez-O'Brien",
      name: "Zoë-Anne Núñez-O'Brien",
      idv_bank_verified: true,
    });
    expectNoPersonalData(profile!);
    expect(JSON.stringify(profile)).not.toContain("Cedar Valley");
  });

  it("another account of the same persona is another user_id", async () => {
    const a = await run((await auth0TokenResponse("harbor-trust", "bank-verified")).id_token);
    const b = await run((await auth0TokenResponse("harbor-trust", "bank-verified", "2")).id_token);
    expect(a.profile?.user_id).not.toBe(b.profile?.user_id);
    expect(b.profile?.email).toBe("robert.okafor+2@example.test");
  });
});

describe("claim shapes", () => {
  const now = () => Math.floor(Date.now() / 1000);
  const bankVc = {
    verification: { trust_framework: "tf", evidence: [{ type: "electronic_record", record: { type: "bank_account" } }] },
    claims: {},
  };

  it("verified_claims as an array; falls back to the plain names when the verified ones are missing", async () => {
    const { profile } = await run(
      unsigned({ sub: "s1", exp: now() + 60, given_name: "Plain", family_name: "Name", verified_claims: [{ verification: {} }, bankVc] }),
    );
    expect(profile).toMatchObject({
      user_id: "s1",
      given_name: "Plain",
      family_name: "Name",
      idv_bank_verified: true,
      idv_trust_framework: "tf",
    });
    expect(profile).not.toHaveProperty("idv_verified_at");
    expect(profile).not.toHaveProperty("email"); // none sent
  });

  it.each([
    ["no trust framework", { verification: { evidence: bankVc.verification.evidence } }],
    ["document evidence", { verification: { trust_framework: "tf", evidence: [{ type: "document" }] } }],
    ["a string", "eyJ..."],
  ])("not bank-verified: %s", async (_label, vc) => {
    const { err, profile } = await run(unsigned({ sub: "s2", name: "Only Name", verified_claims: vc }));
    expect(err).toBeNull();
    expect(profile).toMatchObject({ user_id: "s2", name: "Only Name", idv_bank_verified: false });
    expect(profile).not.toHaveProperty("idv_trust_framework");
  });
});

describe("errors: callback(error)", () => {
  it.each([
    ["no ID token", undefined, /no ID token/],
    ["not a JWT", "not-a-jwt", /not a JWT/],
    ["bad characters in the payload", "a.b$c.d", /not a JWT/],
    ["payload not JSON", `${b64url("{}")}.${b64url("not json")}.sig`, /not JSON/],
    ["payload an array", unsigned([1, 2]), /not a JSON object/],
    ["no sub", unsigned({ email: "x@example.test" }), /no sub/],
    ["blank sub", unsigned({ sub: "  " }), /no sub/],
    ["long expired", unsigned({ sub: "s", exp: Math.floor(Date.now() / 1000) - 3600 }), /expired/],
  ])("%s", async (_label, idToken, message) => {
    const { err, profile } = await run(idToken);
    expect(err).not.toBeNull();
    expect(Object.prototype.toString.call(err)).toBe("[object Error]"); // an Error of the script's own realm
    expect(err!.message).toMatch(message);
    expect(profile).toBeUndefined();
  });

  it("error messages carry no personal data", async () => {
    const { err } = await run(unsigned({ email: "secret.person@example.test", given_name: "Secretname" }));
    expect(err!.message).not.toMatch(/secret|Secretname/i);
  });
});
