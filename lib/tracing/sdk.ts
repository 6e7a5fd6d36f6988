import type { SpanExporter } from "@opentelemetry/sdk-trace";
import type { Env } from "../env";
import { ScrubbingExporter } from "./scrub";

/**
 * OpenTelemetry traces, started once by instrumentation.ts, configured by the standard
 * OTEL_* variables. Entirely off (the SDK is not even loaded) unless OTEL_TRACES_EXPORTER
 * names an exporter or an OTLP endpoint is set; OTEL_SDK_DISABLED=true turns it off too.
 * Only traces: no OpenTelemetry metrics or logs (metrics are Prometheus, lib/metrics).
 */

export function tracingEnabled(e: Env): boolean {
  if (e.OTEL_SDK_DISABLED) return false;
  const exporters = e.OTEL_TRACES_EXPORTER;
  if (exporters.length) return !exporters.every((x) => x === "none");
  return Boolean(e.OTEL_EXPORTER_OTLP_ENDPOINT || e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

async function otlpExporter(e: Env): Promise<SpanExporter> {
  // The exporters read the endpoint, headers, timeout and compression from OTEL_EXPORTER_OTLP_* themselves.
  switch (e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf") {
    case "grpc":
      return new (await import("@opentelemetry/exporter-trace-otlp-grpc")).OTLPTraceExporter();
    case "http/json":
      return new (await import("@opentelemetry/exporter-trace-otlp-http")).OTLPTraceExporter();
    default:
      return new (await import("@opentelemetry/exporter-trace-otlp-proto")).OTLPTraceExporter();
  }
}

/** Starts tracing when configured; returns how to flush and stop it, or null when off. */
export async function startTracing(e: Env): Promise<{ shutdown(): Promise<void> } | null> {
  if (!tracingEnabled(e)) return null;
  const names = e.OTEL_TRACES_EXPORTER.filter((x) => x !== "none");
  const exporters: SpanExporter[] = [];
  for (const name of names.length ? names : ["otlp"]) {
    if (name === "otlp") exporters.push(await otlpExporter(e));
    if (name === "console") exporters.push(new (await import("@opentelemetry/sdk-trace")).ConsoleSpanExporter());
  }
  const { NodeSDK } = await import("@opentelemetry/sdk-node");
  const sdk = new NodeSDK({
    serviceName: e.OTEL_SERVICE_NAME ?? "idv-portal",
    traceExporter: new ScrubbingExporter(exporters),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
