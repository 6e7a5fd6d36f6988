import type { TenantClient } from "../auth0/tenant-data";
import { DEMO_PASSWORD } from "../auth0/tenant-data";
import { TestBrowser } from "./browser";

/**
 * Tests: an application's login at the Auth0 tenant stand-in by HTTP (the sign-in page,
 * then the redirects to the client's redirect_uri) and its token requests, for tests that
 * need a user's refresh token (e.g. to see it revoked). The tenant should run a Login flow
 * that lets the login through (e.g. `actions: []`).
 */

/** A token request to the tenant as `client` (client_secret_basic). */
export async function tenantToken(tenantUrl: string, client: TenantClient, form: Record<string, string>) {
  const res = await fetch(`${tenantUrl}/oauth/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString("base64")}`,
    },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Logs `userId` in to `client` and exchanges the code: the token answer (with a refresh token). */
export async function tenantLogin(tenantUrl: string, client: TenantClient, userId: string) {
  const browser = new TestBrowser();
  const redirect = client.redirect_uris[0]!;
  const authorize = new URL("/authorize", tenantUrl);
  authorize.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: redirect,
    response_type: "code",
    scope: "openid profile email offline_access",
    state: "s-1",
    nonce: "n-1",
  }).toString();
  const signIn = await browser.go(authorize.href);
  if (!/\/u\/login\//.test(signIn.url)) throw new Error(`no sign-in page: ${signIn.url}`);
  const back = await browser.go(signIn.url, {
    method: "POST",
    form: { user_id: userId, password: DEMO_PASSWORD },
    stopAt: (u) => u.startsWith(redirect),
  });
  const code = new URL(back.url).searchParams.get("code");
  if (!code) throw new Error(`the login did not end with a code: ${back.url}`);
  const tokens = await tenantToken(tenantUrl, client, { grant_type: "authorization_code", code, redirect_uri: redirect });
  if (tokens.status !== 200) throw new Error(`the code exchange answered ${tokens.status}`);
  return tokens.body as { refresh_token: string; access_token: string; id_token: string };
}
