import { decline, findAttempt, recordUnexpected } from "@/lib/flow";
import { crossSite, readFlowCookies, refused, respond } from "@/lib/flow/http";
import { errorPage } from "@/lib/flow/error-page";

// "Not now": the person chooses not to verify.
export async function POST(request: Request) {
  if (crossSite(request)) return refused();
  const { attemptId } = await readFlowCookies();
  try {
    return await respond(await decline(attemptId));
  } catch (err) {
    const attempt = await recordUnexpected(await findAttempt(attemptId).catch(() => null), err);
    return attempt ? respond({ kind: "outcome", attempt }) : errorPage();
  }
}
