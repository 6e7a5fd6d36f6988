import { callback } from "@/lib/flow";
import { flowRoute } from "@/lib/flow/http";
import { waitingPage } from "@/lib/flow/waiting-page";

const handle = flowRoute("callback", ({ request, cookies, req }) =>
  callback(cookies.attemptId, cookies.oauthState, new URL(request.url), req),
);

// Back from the provider with ?code=…&state=… or ?error=…; a browser first sees the waiting page (lib/flow/waiting-page.ts).
export async function GET(request: Request): Promise<Response> {
  return (await waitingPage(request)) ?? handle(request);
}
