import { chosen } from "@/lib/flow";
import { flowRoute } from "@/lib/flow/http";

// Back from the provider's chooser step (IDPartner's account selector) with ?iss=…&visitor_id=…:
// the "origin URL" registered at IDPartner. Then off to the chosen bank.
export const GET = flowRoute("chosen", ({ request, cookies, req }) =>
  chosen(cookies.attemptId, cookies.oauthState, new URL(request.url).searchParams, req),
);
