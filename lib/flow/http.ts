import { cookies } from "next/headers";
import { flowStep, type FlowStep } from "../metrics/observe";
import { env } from "../env";
import { continueResponse } from "../auth0/continue-page";
import { giveBack, take } from "../ratelimit";
import { tooManyRequests } from "../ratelimit/page";
import { clientAddress } from "../security/client-address";
import { PLAIN_PAGE_CSP } from "../security/headers";
import { findAttempt, recordUnexpected, resume, type FlowRequest, type Outcome } from "./index";
import type { Attempt } from "./attempts";
import { BROWSER_COOKIE, browserSecretFrom, newBrowserSecret, openedBy } from "./binding";
import { errorPage } from "./error-page";
import { admitted } from "./admission";
import { closeIfAbandoned } from "./auth0-transaction";
import { DEFAULT_LOCALE, LOCALE_COOKIE, MESSAGES, isLocale, localeCookieOptions, requestLocale } from "./locale";
import { returnStatusFor } from "./states";

/**
 * Turning flow outcomes into HTTP responses, and the cookies that bind a
 * browser to its attempt. Every route of the flow goes through `flowRoute`:
 * the limit on refused requests per address, the browser binding, and the
 * last-resort error handling live here once.
 */

export const ATTEMPT_COOKIE = "idv_attempt";
export const STATE_COOKIE = "idv_oauth_state";
export { BROWSER_COOKIE };

const HOUR = 60 * 60;

function cookieOptions(maxAge: number) {
  return {
    httpOnly: true,
    sameSite: "lax" as const,
    secure: env().PORTAL_URL.startsWith("https://"),
    path: "/id-verification",
    maxAge,
  };
}

export interface FlowCookies {
  attemptId?: string;
  oauthState?: string;
  browserSecret?: string;
}

export async function readFlowCookies(): Promise<FlowCookies> {
  const jar = await cookies();
  return {
    attemptId: jar.get(ATTEMPT_COOKIE)?.value,
    oauthState: jar.get(STATE_COOKIE)?.value,
    browserSecret: browserSecretFrom(jar.get(BROWSER_COOKIE)?.value),
  };
}

/** For the pages: the attempt of this browser's cookie, or null when there is none or another browser opened it. */
export async function currentAttempt(): Promise<Attempt | null> {
  const { attemptId, browserSecret } = await readFlowCookies();
  const attempt = await findAttempt(attemptId);
  // An attempt left unfinished past Auth0's transaction is closed as it is read.
  return attempt && openedBy(attempt, browserSecret) ? closeIfAbandoned(attempt) : null;
}

function redirect(path: string | URL): Response {
  const location = typeof path === "string" ? `${env().PORTAL_URL}${path}` : path.toString();
  return new Response(null, { status: 303, headers: { location, "cache-control": "no-store" } });
}

/**
 * A "resume" outcome is answered with a redirect to /id-verification/continue,
 * except on that address itself (`renderContinue`), which shows the form.
 */
export async function respond(outcome: Outcome, req: FlowRequest, opts: { renderContinue?: boolean } = {}): Promise<Response> {
  const jar = await cookies();
  jar.set(BROWSER_COOKIE, req.browserSecret, cookieOptions(24 * HOUR));
  // Only an attempt this browser opened ever goes into its cookie.
  if (openedBy(outcome.attempt, req.browserSecret)) jar.set(ATTEMPT_COOKIE, outcome.attempt.id, cookieOptions(HOUR));
  switch (outcome.kind) {
    case "consent":
      if (outcome.locale) jar.set(LOCALE_COOKIE, outcome.locale, localeCookieOptions(env().PORTAL_URL.startsWith("https://")));
      return redirect("/id-verification/consent");
    case "provider":
      jar.set(STATE_COOKIE, outcome.oauthState, cookieOptions(30 * 60));
      return redirect(outcome.url);
    case "outcome":
      return redirect("/id-verification/outcome");
    case "resume": {
      if (!opts.renderContinue) return redirect("/id-verification/continue");
      const form = await resume(outcome.attempt);
      if (!form) return redirect("/id-verification/outcome");
      jar.delete({ name: STATE_COOKIE, path: "/id-verification" });
      const status = returnStatusFor(outcome.attempt.status);
      return continueResponse(form, { status, reference: outcome.attempt.referenceCode, text: continueText(req.locale, status) });
    }
  }
}

export interface StepContext {
  request: Request;
  cookies: FlowCookies;
  req: FlowRequest;
}

/**
 * One route of the flow. Each request takes a point of its address's limit
 * before any work and gives it back unless the flow refused it, so only
 * refusals count, simultaneous ones included; beyond the limit the answer is
 * 429, and no attempt is recorded.
 * `formPost`: a button on the portal's own pages (cross-site posts refused).
 */
export function flowRoute(
  name: FlowStep,
  step: (ctx: StepContext) => Promise<Outcome>,
  opts: { formPost?: boolean; renderContinue?: boolean } = {},
) {
  // Admission control (lib/flow/admission.ts): the steps that finish a login go first, new logins last.
  const priority = name === "callback" || name === "continue" || name === "resume" ? "finishing" : name === "begin" ? "new" : "step";
  return (request: Request): Promise<Response> => flowStep(name, () => admitted(priority, () => routeStep(request, step, opts), request));
}

async function routeStep(
  request: Request,
  step: (ctx: StepContext) => Promise<Outcome>,
  opts: { formPost?: boolean; renderContinue?: boolean },
): Promise<Response> {
  if (opts.formPost && crossSite(request)) return withPolicy(refused());
  const address = clientAddress(request.headers, env().TRUSTED_PROXY_HOPS);
  const limitKey = address ?? "unknown";
  const verdict = await take("flow_failures", limitKey);
  if (!verdict.allowed) return tooManyRequests("flow_failures", verdict);
  let counted = false;
  try {
    const answer = await handle(request, step, { address, renderContinue: opts.renderContinue });
    counted = answer.refused;
    return answer.response;
  } finally {
    if (!counted) await giveBack("flow_failures", limitKey);
  }
}

async function handle(
  request: Request,
  step: (ctx: StepContext) => Promise<Outcome>,
  opts: { address?: string; renderContinue?: boolean },
): Promise<{ response: Response; refused: boolean }> {
  const jar = await readFlowCookies();
  const req: FlowRequest = {
    browserSecret: jar.browserSecret ?? newBrowserSecret(),
    clientAddress: opts.address,
    locale: await requestLocale(),
  };
  let outcome: Outcome;
  try {
    outcome = await step({ request, cookies: jar, req });
  } catch (err) {
    // Only this browser's own attempt is marked as failed by an unexpected error.
    const mine = await findAttempt(jar.attemptId).catch(() => null);
    const attempt = await recordUnexpected(mine && openedBy(mine, req.browserSecret) ? mine : null, err, req);
    if (!attempt) return { response: errorPage(), refused: false };
    outcome = { kind: "outcome", attempt };
  }
  const refused = outcome.kind === "outcome" && outcome.refused === true;
  try {
    return { response: withPolicy(await respond(outcome, req, { renderContinue: opts.renderContinue })), refused };
  } catch {
    return { response: errorPage(), refused };
  }
}

/** The flow's routes answer with their own policy (proxy.ts leaves them alone); a redirect gets the plain one. */
function withPolicy(response: Response): Response {
  if (!response.headers.has("content-security-policy")) response.headers.set("content-security-policy", PLAIN_PAGE_CSP);
  return response;
}

/** Form posts must come from the portal's own pages (SameSite cookies aside). */
export function crossSite(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (!origin || origin === "null") return request.headers.get("sec-fetch-site") === "cross-site";
  return origin !== new URL(env().PORTAL_URL).origin;
}

export function refused(): Response {
  return new Response("Cross-site request refused.", { status: 403, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** The continue page's words in the person's language. */
function continueText(locale: string | undefined, status: string) {
  const lang = isLocale(locale) ? locale : DEFAULT_LOCALE;
  const m = MESSAGES[lang];
  return {
    lang,
    title: status === "success" ? m.continue.verifiedTitle : m.continue.returningTitle,
    body: m.continue.body,
    button: m.continue.button,
    portal: m.shell.portal,
    reference: m.shell.reference,
  };
}
