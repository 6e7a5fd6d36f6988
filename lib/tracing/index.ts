import { SpanStatusCode, trace, type Attributes } from "@opentelemetry/api";

/**
 * Spans for the flow and its provider calls. Without a tracer provider (tracing off, see
 * ./sdk.ts) every call here is a no-op. Attributes carry reference codes, step names,
 * provider ids and failure codes: never tokens, URLs with queries, or anything about a person.
 */

const tracer = () => trace.getTracer("idv-portal");

/** The code of a failure, for `error.type`: a FlowError's code, else the error's class name. */
function errorType(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && /^[a-z_]+$/.test(code) ? code : ((err as Error)?.name ?? "Error");
}

/** Runs fn inside an active span (so provider calls and database work nest under it). */
export function inSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn();
    } catch (err) {
      // No recordException: an error's message may quote what it failed on.
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute("error.type", errorType(err));
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Marks the current span with the attempt it worked on and the timeline step it recorded. */
export function traceTimeline(ref: string, step: string, outcome: string, code?: string): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  span.setAttribute("idv.ref", ref);
  span.addEvent("idv.timeline", { "idv.step": step, "idv.outcome": outcome, ...(code ? { "idv.code": code } : {}) });
}
