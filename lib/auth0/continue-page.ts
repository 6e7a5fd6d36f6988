import { randomBytes } from "node:crypto";
import type { ContinueForm } from "../flow";

/**
 * The auto-submitting form that resumes the Auth0 login (PROTOCOLS §2): a POST
 * of `token` to https://<AUTH0_DOMAIN>/continue?state=…, with a visible button
 * for browsers without JavaScript. Plain HTML so that it needs nothing else.
 */

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page's words in the person's language (lib/flow/locale.ts; the catalogue's `continue` and `shell`). */
export interface ContinueText {
  lang: string;
  title: string;
  body: string;
  button: string;
  portal: string;
  reference: string;
}

const ENGLISH = {
  lang: "en",
  body: "Taking you back to the application…",
  button: "Continue to the application",
  portal: "Identity Verification Portal",
  reference: "Reference code:",
};

export function continueResponse(form: ContinueForm, opts: { status: string; reference: string; text?: ContinueText }): Response {
  const headers = new Headers({ "cache-control": "no-store", "referrer-policy": "no-referrer" });
  if (form.method === "get") {
    const url = new URL(form.action);
    url.searchParams.set("token", form.token);
    headers.set("location", url.toString());
    return new Response(null, { status: 303, headers });
  }
  const nonce = randomBytes(16).toString("base64");
  const text = opts.text ?? { ...ENGLISH, title: opts.status === "success" ? "You're verified" : "Returning to the application" };
  headers.set("content-type", "text/html; charset=utf-8");
  headers.set(
    "content-security-policy",
    // No form-action: Chrome applies it to the redirects that follow the POST
    // (Auth0 → the application's callback), which would stall the login.
    `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; base-uri 'none'; frame-ancestors 'none'`,
  );
  const html = `<!doctype html>
<html lang="${esc(text.lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(text.title)} · ${esc(text.portal)}</title>
<style>
body{margin:0;font-family:ui-sans-serif,system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;background:#f8fafc;color:#0f172a}
.wrap{min-height:100vh;display:flex;flex-direction:column;align-items:center;padding:4rem 1rem}
.brand{font-weight:600;font-size:1.125rem;color:#0d2a55;margin-bottom:1.5rem}
main{width:100%;max-width:28rem;background:#fff;border:1px solid #e2e8f0;border-radius:1rem;padding:2rem;box-sizing:border-box}
h1{font-size:1.5rem;margin:0 0 .5rem}p{color:#334155;line-height:1.5}
button{width:100%;padding:.75rem 1rem;font-size:1rem;font-weight:600;color:#fff;background:#1f5fbf;border:0;border-radius:.5rem;cursor:pointer}
button:focus-visible{outline:3px solid #1f5fbf;outline-offset:2px}.ref{margin-top:1rem;font-size:.875rem;color:#475569}
</style></head>
<body><div class="wrap"><div class="brand">${esc(text.portal)}</div>
<main><h1>${esc(text.title)}</h1><p>${esc(text.body)}</p>
<form method="post" action="${esc(form.action)}" id="continue">
<input type="hidden" name="token" value="${esc(form.token)}">
<button type="submit">${esc(text.button)}</button>
</form></main>
<p class="ref">${esc(text.reference)} <span data-testid="reference-code">${esc(opts.reference)}</span></p></div>
<script nonce="${nonce}">document.getElementById("continue").submit();</script>
</body></html>`;
  return new Response(html, { status: 200, headers });
}
