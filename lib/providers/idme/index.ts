import type { VerificationProvider } from "../types";
import { FlowError } from "../../flow/states";
import { authorizationUrl, configuration, exchangeCode, fetchUserinfo } from "./client";
import { IDENTITY_SCOPE } from "../../settings/schema";

/** ID.me as the flow sees it: identity proofing (IAL2) and community groups. */
export const idme: VerificationProvider = {
  id: "idme",
  displayName: "ID.me",
  policies: ["identity", "community"],
  defaultScopes: (policy) => (policy === "identity" ? ["openid", IDENTITY_SCOPE] : ["openid", "military"]),
  authorizationUrl,
  async complete(conn, callbackUrl, checks) {
    const openid = checks.scopes.includes("openid");
    const { accessToken, idTokenClaims } = await exchangeCode(conn, callbackUrl, { ...checks, openid });
    const info = await fetchUserinfo(conn, accessToken);
    // OIDC Core 5.3.2: a signed userinfo answer must name the ID token's subject.
    if (info.jwtSub && idTokenClaims?.sub && info.jwtSub !== idTokenClaims.sub) {
      throw new FlowError("subject_mismatch", "the userinfo JWT and the ID token name different subjects");
    }
    return {
      uuid: info.parsed.uuid,
      normalized: info.parsed.normalized,
      groups: info.parsed.groups,
      identityVerified: info.parsed.identityVerified,
      attributeCount: Object.keys(info.parsed.attributes).length,
      raw: info.raw,
      idTokenClaims,
      style: `${idTokenClaims ? "OIDC" : "OAuth"}, ${info.jwtSub !== null ? "signed JWT" : "JSON"} userinfo`,
    };
  },
  async check(conn) {
    const config = await configuration(conn);
    return `discovery at ${new URL(config.serverMetadata().issuer).origin} reachable`;
  },
};
