import { resumeStep } from "@/lib/flow";
import { flowRoute } from "@/lib/flow/http";

// "Back to the application" on the outcome page: on to /id-verification/continue (this browser's attempt only).
export const POST = flowRoute("resume", ({ cookies, req }) => resumeStep(cookies.attemptId, req), { formPost: true });
