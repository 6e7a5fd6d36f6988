import { callback, findAttempt, recordUnexpected } from "@/lib/flow";
import { readFlowCookies, respond } from "@/lib/flow/http";
import { errorPage } from "@/lib/flow/error-page";

// Back from ID.me with ?code=…&state=… or ?error=…
export async function GET(request: Request) {
  const { attemptId, oauthState } = await readFlowCookies();
  try {
    return await respond(await callback(attemptId, oauthState, new URL(request.url)));
  } catch (err) {
    const attempt = await recordUnexpected(await findAttempt(attemptId).catch(() => null), err);
    return attempt ? respond({ kind: "outcome", attempt }) : errorPage();
  }
}
