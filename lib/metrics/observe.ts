import type { Attempt } from "../db/generated/client";
import { TERMINAL, type AttemptState } from "../flow/states";
import type { VerificationProvider } from "../providers/types";
import { inSpan, traceTimeline } from "../tracing";
import { metrics } from "./index";

/**
 * What the flow calls to be seen: a wrapper per flow step (routes in app/id-verification)
 * and per provider (lib/flow/index.ts), each feeding the step and provider metrics and
 * opening a span; and one line each in the attempt timeline and state mover
 * (lib/flow/attempts.ts) for the login counts.
 */

/** A timeline event: the first step of a login counts it as started; the span learns the attempt. */
export function observeEvent(ref: string, step: string, outcome: string, code?: string): void {
  if (step === "token_received") metrics().loginsStarted.inc();
  traceTimeline(ref, step, outcome, code);
}

/** An attempt that reached an end state counts as finished, by outcome and failure code. */
export function observeMove(attempt: Pick<Attempt, "provider" | "failureCode">, to: AttemptState): void {
  if (!TERMINAL.has(to)) return;
  const code = to === "verified" ? "none" : (attempt.failureCode ?? "unknown");
  metrics().loginsFinished.inc({ provider: attempt.provider, outcome: to, code });
}

export type FlowStep = "begin" | "start" | "chosen" | "decline" | "callback" | "resume" | "continue";

/** Times one flow step (the whole route, answer included) under a span `idv.<step>`. */
export async function flowStep<T>(step: FlowStep, fn: () => Promise<T>): Promise<T> {
  const stop = metrics().stepSeconds.startTimer({ step });
  try {
    return await inSpan(`idv.${step}`, { "idv.step": step }, fn);
  } finally {
    stop();
  }
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && /^[a-z_]+$/.test(code) ? code : "internal_error";
}

async function providerCall<T>(provider: string, operation: string, fn: () => Promise<T>): Promise<T> {
  const m = metrics();
  const stop = m.providerSeconds.startTimer({ provider, operation });
  try {
    const result = await inSpan(`idv.provider.${operation}`, { "idv.provider": provider, "idv.operation": operation }, fn);
    stop({ result: "ok" });
    return result;
  } catch (err) {
    stop({ result: "error" });
    m.providerErrors.inc({ provider, operation, code: codeOf(err) });
    throw err;
  }
}

/** The provider with its calls to the outside (authorize, complete, check) timed and traced. */
export function observed(p: VerificationProvider): VerificationProvider {
  return {
    ...p,
    authorizationUrl: (conn, params) => providerCall(p.id, "authorize", () => p.authorizationUrl(conn, params)),
    complete: (conn, url, checks) => providerCall(p.id, "complete", () => p.complete(conn, url, checks)),
    check: (conn) => providerCall(p.id, "check", () => p.check(conn)),
  };
}
