import { findAttempt, recordUnexpected, start } from "@/lib/flow";
import { crossSite, readFlowCookies, refused, respond } from "@/lib/flow/http";
import { errorPage } from "@/lib/flow/error-page";

// "Verify with ID.me": off to the provider's authorize endpoint.
export async function POST(request: Request) {
  if (crossSite(request)) return refused();
  const { attemptId } = await readFlowCookies();
  try {
    return await respond(await start(attemptId));
  } catch (err) {
    const attempt = await recordUnexpected(await findAttempt(attemptId).catch(() => null), err);
    return attempt ? respond({ kind: "outcome", attempt }) : errorPage();
  }
}
