import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as oidc from "openid-client";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import { CookieJar, browserGet, browserPost, locationOf } from "../../sandbox/harness/browser";
import { IAL2, startOidcStandin, type OidcStandin } from "../../sandbox/oidc/server";
import type { Staff } from "../staff/session";
import type { VerificationProvider } from "./types";

/**
 * A provider is its folder and one registration: here a provider the portal has
 * never heard of ("acme", written below as its folder would be, on the shared OIDC
 * client) is registered, and with nothing else changed the admin action accepts it
 * for an application, its connection is read from its provider_setting row, the
 * application's requirements name it, and a person verifies with it at a stand-in.
 * Also: the OpenID Connect provider's admin set-up, with the key the portal makes.
 */

const REDIRECT_URI = "https://verify.example.com/id-verification/callback";
let tdb: TestDatabase;
let standin: OidcStandin;
let disconnect: () => Promise<void>;
const admin: Staff = { id: "auth0|admin", email: "admin@example.test", name: "Ada Admin", role: "admin" };

beforeAll(async () => {
  tdb = await openTestDatabase({ PORTAL_URL: "https://verify.example.com", IDME_SCOPES: "", IDV_POLICY: "identity" });
  standin = await startOidcStandin({
    kind: "acr",
    clients: [
      {
        client_id: "acme-client",
        client_secret: "acme-secret",
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: "client_secret_post",
      },
    ],
  });
  const { setStaffSourceForTests } = await import("../staff/session");
  setStaffSourceForTests(async () => admin);
  const { getDb } = await import("../db/client");
  disconnect = async () => (await getDb()).$disconnect();
});

afterAll(async () => {
  await standin?.close();
  await disconnect?.();
  await tdb?.close();
});

function form(entries: Record<string, string>): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(entries)) fd.append(k, v);
  return fd;
}

/** What lib/providers/acme/index.ts would export. */
async function acmeProvider(): Promise<VerificationProvider> {
  const client = await import("./oidc-client");
  const options = (c: { baseUrl: string; clientId: string; clientSecret: string; timeoutMs: number }) => ({
    issuer: c.baseUrl,
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    auth: "client_secret_post" as const,
    timeoutMs: c.timeoutMs,
  });
  return {
    id: "acme",
    displayName: "Acme ID",
    policies: ["identity"],
    defaultScopes: () => ["openid", "profile"],
    purpose: () => "confirm your identity with Acme",
    baseUrlOf: (stored) => stored ?? "https://id.acme.example",
    authorizationUrl: (c, p) => client.authorizationUrl(options(c), { ...p, extra: { acr_values: IAL2 } }),
    async complete(c, callbackUrl, checks) {
      const ex = await client.exchange(options(c), callbackUrl, { ...checks, openid: true });
      const claims = ex.idTokenClaims!;
      return {
        uuid: String(claims.sub),
        normalized: { uuid: String(claims.sub) },
        groups: [],
        identityVerified: claims.acr === IAL2,
        attributeCount: 0,
        raw: null,
        idTokenClaims: claims,
        style: "acme",
      };
    },
    check: (c) => client.check(options(c)),
  };
}

describe("the registry is one list", () => {
  it("every id in lib/providers/known.ts is its folder's provider, the server and the browser forms know exactly those", async () => {
    vi.resetModules();
    const { PROVIDER_IDS, isKnownProvider } = await import("./known");
    const registry = await import(".");
    expect(registry.providerIds()).toEqual([...PROVIDER_IDS]);
    for (const id of PROVIDER_IDS) {
      expect(registry.providerFor(id)).toBe(await registry.loadProvider(id));
      expect(isKnownProvider(id)).toBe(true);
    }
    // An id with no folder is refused, by the registry and by the forms' schema.
    await expect(registry.loadProvider("acme")).rejects.toThrow();
    expect(isKnownProvider("acme")).toBe(false);
    expect(registry.isProviderId("acme")).toBe(false);
  });
});

describe("a provider registered with no change outside its folder and the registry", () => {
  it("is accepted for an application, reached through its own row, and verifies a person", async () => {
    vi.resetModules();
    const { registerProvider } = await import(".");
    registerProvider(await acmeProvider());
    const settings = await import("../settings");
    const actions = await import("../settings/admin");

    const saved = await actions.saveApplication(null, form({ clientId: "acme-app", name: "Acme App", provider: "acme", required: "on" }));
    expect(saved, JSON.stringify(saved)).toMatchObject({ ok: true });
    // Its connection: a provider_setting row, as any provider's.
    const { getDb } = await import("../db/client");
    const db = await getDb();
    await db.providerSetting.create({
      data: {
        provider: "acme",
        baseUrl: standin.issuer,
        clientId: "acme-client",
        clientSecretEnc: settings.sealProviderSecret("acme", "acme-secret"),
      },
    });

    const requirements = await settings.requirementsFor("acme-app");
    expect(requirements).toMatchObject({ provider: "acme", policy: "identity", scopes: ["openid", "profile"], required: true });
    const conn = await settings.connectionOf("acme");
    expect(conn).toMatchObject({ baseUrl: standin.issuer, clientId: "acme-client", clientSecret: "acme-secret" });

    const { providerFor } = await import(".");
    const acme = providerFor("acme");
    const checks = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
      scopes: requirements.scopes,
    };
    const url = await acme.authorizationUrl({ ...conn!, timeoutMs: 5000 }, { redirectUri: REDIRECT_URI, ...checks });
    const jar = new CookieJar();
    let loc = locationOf(await browserGet(url, jar), url);
    loc = locationOf(await browserPost(loc, { persona: "ial2" }, jar), loc);
    while (loc.origin === url.origin) loc = locationOf(await browserGet(loc, jar), loc);
    const answer = await acme.complete({ ...conn!, timeoutMs: 5000 }, loc, checks);
    expect(answer).toMatchObject({ uuid: "oidc-acr-ial2", identityVerified: true });
    expect(standin.tokenRequests.at(-1)).toEqual({ clientId: "acme-client", auth: "client_secret_post" });
  });
});

describe("the OpenID Connect provider's admin set-up", () => {
  const oidcForm = (over: Record<string, string> = {}) => ({
    displayName: "Login.example.gov",
    issuer: `${standin.issuer}/`,
    clientId: "gov-client",
    clientSecret: "",
    auth: "private_key_jwt",
    scopes: "openid profile email",
    acrValues: IAL2,
    claims: "",
    verifiedKind: "acr",
    verifiedAcr: IAL2,
    ...over,
  });

  it("private_key_jwt: the portal makes a key, keeps it sealed and publishes only its public part; audited without secrets", async () => {
    vi.resetModules();
    const actions = await import("../settings/admin");
    const settings = await import("../settings");
    const state = await actions.saveOidcProvider(null, form(oidcForm()));
    expect(state, JSON.stringify(state)).toMatchObject({ ok: true, data: { jwksUrl: "https://verify.example.com/id-verification/jwks" } });
    const conn = await settings.connectionOf("oidc");
    expect(conn).toMatchObject({
      baseUrl: standin.issuer,
      clientId: "gov-client",
      clientSecret: "",
      config: { auth: "private_key_jwt", acrValues: IAL2 },
    });
    expect(conn!.privateJwk).toHaveProperty("d");
    const jwks = await settings.providerJwks();
    expect(jwks.keys).toEqual([expect.objectContaining({ kid: conn!.privateJwk!.kid, kty: "RSA" })]);
    expect(jwks.keys[0]).not.toHaveProperty("d");
    const { rows } = await tdb.pool.query(`SELECT private_key_enc FROM provider_setting WHERE provider = 'oidc'`);
    expect(rows[0].private_key_enc).toMatch(/^v1\./);
    const { rows: audit } = await tdb.pool.query(`SELECT details::text AS d FROM audit_event WHERE target = 'provider:oidc'`);
    expect(audit).toHaveLength(1);
    expect(audit[0].d).toContain('"signingKey"');
    expect(audit[0].d).not.toContain(String(conn!.privateJwk!.d));

    // Saved again: the same key is kept.
    await actions.saveOidcProvider(null, form(oidcForm({ displayName: "Login.gov (test)" })));
    expect((await settings.connectionOf("oidc"))!.privateJwk!.kid).toBe(conn!.privateJwk!.kid);
  });

  it("a secret method needs a secret; bad input is refused under its field and nothing changes", async () => {
    const actions = await import("../settings/admin");
    const noSecret = await actions.saveOidcProvider(null, form(oidcForm({ auth: "client_secret_basic" })));
    expect(noSecret).toMatchObject({ ok: false, error: { fieldErrors: { clientSecret: [expect.stringContaining("none is stored")] } } });
    const bad = await actions.saveOidcProvider(
      null,
      form(
        oidcForm({
          issuer: "ftp://x",
          claims: "{not json",
          verifiedKind: "verified_claims",
          trustFrameworks: "",
          clientSecret: "typed-secret",
        }),
      ),
    );
    expect(bad).toMatchObject({ ok: false });
    if (bad && !bad.ok) {
      expect(Object.keys(bad.error.fieldErrors ?? {}).sort()).toEqual(["claims", "issuer"]);
      expect(bad.values).not.toHaveProperty("clientSecret");
    }
    // The rule's own fields are checked once the form's fields parse.
    const noFramework = await actions.saveOidcProvider(null, form(oidcForm({ verifiedKind: "verified_claims", trustFrameworks: "" })));
    expect(noFramework).toMatchObject({
      ok: false,
      error: { fieldErrors: { trustFrameworks: [expect.stringContaining("trust framework")] } },
    });
    const settings = await import("../settings");
    expect((await settings.connectionOf("oidc"))!.config).toMatchObject({ displayName: "Login.gov (test)" });
  });
});
