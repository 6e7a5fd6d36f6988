import { z } from "zod";
import type { VerificationProvider } from "../types";
import { FlowError } from "../../flow/states";
import { exchangeCode, fetchUserinfo } from "./client";
import * as idmeClient from "./client";
import { GROUP_WORDS, IDME_BASE_URLS, idmeDefaultScopes } from "./scopes";

/** ID.me's own settings: which of its environments (a base URL override, e.g. the local stand-in, wins). */
const config = z.object({ environment: z.enum(["sandbox", "production"]).catch("sandbox") });

/** ID.me as the flow sees it: identity proofing (IAL2) and community groups. */
export const idme: VerificationProvider = {
  id: "idme",
  displayName: "ID.me",
  policies: ["identity", "community"],
  defaultScopes: idmeDefaultScopes,
  purpose: (policy, group) =>
    policy === "identity"
      ? "confirm your identity"
      : `confirm that you are ${group ? (GROUP_WORDS[group] ?? `part of the “${group}” community`) : "part of an eligible community"}`,
  baseUrlOf: (stored, c) => (stored ? stored.replace(/\/+$/, "") : IDME_BASE_URLS[config.parse(c).environment]),
  config,
  seed: (e) => ({
    baseUrl: e.IDME_BASE_URL ?? null,
    clientId: e.IDME_CLIENT_ID,
    clientSecret: e.IDME_CLIENT_SECRET,
    config: { environment: e.IDME_ENVIRONMENT },
  }),
  authorizationUrl: idmeClient.authorizationUrl,
  async complete(conn, callbackUrl, checks) {
    const openid = checks.scopes.includes("openid");
    const ex = await exchangeCode(conn, callbackUrl, { ...checks, openid });
    const info = await fetchUserinfo(conn, ex);
    const idTokenClaims = ex.idTokenClaims;
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
    const config = await idmeClient.configuration(conn);
    return `discovery at ${new URL(config.serverMetadata().issuer).origin} reachable`;
  },
};

export default idme;
