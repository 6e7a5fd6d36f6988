import { randomBytes } from "node:crypto";
import { NextResponse, type NextRequest } from "next/server";
import { env } from "./lib/env";
import { staffAuth } from "./lib/staff/auth0";
import { limitStaffLookup } from "./lib/ratelimit/staff";
import { withoutClientForwardedFor } from "./lib/security/client-address";
import { AREA_HEADER, baseSecurityHeaders, originOf, reactPageCsp } from "./lib/security/headers";

/**
 * Every request but static files passes here:
 * - security headers on every response, and a Content-Security-Policy with a
 *   fresh nonce for the React pages (the nonce reaches Next.js through the
 *   request's CSP header; the root layout renders every page per request);
 * - without a trusted proxy, a client's own X-Forwarded-For is dropped, so the
 *   flow sees the socket address (lib/security/client-address.ts);
 * - staff sign-in routes (/auth/*) and session upkeep for /admin and /api/admin,
 *   and the limit on staff lookups.
 */

const STAFF = /^\/(auth|admin|api\/admin)(\/|$)/;
// Pages in the staff's language (English): theirs, and where their sign-out ends.
const STAFF_PAGES = /^\/(auth|admin|api\/admin|signed-out)(\/|$)/;
// The flow's route handlers answer with their own policy (above all the continue
// page's, which a policy set here would replace); every other path gets the common one.
const FLOW_ROUTES = new Set(
  ["start", "decline", "restart", "retry", "language", "callback", "resume", "continue"]
    .map((r) => `/id-verification/${r}`)
    .concat("/id-verification"),
);

export async function proxy(request: NextRequest) {
  const e = env();
  const path = request.nextUrl.pathname;
  const staff = STAFF.test(path);
  const ownPolicy = FLOW_ROUTES.has(path.replace(/\/+$/, ""));
  const nonce = randomBytes(16).toString("base64");
  const csp = ownPolicy
    ? null
    : // A person's page may show the application's logo from its own https address (lib/flow/branding.ts).
      reactPageCsp(nonce, staff ? { formAction: ["'self'", originOf(e.STAFF_AUTH0_DOMAIN ?? e.AUTH0_DOMAIN)] } : { imgSrc: ["https:"] });

  const requestHeaders = withoutClientForwardedFor(request.headers, e.TRUSTED_PROXY_HOPS);
  // Next.js takes the nonce from the request's CSP header: never one a client sent.
  requestHeaders.delete("x-nonce");
  requestHeaders.delete("content-security-policy");
  // Whose page this is, for the root layout's <html lang> (staff pages are English; a person's in their language).
  requestHeaders.set(AREA_HEADER, STAFF_PAGES.test(path) ? "staff" : "person");
  if (csp) {
    requestHeaders.set("x-nonce", nonce);
    requestHeaders.set("content-security-policy", csp);
  }

  const response = await route(request, requestHeaders, staff);
  for (const [name, value] of Object.entries(baseSecurityHeaders(e.PORTAL_URL))) response.headers.set(name, value);
  if (csp && !response.headers.has("content-security-policy")) response.headers.set("content-security-policy", csp);
  return response;
}

async function route(request: NextRequest, requestHeaders: Headers, staff: boolean): Promise<Response> {
  if (!staff) return NextResponse.next({ request: { headers: requestHeaders } });
  const auth = staffAuth();
  if (!auth) {
    if (request.nextUrl.pathname.startsWith("/auth/")) {
      return new NextResponse("Staff sign-in is not configured on this portal.", { status: 404 });
    }
    return NextResponse.next({ request: { headers: requestHeaders } });
  }
  const limited = await limitStaffLookup(request, auth);
  if (limited) return limited;
  const upstream = await auth.middleware(request);
  if (!upstream.headers.has("x-middleware-next")) return upstream; // an /auth/* answer (redirect, callback)
  // Session upkeep: keep its cookies and headers, and pass the request headers on.
  const next = NextResponse.next({ request: { headers: requestHeaders } });
  upstream.headers.forEach((value, name) => {
    if (name !== "set-cookie" && name !== "x-middleware-next" && !next.headers.has(name)) next.headers.set(name, value);
  });
  for (const cookie of upstream.headers.getSetCookie()) next.headers.append("set-cookie", cookie);
  return next;
}

export const config = { matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"] };
