import type { Attributes } from "@opentelemetry/api";
import type { ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace";

/**
 * What leaves the process in a trace must not carry the secrets a URL can hold here: the
 * Auth0 Action's token (`/id-verification?token=…`), the provider's code and state
 * (`/callback?code=…`). Next.js puts the request URL in its own spans (`http.target`), so
 * every span passes through this before it is exported: query strings are cut from
 * URL-like attributes and from span names.
 */

const URL_ATTRIBUTES = ["http.target", "http.url", "url.full", "url.query", "url.original", "next.rsc_url"];

export function withoutQuery(value: string): string {
  const i = value.search(/[?#]/);
  return i === -1 ? value : value.slice(0, i);
}

export function scrubAttributes(attributes: Attributes): Attributes {
  const out: Attributes = { ...attributes };
  for (const key of URL_ATTRIBUTES) {
    const v = out[key];
    if (key === "url.query") delete out[key];
    else if (typeof v === "string") out[key] = withoutQuery(v);
  }
  return out;
}

/** A view of the span with its name and attributes scrubbed (everything else read through). */
export function scrubSpan(span: ReadableSpan): ReadableSpan {
  return Object.create(span, {
    name: { value: withoutQuery(span.name), enumerable: true },
    attributes: { value: scrubAttributes(span.attributes), enumerable: true },
    events: {
      value: span.events.map((e) => (e.attributes ? { ...e, attributes: scrubAttributes(e.attributes) } : e)),
      enumerable: true,
    },
  }) as ReadableSpan;
}

/** Scrubs every span, then hands it to each exporter (OTEL_TRACES_EXPORTER may name several). */
export class ScrubbingExporter implements SpanExporter {
  constructor(private readonly exporters: SpanExporter[]) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const clean = spans.map(scrubSpan);
    let pending = this.exporters.length;
    let worst: ExportResult = { code: 0 };
    if (pending === 0) return done(worst);
    for (const exporter of this.exporters) {
      exporter.export(clean, (result) => {
        if (result.code !== 0) worst = result;
        if (--pending === 0) done(worst);
      });
    }
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.exporters.map((e) => e.shutdown()));
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.exporters.map((e) => e.forceFlush?.()));
  }
}
