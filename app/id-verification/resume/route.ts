import { findAttempt } from "@/lib/flow";
import { crossSite, readFlowCookies, refused, respond } from "@/lib/flow/http";
import { errorPage } from "@/lib/flow/error-page";

// "Back to the application" on the outcome page: resume the Auth0 login with the attempt's status.
export async function POST(request: Request) {
  if (crossSite(request)) return refused();
  const { attemptId } = await readFlowCookies();
  try {
    const attempt = await findAttempt(attemptId);
    if (!attempt) return errorPage();
    return await respond({ kind: "resume", attempt });
  } catch {
    return errorPage();
  }
}
