import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from "jose";
import { interactionPolicy, type Configuration } from "oidc-provider";
import { esc } from "./http";

/** oidc-provider pieces shared by the stand-ins (ID.me, IDPartner, the Auth0 tenant). */

/** One RSA signing key per start (RS256 ID tokens), named `<prefix>-<random>`. */
export async function signingKey(prefix: string): Promise<{ privateKey: CryptoKey; kid: string; privateJwk: JWK }> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = `${prefix}-${randomBytes(6).toString("hex")}`;
  return { privateKey, kid, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" } };
}

/** The login prompt on every authorization request (no SSO session reuse), so each login picks its user or persona afresh. */
export function askEveryTime(name: string, description: string) {
  const policy = interactionPolicy.base();
  policy.get("login")?.checks.add(new interactionPolicy.Check(name, description, (ctx) => !ctx.oidc?.result?.login));
  return policy;
}

/** oidc-provider's error page, in the stand-in's own page frame. */
export function errorPage(page: (title: string, body: string) => string): NonNullable<Configuration["renderError"]> {
  return (ctx, out) => {
    ctx.type = "html";
    ctx.body = page(
      "Error",
      `<h2>Something went wrong</h2>${Object.entries(out)
        .map(([k, v]) => `<p><strong>${esc(k)}</strong>: ${esc(String(v))}</p>`)
        .join("")}`,
    );
  };
}
