/**
 * The ID.me stand-in's Shared Signals transmitter (OpenID Shared Signals Framework
 * 1.0, push delivery per RFC 8935): it signs Security Event Tokens (RFC 8417) with
 * a key of its own, publishes that key, and POSTs the tokens to a receiver.
 *
 *   <base>/.well-known/ssf-configuration/oidc   transmitter metadata (issuer <base>/oidc)
 *   <base>/ssf/jwks                             its public key
 *
 * The issuer is ID.me's OpenID issuer, so a subject `{format: "iss_sub", iss, sub}`
 * names the same ID.me account its ID tokens name. Tests and the demo call `push`;
 * the receiver's answer comes back as it was (status and body).
 */
import { randomUUID } from "node:crypto";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from "jose";

export const SSF_PATHS = {
  configuration: "/.well-known/ssf-configuration/oidc",
  jwks: "/ssf/jwks",
} as const;

export const RISC_ACCOUNT_DISABLED = "https://schemas.openid.net/secevent/risc/event-type/account-disabled";
export const RISC_CREDENTIAL_COMPROMISE = "https://schemas.openid.net/secevent/risc/event-type/credential-compromise";

export interface PushRequest {
  /** The receiver's push endpoint, e.g. http://127.0.0.1:3000/api/ssf/events */
  receiver: string;
  audience: string;
  /** The event type URI and its payload (default: the subject only). */
  type: string;
  /** The ID.me account uuid the event is about (`iss_sub` with ID.me's issuer). */
  subjectUuid?: string;
  payload?: Record<string, unknown>;
  jti?: string;
  /** Seconds since the epoch; default now. */
  iat?: number;
}

export interface PushAnswer {
  status: number;
  body: string;
  /** The SET that was sent (for replay tests). */
  token: string;
}

export interface Transmitter {
  issuer: string;
  jwksUrl: string;
  jwks(): { keys: JWK[] };
  configuration(): Record<string, unknown>;
  sign(req: Omit<PushRequest, "receiver">): Promise<string>;
  push(req: PushRequest): Promise<PushAnswer>;
}

/** POSTs a SET as RFC 8935 says: the token is the body, `application/secevent+jwt`. */
export async function deliver(receiver: string, token: string): Promise<PushAnswer> {
  const res = await fetch(receiver, {
    method: "POST",
    headers: { "content-type": "application/secevent+jwt", accept: "application/json" },
    body: token,
  });
  return { status: res.status, body: await res.text(), token };
}

export async function createTransmitter(baseUrl: string, issuer: string): Promise<Transmitter> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = `ssf-${randomUUID().slice(0, 8)}`;
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const jwksUrl = `${baseUrl}${SSF_PATHS.jwks}`;

  const sign = async (req: Omit<PushRequest, "receiver">, key: CryptoKey = privateKey) => {
    const event = { ...(req.payload ?? {}) };
    const claims: Record<string, unknown> = { events: { [req.type]: event } };
    if (req.subjectUuid) claims.sub_id = { format: "iss_sub", iss: issuer, sub: req.subjectUuid };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", typ: "secevent+jwt", kid })
      .setIssuer(issuer)
      .setAudience(req.audience)
      .setJti(req.jti ?? randomUUID())
      .setIssuedAt(req.iat ?? Math.floor(Date.now() / 1000))
      .sign(key);
  };

  return {
    issuer,
    jwksUrl,
    jwks: () => ({ keys: [publicJwk] }),
    configuration: () => ({
      spec_version: "1_0",
      issuer,
      jwks_uri: jwksUrl,
      delivery_methods_supported: ["urn:ietf:rfc:8935"],
      critical_subject_members: ["sub_id"],
      default_subjects: "ALL",
    }),
    sign: (req) => sign(req),
    push: async (req) => deliver(req.receiver, await sign(req)),
  };
}
