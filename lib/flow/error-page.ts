import { newReferenceCode } from "./reference";
import { log } from "../log";
import { PLAIN_PAGE_CSP } from "../security/headers";

/** When even the database is out of reach: a plain page with a code that is in the server log. */
export function errorPage(): Response {
  const ref = newReferenceCode();
  log("error", "verification flow failed without a database record", { ref, code: "database_error" });
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Something went wrong · Identity Verification Portal</title>
<style>body{font-family:ui-sans-serif,system-ui,sans-serif;background:#f8fafc;color:#0f172a;display:flex;justify-content:center;padding:4rem 1rem}main{max-width:28rem;background:#fff;border:1px solid #e2e8f0;border-radius:1rem;padding:2rem}</style></head>
<body><main><h1>Something went wrong</h1><p>The verification service could not finish this step. Go back to the application and sign in again. If it keeps happening, contact support and give them this reference code:</p><p><strong data-testid="reference-code">${ref}</strong></p></main></body></html>`;
  return new Response(html, {
    status: 503,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "content-security-policy": PLAIN_PAGE_CSP },
  });
}
