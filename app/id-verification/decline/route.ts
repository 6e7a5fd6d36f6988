import { decline } from "@/lib/flow";
import { flowRoute } from "@/lib/flow/http";

// "Not now": the person chooses not to verify.
export const POST = flowRoute("decline", ({ cookies, req }) => decline(cookies.attemptId, req), { formPost: true });
