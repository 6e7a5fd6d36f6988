import { begin } from "@/lib/flow";
import { flowRoute } from "@/lib/flow/http";

// Entry point of the Auth0 post-login Action's redirect (PROTOCOLS §1).
export const GET = flowRoute("begin", ({ request, req }) => begin(new URL(request.url).searchParams, req));
