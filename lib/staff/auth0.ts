import { Auth0Client } from "@auth0/nextjs-auth0/server";
import { env } from "../env";

/**
 * Staff sign-in: @auth0/nextjs-auth0 (v4) against the same Auth0 tenant the
 * verification flow serves (or STAFF_AUTH0_DOMAIN). Mounted by proxy.ts at
 * /auth/login, /auth/callback and /auth/logout. Null when not configured.
 */

type Holder = { client?: Auth0Client | null };
const holder: Holder = ((globalThis as { __idvStaffAuth?: Holder }).__idvStaffAuth ??= {});

export function staffSignInConfigured(): boolean {
  const e = env();
  return Boolean(e.STAFF_CLIENT_ID && e.STAFF_CLIENT_SECRET && e.STAFF_SESSION_SECRET);
}

export function staffAuth(): Auth0Client | null {
  if (holder.client !== undefined) return holder.client;
  if (!staffSignInConfigured()) return (holder.client = null);
  const e = env();
  const domain = e.STAFF_AUTH0_DOMAIN ?? e.AUTH0_DOMAIN;
  const local = /^http:\/\/localhost(:\d+)?$/i.test(domain);
  const rolesClaim = e.STAFF_ROLES_CLAIM;
  holder.client = new Auth0Client({
    domain,
    clientId: e.STAFF_CLIENT_ID,
    clientSecret: e.STAFF_CLIENT_SECRET,
    secret: e.STAFF_SESSION_SECRET!,
    appBaseUrl: e.PORTAL_URL,
    // Plain HTTP only for a tenant stand-in on this machine.
    allowInsecureRequests: local,
    signInReturnToPath: "/admin",
    authorizationParameters: { scope: "openid profile email" },
    session: { rolling: true, absoluteDuration: 12 * 3600, inactivityDuration: 3600 },
    // The portal calls no API with the staff access token: /auth/access-token would only hand it to page scripts.
    enableAccessTokenEndpoint: false,
    // Keep only what the portal needs from the ID token: who, whether Auth0 verified their email, and their roles.
    beforeSessionSaved: async (session) => {
      const u = session.user as Record<string, unknown>;
      const roles = Array.isArray(u[rolesClaim]) ? (u[rolesClaim] as unknown[]).filter((r): r is string => typeof r === "string") : [];
      return {
        ...session,
        user: {
          sub: String(u.sub),
          email: typeof u.email === "string" ? u.email : undefined,
          email_verified: u.email_verified === true,
          name: typeof u.name === "string" ? u.name : undefined,
          roles,
        },
      };
    },
  });
  return holder.client;
}
