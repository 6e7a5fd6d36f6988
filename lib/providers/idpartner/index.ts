import * as jose from "jose";
import { FlowError } from "../../flow/states";
import * as client from "../oidc-client";
import type { OidcClientOptions } from "../oidc-client";
import type { AuthorizeParams, ProviderConnection, VerificationAnswer, VerificationPolicy, VerificationProvider } from "../types";
import { acceptIssuer, allowedIssuers, normalizeIssuer } from "./banks";
import { idpartnerConfigSchema, issuerList, pemFromEnv, type IdpartnerConfig } from "./config";
import { mergeClaims, parseProfile, ProfileError } from "./profile";
import { idpartnerVerified } from "./verified";
import { DEFAULT_BASE_URL, SELECTOR_PATH } from "./paths";

/**
 * IDPartner as IDPartner's published relying-party clients speak it (PROTOCOLS §5):
 *
 *   1. "Verify": the person goes to IDPartner's account selector
 *      <base>/v1/select-accounts?client_id&visitor_id&scope&claims (base default
 *      https://preferences.idpartner.com; a local stand-in in tests and demos), with the
 *      attempt's one-use visitor_id (lib/flow binds it to the attempt and the browser);
 *   2. the selector sends the person back to the portal's origin URL
 *      (/id-verification/bank) with the bank's issuer `iss`, `visitor_id`, `idp_id` and
 *      `idpartner_token`; the issuer must be allowed (./banks.ts);
 *   3. each bank is its own OpenID provider (discovery at `iss`): the authorization request
 *      is pushed (PAR) — a PS256-signed request object when the portal has a key — with
 *      response_mode=jwt, PKCE S256, nonce, state, x-fapi-interaction-id and a claims
 *      request; the person goes to the bank with the request_uri;
 *   4. the bank answers with a signed (PS256), optionally encrypted, authorization response
 *      JWT (JARM), checked here against the chosen bank before openid-client checks it
 *      again and exchanges the code (client_secret_basic, private_key_jwt or
 *      tls_client_auth with certificate-bound tokens);
 *   5. "verified" is the rule of ./verified.ts; the bank's issuer is recorded.
 *
 * The Auth0 social connection of seed 003 (IDPartner's /oidc-proxy/proxy/auth0 paths) is a
 * different use: Auth0 is the client there (auth0/connections/), never the portal.
 */

export { DEFAULT_BASE_URL, SELECTOR_PATH } from "./paths";
export const IDPARTNER_SCOPES: readonly string[] = ["openid", "email", "profile"];
/** IDPartner's banks sign responses, ID tokens and (with keys) accept request objects with PS256. */
export const IDPARTNER_ALG = "PS256";
const ENC_ALG = "RSA-OAEP";

/** The OIDC claims each scope asks the bank for (the `claims` request). */
const CLAIMS_BY_SCOPE: Readonly<Record<string, readonly string[]>> = {
  profile: ["given_name", "family_name", "name", "birthdate"],
  email: ["email", "email_verified"],
  phone: ["phone_number"],
  address: ["address"],
};

function configOf(c: ProviderConnection): IdpartnerConfig {
  return idpartnerConfigSchema.parse(c.config ?? {});
}

function scopesFor(scopes: readonly string[]): string[] {
  const asked = scopes.length ? scopes : IDPARTNER_SCOPES;
  // An ID token is what gets verified, and names are always needed (./verified.ts).
  return [...new Set(["openid", "profile", ...asked])];
}

/** The OIDC claims request: the claims of the scopes, names essential, in the ID token and userinfo. */
export function claimsRequest(scopes: readonly string[]): string {
  const wanted: Record<string, { essential: true } | null> = {};
  for (const s of scopesFor(scopes)) for (const c of CLAIMS_BY_SCOPE[s] ?? []) wanted[c] = null;
  wanted.given_name = { essential: true };
  wanted.family_name = { essential: true };
  return JSON.stringify({ id_token: wanted, userinfo: wanted });
}

/** The portal's encryption key for JARM: the same RSA key as its signing key, published with use "enc". */
function encryptionJwk(jwk: jose.JWK): jose.JWK {
  return { ...jwk, kid: `${jwk.kid}-enc`, alg: ENC_ALG, use: "enc", key_ops: undefined };
}

function oidcOptions(c: ProviderConnection, issuer: string): OidcClientOptions {
  const config = configOf(c);
  const tls = config.auth === "tls_client_auth" ? { cert: config.tlsCert ?? "", key: c.clientSecret, ca: config.tlsCa } : null;
  if (tls && (!tls.cert || !tls.key))
    throw new FlowError("configuration_error", "tls_client_auth is chosen but the certificate or its key is missing");
  if (config.auth === "private_key_jwt" && !c.privateJwk)
    throw new FlowError("configuration_error", "private_key_jwt is chosen but the portal has no key for IDPartner");
  return {
    issuer,
    clientId: c.clientId,
    clientSecret: config.auth === "client_secret_basic" ? c.clientSecret : "",
    auth: config.auth,
    privateJwk: c.privateJwk ?? null,
    timeoutMs: c.timeoutMs,
    idTokenAlg: IDPARTNER_ALG,
    tls: tls && { ...tls, ca: tls.ca ?? null },
    jarmAlg: IDPARTNER_ALG,
    decryptionJwk: config.encryptResponses && c.privateJwk ? encryptionJwk(c.privateJwk) : null,
    fapi: true,
  };
}

/** The chosen bank; an attempt without one never reaches the bank. */
function bankOf(c: ProviderConnection, choice: string | null | undefined): string {
  if (!choice) throw new FlowError("chooser_state_invalid", "no bank was chosen at IDPartner's account selector");
  // The allow list may have changed since the choice: checked again.
  return acceptIssuer(configOf(c), choice);
}

/** At a bank, "unreachable" is the bank's: its own failure code. */
function atBank<T>(fn: () => Promise<T>): Promise<T> {
  return fn().catch((err: unknown) => {
    if (err instanceof FlowError && (err.code === "provider_unreachable" || err.code === "provider_timeout")) {
      throw new FlowError("bank_unreachable", err.description);
    }
    throw err;
  });
}

async function authorizationUrl(c: ProviderConnection, p: AuthorizeParams): Promise<URL> {
  const issuer = bankOf(c, p.choice);
  const o = oidcOptions(c, issuer);
  return atBank(() =>
    client.pushedAuthorizationUrl(
      o,
      {
        ...p,
        scopes: scopesFor(p.scopes),
        extra: { claims: claimsRequest(p.scopes), "x-fapi-interaction-id": crypto.randomUUID() },
      },
      { signingJwk: c.privateJwk ?? null, codes: { unreachable: "bank_unreachable", rejected: "par_rejected" } },
    ),
  );
}

/**
 * The authorization response JWT, checked against the chosen bank before anything else:
 * another bank's answer (its issuer) is response_jwt_wrong_bank; a bad signature, an
 * expired one, another audience or another request's state is response_jwt_invalid.
 */
async function checkResponseJwt(o: OidcClientOptions, c: ProviderConnection, callbackUrl: URL, state: string): Promise<void> {
  let jwt = callbackUrl.searchParams.get("response");
  if (!jwt) throw new FlowError("response_jwt_invalid", "the bank's answer is not a signed authorization response (response_mode=jwt)");
  if (jwt.split(".").length === 5) {
    if (!o.decryptionJwk)
      throw new FlowError("response_jwt_invalid", "the bank's answer is encrypted, but the portal expects it signed only");
    try {
      const { plaintext } = await jose.compactDecrypt(jwt, await client.importPrivate(o.decryptionJwk), {
        keyManagementAlgorithms: [ENC_ALG],
        contentEncryptionAlgorithms: ["A256CBC-HS512"],
      });
      jwt = new TextDecoder().decode(plaintext);
    } catch (err) {
      throw new FlowError("response_jwt_invalid", `the encrypted answer could not be opened: ${client.describe(err)}`);
    }
  }
  let claimed: jose.JWTPayload;
  try {
    claimed = jose.decodeJwt(jwt);
  } catch {
    throw new FlowError("response_jwt_invalid", "the bank's answer is not a JWT");
  }
  if (typeof claimed.iss !== "string" || normalizeIssuer(claimed.iss) !== o.issuer) {
    const other = typeof claimed.iss === "string" && allowedIssuers(configOf(c)).includes(normalizeIssuer(claimed.iss));
    throw new FlowError(
      "response_jwt_wrong_bank",
      other
        ? "the answer was issued by another allowed bank than the one chosen"
        : "the answer names an issuer that is not the chosen bank",
    );
  }
  const { config } = await client.resolve(o);
  const jwksUri = config.serverMetadata().jwks_uri;
  if (!jwksUri) throw new FlowError("response_jwt_invalid", "the bank's discovery has no jwks_uri to check its answer");
  try {
    const { payload } = await jose.jwtVerify(jwt, client.jwksFor(jwksUri, o.timeoutMs), {
      algorithms: [IDPARTNER_ALG],
      issuer: o.issuer,
      audience: o.clientId,
      requiredClaims: ["exp"],
    });
    if (payload.state !== state)
      throw new FlowError("response_jwt_invalid", "the signed answer is for another request (its state): a replay");
  } catch (err) {
    if (err instanceof FlowError) throw err;
    if (client.isTimeout(err) || client.isNetworkError(err))
      throw new FlowError("bank_unreachable", `the bank's keys: ${client.describe(err)}`);
    const code = (err as { code?: string }).code;
    throw new FlowError(
      "response_jwt_invalid",
      code === "ERR_JWKS_NO_MATCHING_KEY"
        ? "the answer is signed with a key the bank does not publish"
        : `the signed answer failed: ${client.describe(err)}`,
    );
  }
}

async function complete(
  c: ProviderConnection,
  callbackUrl: URL,
  checks: { state: string; nonce: string; codeVerifier: string; scopes: string[]; choice?: string | null },
): Promise<VerificationAnswer> {
  const issuer = bankOf(c, checks.choice);
  const o = oidcOptions(c, issuer);
  return atBank(async () => {
    await checkResponseJwt(o, c, callbackUrl, checks.state);
    const ex = await client.exchange(o, callbackUrl, { ...checks, openid: true });
    const meta = ex.config.serverMetadata();
    const endpoint = (o.tls ? meta.mtls_endpoint_aliases?.userinfo_endpoint : undefined) ?? meta.userinfo_endpoint;
    const info = endpoint ? await client.userinfo(o, ex, endpoint) : null;
    const userinfo = info ? (info.signed ? info.claims : info.body) : null;

    let profile;
    try {
      profile = parseProfile(mergeClaims(ex.idTokenClaims, userinfo));
    } catch (err) {
      if (err instanceof ProfileError) throw new FlowError(err.code, err.message);
      throw err;
    }
    const rule = idpartnerVerified(profile.normalized, scopesFor(checks.scopes));
    const bank = { issuer, idTokenIssuer: ex.idTokenClaims?.iss ?? null };
    return {
      // A bank's `sub` is its own: the same person at another bank is another identity.
      uuid: `${issuer}#${profile.sub}`,
      normalized: { ...profile.normalized, uuid: `${issuer}#${profile.sub}` },
      groups: [],
      identityVerified: rule.verified,
      attributeCount: profile.attributeCount,
      // Sealed with the record: the bank, the rule's outcome, and the bank's userinfo answer.
      raw: { bank, verifiedRule: { verified: rule.verified, missing: rule.missing }, userinfo },
      idTokenClaims: ex.idTokenClaims,
      style: `oidc at bank ${new URL(issuer).host}, PAR${c.privateJwk ? " + signed request object" : ""}, JARM${o.decryptionJwk ? " (encrypted)" : ""}, ${o.auth}`,
    };
  });
}

function defaultScopes(policy: VerificationPolicy): string[] {
  if (policy !== "identity") {
    throw new FlowError("configuration_error", "IDPartner verifies identity only; it has no community groups");
  }
  return [...IDPARTNER_SCOPES];
}

export const idpartner: VerificationProvider = {
  id: "idpartner",
  displayName: "IDPartner",
  policies: ["identity"] as const,
  defaultScopes,
  purpose: () => "confirm your identity through your bank",
  baseUrlOf: (stored) => (stored ?? DEFAULT_BASE_URL).replace(/\/+$/, ""),
  config: idpartnerConfigSchema,
  seed: (e) =>
    e.IDPARTNER_CLIENT_ID && (e.IDPARTNER_CLIENT_SECRET || e.IDPARTNER_TLS_KEY || e.IDPARTNER_AUTH === "private_key_jwt")
      ? {
          baseUrl: e.IDPARTNER_BASE_URL ?? null,
          clientId: e.IDPARTNER_CLIENT_ID,
          // tls_client_auth: the certificate's private key is kept in the (sealed) secret slot.
          clientSecret: (e.IDPARTNER_AUTH === "tls_client_auth" ? pemFromEnv(e.IDPARTNER_TLS_KEY) : e.IDPARTNER_CLIENT_SECRET) ?? "",
          config: {
            auth: e.IDPARTNER_AUTH ?? "client_secret_basic",
            allowedIssuers: issuerList(e.IDPARTNER_ALLOWED_ISSUERS),
            encryptResponses: false,
            tlsCert: pemFromEnv(e.IDPARTNER_TLS_CERT),
            tlsCa: pemFromEnv(e.IDPARTNER_TLS_CA),
          },
        }
      : null,
  chooser: {
    url(c, p) {
      const u = new URL(`${c.baseUrl}${SELECTOR_PATH}`);
      u.searchParams.set("client_id", c.clientId);
      u.searchParams.set("visitor_id", p.visitorId);
      u.searchParams.set("scope", scopesFor(p.scopes).join(" "));
      u.searchParams.set("claims", claimsRequest(p.scopes));
      return u;
    },
    visitorIdIn: (q) => q.get("visitor_id"),
    async accept(c, q) {
      const issuer = acceptIssuer(configOf(c), q.get("iss"));
      const idp = (q.get("idp_id") ?? "").replace(/[^A-Za-z0-9._-]/g, "").slice(0, 60);
      return {
        choice: issuer,
        description: `bank ${new URL(issuer).host}${idp ? ` (idp_id ${idp})` : ""} chosen at IDPartner's account selector`,
      };
    },
  },
  publicJwks: (jwk) => [
    { ...jwk, use: "sig" },
    { ...encryptionJwk(jwk), use: "enc" },
  ],
  authorizationUrl,
  complete,
  async check(c) {
    const issuers = allowedIssuers(configOf(c));
    if (!issuers.length) throw new FlowError("configuration_error", "no bank issuer is allowed (Settings → IDPartner → allowed banks)");
    const results = await Promise.allSettled(issuers.map((i) => client.check(oidcOptions(c, i))));
    const up = results.filter((r) => r.status === "fulfilled").length;
    if (!up) throw new FlowError("bank_unreachable", `none of the ${issuers.length} allowed banks answers discovery`);
    return `${up} of ${issuers.length} allowed banks answer discovery`;
  },
};

export default idpartner;
