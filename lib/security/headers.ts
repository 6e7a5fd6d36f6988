/**
 * The security headers of every response (set by proxy.ts) and the Content
 * Security Policies of the portal's three kinds of page:
 *
 * - React pages (end-user and staff): scripts only with the request's nonce
 *   (Next.js reads it from the request's CSP header and puts it on its own
 *   scripts), styles from the portal only. Inline style *attributes* are
 *   allowed: the charts colour their legends with them, and an attribute can
 *   neither run script nor load anything beyond img-src/font-src ('self').
 * - Plain pages built without React (the error and "too many requests" pages):
 *   one inline style block, nothing else.
 * - The continue page (lib/auth0/continue-page.ts) keeps its own policy.
 *
 * No `form-action` on the end-user pages: browsers apply it to the redirects
 * after a form post, and "Verify" goes on to the provider's (configurable)
 * address. Staff pages limit it to the portal and the staff Auth0 domain.
 */

export const PLAIN_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function reactPageCsp(nonce: string, opts: { formAction?: string[]; imgSrc?: string[] } = {}): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "style-src-attr 'unsafe-inline'",
    ["img-src 'self' data: blob:", ...(opts.imgSrc ?? [])].join(" "),
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    ...(opts.formAction ? [`form-action ${opts.formAction.join(" ")}`] : []),
  ].join("; ");
}

/** Powerful browser features the portal never uses. */
export const PERMISSIONS_POLICY =
  "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()";

/** Headers for every response: HSTS only when the portal is served over https (a browser ignores it on http anyway). */
export function baseSecurityHeaders(portalUrl: string): Record<string, string> {
  const headers: Record<string, string> = { "permissions-policy": PERMISSIONS_POLICY };
  if (portalUrl.startsWith("https://")) headers["strict-transport-security"] = "max-age=31536000; includeSubDomains";
  return headers;
}

/** An origin (scheme://host[:port]) of a configured Auth0 domain (bare host = https). */
export function originOf(domain: string): string {
  return new URL(/^https?:\/\//i.test(domain) ? domain : `https://${domain}`).origin;
}

/** Set by proxy.ts on every request it passes on: "staff" or "person" (a client's own value is replaced). */
export const AREA_HEADER = "x-idv-area";
