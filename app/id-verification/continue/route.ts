import { resumeStep } from "@/lib/flow";
import { flowRoute } from "@/lib/flow/http";

// The auto-submitting form back to Auth0's /continue, at an address without the Action's token or the provider's code.
export const GET = flowRoute("continue", ({ cookies, req }) => resumeStep(cookies.attemptId, req), { renderContinue: true });
