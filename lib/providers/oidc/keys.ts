import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, type JWK } from "jose";

/**
 * The portal's own signing key for private_key_jwt client authentication: made by
 * the portal (never uploaded), kept sealed in provider_setting.private_key_enc, and
 * published without its private part at /id-verification/jwks.
 */

export const CLIENT_KEY_ALG = "RS256";

export async function generateClientKey(alg: "RS256" | "PS256" = CLIENT_KEY_ALG): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  return { ...(await exportJWK(privateKey)), kid: `idv-${randomBytes(8).toString("hex")}`, alg, use: "sig" };
}

/** The public half of a private JWK: only the members a public RSA or EC key has. */
export function publicJwk(jwk: JWK): JWK {
  const { kty, n, e, crv, x, y, kid, alg, use } = jwk;
  return Object.fromEntries(Object.entries({ kty, n, e, crv, x, y, kid, alg, use }).filter(([, v]) => v !== undefined)) as JWK;
}
