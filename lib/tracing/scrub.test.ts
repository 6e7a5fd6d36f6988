import { describe, expect, it } from "vitest";
import type { ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace";
import { ScrubbingExporter, scrubSpan, withoutQuery } from "./scrub";

/** The last guard before a span leaves the process: the secrets a URL carries here never do. */

const span = (name: string, attributes: Record<string, string>): ReadableSpan =>
  ({
    name,
    attributes,
    events: [{ name: "e", time: [0, 0], attributes: { "url.full": "https://portal/id-verification?token=eyJ.x.y" } }],
    spanContext: () => ({ traceId: "t", spanId: "s", traceFlags: 1 }),
  }) as unknown as ReadableSpan;

describe("scrubbing spans before export", () => {
  it("cuts query strings and fragments, and nothing else", () => {
    expect(withoutQuery("/id-verification?token=eyJ.a.b&state=xyz")).toBe("/id-verification");
    expect(withoutQuery("/id-verification/callback#code=abc")).toBe("/id-verification/callback");
    expect(withoutQuery("/api/health")).toBe("/api/health");
  });

  it("removes the Action's token and the provider's code from URL attributes, span names and events", () => {
    const s = scrubSpan(
      span("GET /id-verification/callback?code=SECRETCODE&state=S", {
        "http.target": "/id-verification?token=eyJ.TOKEN.SIG&state=S",
        "http.url": "http://idme/oauth/token?code=SECRETCODE",
        "url.query": "code=SECRETCODE",
        "next.route": "/id-verification",
        "http.method": "GET",
      }),
    );
    expect(s.name).toBe("GET /id-verification/callback");
    expect(s.attributes).toEqual({
      "http.target": "/id-verification",
      "http.url": "http://idme/oauth/token",
      "next.route": "/id-verification",
      "http.method": "GET",
    });
    expect(s.events[0]!.attributes).toEqual({ "url.full": "https://portal/id-verification" });
    // Everything else is read through from the original span.
    expect(s.spanContext().spanId).toBe("s");
  });

  it("hands the scrubbed spans to every exporter and reports the worst result", async () => {
    const seen: ReadableSpan[][] = [];
    const exporter = (code: number): SpanExporter => ({
      export: (spans, done) => {
        seen.push(spans);
        done({ code });
      },
      shutdown: async () => {},
    });
    const result = await new Promise<ExportResult>((resolve) =>
      new ScrubbingExporter([exporter(0), exporter(1)]).export([span("GET /x?token=T", {})], resolve),
    );
    expect(result.code).toBe(1);
    expect(seen.map((spans) => spans[0]!.name)).toEqual(["GET /x", "GET /x"]);
  });
});
