import { cookies } from "next/headers";
import { getDb } from "../db/client";
import { env } from "../env";
import { PLAIN_PAGE_CSP } from "../security/headers";
import { MESSAGES, requestLocale } from "./locale";
import { providerNameFor } from "./view";

/**
 * The waiting state while the provider's answer is checked (the code exchange and
 * userinfo can take up to PROVIDER_TIMEOUT_MS). A browser's first arrival at the callback
 * gets this small page at once; it reloads the same address (a meta refresh: no
 * JavaScript needed), and the browser keeps showing it until the checked result arrives.
 * A cookie tied to the provider's state marks the second arrival, which does the work.
 */

export const WAIT_COOKIE = "idv_wait";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The waiting page, or null when this request is to be handled now. */
export async function waitingPage(request: Request): Promise<Response | null> {
  const url = new URL(request.url);
  const state = url.searchParams.get("state");
  // Only a browser's page load with a code; anything else (and a repeat) is handled at once.
  if (request.headers.get("sec-fetch-dest") !== "document" || !url.searchParams.get("code") || !state || state.length > 200) return null;
  const jar = await cookies();
  if (jar.get(WAIT_COOKIE)?.value === state) return null;
  const attempt = await (await getDb()).attempt.findUnique({ where: { oauthState: state }, select: { provider: true, status: true } });
  if (!attempt || attempt.status !== "at_provider") return null;

  const locale = await requestLocale();
  const m = MESSAGES[locale].waiting;
  const provider = await providerNameFor(attempt.provider);
  const fill = (s: string) => esc(s.replace(/\{provider\}/g, provider));
  const self = `${env().PORTAL_URL}${url.pathname}${url.search}`;
  const html = `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${esc(self)}"><title>${esc(m.meta)} · ${esc(MESSAGES[locale].shell.portal)}</title>
<style>body{margin:0;font-family:ui-sans-serif,system-ui,sans-serif;background:#f8fafc;color:#0f172a}.wrap{display:flex;justify-content:center;padding:4rem 1rem}
main{max-width:28rem;width:100%;background:#fff;border:1px solid #e2e8f0;border-radius:1rem;padding:2rem;box-sizing:border-box}h1{font-size:1.5rem;margin:0 0 .5rem}p{color:#334155;line-height:1.5}
.bar{height:.375rem;border-radius:1rem;background:#d9eaff;overflow:hidden;margin:1.5rem 0}.bar span{display:block;height:100%;width:40%;background:#1f5fbf;border-radius:1rem;animation:go 1.4s ease-in-out infinite}
@keyframes go{0%{transform:translateX(-100%)}100%{transform:translateX(250%)}}@media (prefers-reduced-motion:reduce){.bar span{animation:none;width:100%}}
a{display:block;text-align:center;padding:.75rem 1rem;border:1px solid #cbd5e1;border-radius:.5rem;color:#0f172a;text-decoration:none;font-weight:500}
@media (prefers-color-scheme:dark){body{background:#020617;color:#f1f5f9}main{background:#0f172a;border-color:#334155}p{color:#e2e8f0}a{color:#f1f5f9;border-color:#475569}}</style></head>
<body><div class="wrap"><main role="status" aria-live="polite"><h1>${fill(m.title)}</h1><p>${fill(m.body)}</p><div class="bar" aria-hidden="true"><span></span></div>
<p>${fill(m.noScript)}</p><a href="${esc(self)}">${fill(m.button)}</a></main></div></body></html>`;
  const secure = env().PORTAL_URL.startsWith("https://");
  return new Response(html, {
    status: 200,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy": PLAIN_PAGE_CSP,
      "set-cookie": `${WAIT_COOKIE}=${encodeURIComponent(state)}; Path=/id-verification/callback; Max-Age=120; SameSite=Lax; HttpOnly${secure ? "; Secure" : ""}`,
    },
  });
}
