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

/** A provider's answer that cannot be read: `code` is the failure code the flow records (lib/flow/states.ts); subclasses name themselves. */
export class ClaimsReadError<C extends string> extends Error {
  readonly code: C;

  constructor(code: C, message: string) {
    super(message);
    this.code = code;
  }
}
