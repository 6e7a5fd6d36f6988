import { newReferenceCode } from "../flow/reference";
import { log } from "../log";
import { PLAIN_PAGE_CSP } from "../security/headers";
import { countRefusal, type LimitName, type Verdict } from "./index";

/**
 * The answer beyond a limit: 429 with Retry-After and a plain page carrying a
 * reference code that is in the server log. The refusal is counted; nothing
 * else is recorded (no attempt).
 */

const TEXT: Record<LimitName, { title: string; body: string }> = {
  flow_failures: {
    title: "Too many attempts",
    body: "This device or network has made too many verification requests that could not be accepted. Wait a few minutes, then go back to the application and sign in again.",
  },
  staff_lookups: {
    title: "Too many lookups",
    body: "You have looked up more reference codes and records than the portal allows in a short time. Wait a few minutes and try again. If you need more, ask an admin about RATE_LIMIT_STAFF_LOOKUPS.",
  },
};

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function tooManyRequests(name: LimitName, verdict: Verdict): Promise<Response> {
  const ref = newReferenceCode();
  log("warn", "rate limit reached; request refused", { ref, step: name, code: "rate_limited" });
  await countRefusal(name);
  const text = TEXT[name];
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(text.title)} · Identity Verification Portal</title>
<style>body{font-family:ui-sans-serif,system-ui,sans-serif;background:#f8fafc;color:#0f172a;display:flex;justify-content:center;padding:4rem 1rem}main{max-width:28rem;background:#fff;border:1px solid #e2e8f0;border-radius:1rem;padding:2rem}</style></head>
<body><main><h1>${esc(text.title)}</h1><p>${esc(text.body)}</p><p>If you contact support, give them this reference code:</p><p><strong data-testid="reference-code">${ref}</strong></p></main></body></html>`;
  return new Response(html, {
    status: 429,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "retry-after": String(verdict.retryAfterSec),
      "content-security-policy": PLAIN_PAGE_CSP,
    },
  });
}
