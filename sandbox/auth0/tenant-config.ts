import { randomBytes } from "node:crypto";
import type { JWK } from "jose";
import type { Configuration, KoaContextWithOIDC } from "oidc-provider";
import { createMemoryAdapterFactory } from "../shared/oidc-memory-adapter";
import { askEveryTime, errorPage } from "../shared/oidc";
import { refreshTokenFlow } from "./login-flow";
import { page } from "./tenant-pages";
import {
  ACCESS_TOKEN_TTL,
  COOKIE_NAMES,
  ID_TOKEN_TTL,
  PATHS,
  REFRESH_TOKEN_TTL,
  TRANSACTION_TTL_MS,
  type TenantState,
} from "./tenant-state";

/** The Auth0 tenant stand-in's oidc-provider configuration: Auth0's routes, lifetimes and claims. */

export function buildConfiguration(t: TenantState, privateJwk: JWK): Configuration {
  // Every authorization shows the sign-in page (no SSO reuse), so the Action runs on each login.
  const policy = askEveryTime("auth0_standin_sign_in", "the Auth0 stand-in asks for a user on every request");

  return {
    adapter: createMemoryAdapterFactory(t.store),
    clients: [...t.clients.values()].map((c) => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      client_name: c.name,
      redirect_uris: c.redirect_uris,
      post_logout_redirect_uris: c.post_logout_redirect_uris ?? [],
      grant_types: c.grant_types ?? ["authorization_code", "refresh_token"],
      response_types: ["code"],
      // Either method works: oidc-provider accepts basic and post for a client registered with one.
      token_endpoint_auth_method: "client_secret_basic",
    })),
    clientAuthMethods: ["client_secret_basic", "client_secret_post"],
    jwks: { keys: [privateJwk as Record<string, unknown>] },
    responseTypes: ["code"],
    scopes: ["openid", "offline_access", "profile", "email"],
    claims: {
      openid: ["sub", ...t.actionClaims],
      profile: ["name", "given_name", "family_name", "nickname", "picture"],
      email: ["email", "email_verified"],
    },
    // Auth0 puts profile and custom claims in the ID token even when an access token is issued.
    conformIdTokenClaims: false,
    // `token`: the code, refresh token or access token the account is loaded for; its grant
    // names the login whose Actions' claims the ID token (or userinfo) carries.
    findAccount: async (ctx, sub, token) => {
      const user = t.users.get(sub);
      if (!user) return undefined;
      const clientId = ctx.oidc?.client?.clientId;
      const grantId = (token as { grantId?: string } | undefined)?.grantId;
      if (clientId && grantId && ctx.oidc?.route === "token" && ctx.oidc.params?.grant_type === "refresh_token") {
        await refreshTokenFlow(t, user, clientId, grantId);
      }
      return {
        accountId: user.user_id,
        claims: () => ({
          sub: user.user_id,
          name: user.name,
          // Only what the user has (set by the Management API): no derived or default values.
          ...(user.given_name ? { given_name: user.given_name } : {}),
          ...(user.family_name ? { family_name: user.family_name } : {}),
          ...(user.nickname ? { nickname: user.nickname } : {}),
          ...(user.picture ? { picture: user.picture } : {}),
          email: user.email,
          email_verified: user.email_verified ?? true,
          ...(grantId ? t.grantClaims.get(grantId) : {}),
        }),
      };
    },
    interactions: {
      policy,
      url: (_ctx, interaction) => `${PATHS.login}${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: false },
      claimsParameter: { enabled: false },
      resourceIndicators: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx: KoaContextWithOIDC, form: string) => {
          ctx.type = "html";
          ctx.body = page(
            "Log out",
            `<h2>Log out of the Auth0 tenant (local stand-in)?</h2>
             ${form}
             <div class="actions">
               <button type="submit" form="op.logoutForm" name="logout" value="yes" class="primary" autofocus>Log out</button>
               <button type="submit" form="op.logoutForm" class="secondary">Stay signed in</button>
             </div>`,
          );
        },
        postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => {
          ctx.type = "html";
          ctx.body = page("Logged out", "<h2>You are logged out.</h2>");
        },
      },
    },
    routes: {
      authorization: PATHS.authorization,
      token: PATHS.token,
      revocation: PATHS.revocation,
      userinfo: PATHS.userinfo,
      jwks: PATHS.jwks,
      end_session: PATHS.endSession,
    },
    // Accepted (S256) but, as on Auth0 for confidential applications, not required.
    pkce: { required: () => false },
    // Auth0's refresh tokens do not rotate unless configured to.
    rotateRefreshToken: false,
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL,
      AuthorizationCode: 60,
      IdToken: ID_TOKEN_TTL,
      RefreshToken: REFRESH_TOKEN_TTL,
      Interaction: TRANSACTION_TTL_MS / 1000,
      Session: 3600,
      Grant: REFRESH_TOKEN_TTL,
    },
    cookies: { keys: [randomBytes(32).toString("base64url")], names: COOKIE_NAMES },
    renderError: errorPage(page),
  };
}
