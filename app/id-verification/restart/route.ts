import { restart } from "@/lib/flow";
import { flowRoute } from "@/lib/flow/http";

// "Start again" after Back from the provider: a fresh trip there (new state and nonce).
export const POST = flowRoute("start", ({ cookies, req }) => restart(cookies.attemptId, req), { formPost: true });
