import { callback } from "@/lib/flow";
import { flowRoute } from "@/lib/flow/http";

// Back from the provider with ?code=…&state=… or ?error=…
export const GET = flowRoute("callback", ({ request, cookies, req }) =>
  callback(cookies.attemptId, cookies.oauthState, new URL(request.url), req),
);
