import { start } from "@/lib/flow";
import { flowRoute } from "@/lib/flow/http";

// "Verify with ID.me": off to the provider's authorize endpoint.
export const POST = flowRoute("start", ({ cookies, req }) => start(cookies.attemptId, req), { formPost: true });
