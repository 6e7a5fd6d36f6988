import { cookies } from "next/headers";
import { env } from "../env";
import { continueResponse } from "../auth0/continue-page";
import { resume, type Outcome } from "./index";
import { returnStatusFor } from "./states";

/** Turning flow outcomes into HTTP responses, and the cookies that bind a browser to its attempt. */

export const ATTEMPT_COOKIE = "idv_attempt";
export const STATE_COOKIE = "idv_oauth_state";

function cookieOptions(maxAge: number) {
  return {
    httpOnly: true,
    sameSite: "lax" as const,
    secure: env().PORTAL_URL.startsWith("https://"),
    path: "/id-verification",
    maxAge,
  };
}

export async function readFlowCookies() {
  const jar = await cookies();
  return { attemptId: jar.get(ATTEMPT_COOKIE)?.value, oauthState: jar.get(STATE_COOKIE)?.value };
}

function redirect(path: string | URL): Response {
  const location = typeof path === "string" ? `${env().PORTAL_URL}${path}` : path.toString();
  return new Response(null, { status: 303, headers: { location, "cache-control": "no-store" } });
}

export async function respond(outcome: Outcome): Promise<Response> {
  const jar = await cookies();
  jar.set(ATTEMPT_COOKIE, outcome.attempt.id, cookieOptions(60 * 60));
  switch (outcome.kind) {
    case "consent":
      return redirect("/id-verification/consent");
    case "provider":
      jar.set(STATE_COOKIE, outcome.oauthState, cookieOptions(30 * 60));
      return redirect(outcome.url);
    case "outcome":
      return redirect("/id-verification/outcome");
    case "resume": {
      const form = await resume(outcome.attempt);
      if (!form) return redirect("/id-verification/outcome");
      jar.delete({ name: STATE_COOKIE, path: "/id-verification" });
      return continueResponse(form, { status: returnStatusFor(outcome.attempt.status), reference: outcome.attempt.referenceCode });
    }
  }
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
