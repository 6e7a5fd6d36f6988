import { begin, recordUnexpected } from "@/lib/flow";
import { respond } from "@/lib/flow/http";
import { errorPage } from "@/lib/flow/error-page";

// Entry point of the Auth0 post-login Action's redirect (PROTOCOLS §1).
export async function GET(request: Request) {
  try {
    return await respond(await begin(new URL(request.url).searchParams));
  } catch (err) {
    const attempt = await recordUnexpected(null, err);
    return attempt ? respond({ kind: "outcome", attempt }) : errorPage();
  }
}
