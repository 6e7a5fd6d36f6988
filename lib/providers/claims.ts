/** JWT / OIDC protocol claims: about the token, not the person. Each provider's parser adds its own. */
export const OIDC_PROTOCOL_CLAIMS: readonly string[] = [
  "iss",
  "sub",
  "aud",
  "exp",
  "nbf",
  "iat",
  "jti",
  "nonce",
  "auth_time",
  "acr",
  "amr",
  "azp",
  "at_hash",
  "c_hash",
  "s_hash",
  "sid",
];
