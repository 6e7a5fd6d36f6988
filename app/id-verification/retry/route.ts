import { retry } from "@/lib/flow";
import { flowRoute } from "@/lib/flow/http";

// "Try again" after a failure that may pass: a new attempt of the same login, off to the provider.
export const POST = flowRoute("start", ({ cookies, req }) => retry(cookies.attemptId, req), { formPost: true });
