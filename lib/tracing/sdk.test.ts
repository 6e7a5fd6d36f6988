import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "../env";
import { tracingEnabled } from "./sdk";

/** Traces are off unless the operator names an exporter or an endpoint; bad values stop the start. */

const base = {
  AUTH0_DOMAIN: "my-tenant.us.auth0.com",
  AUTH0_TOKEN_SECRET: "a-long-shared-token-secret-of-32-chars",
  PORTAL_URL: "https://verify.example.com",
  IDME_CLIENT_ID: "client",
  IDME_CLIENT_SECRET: "secret",
  ENCRYPTION_KEY: "ab".repeat(32),
};
const on = (extra: Record<string, string>) => tracingEnabled(parseEnv({ ...base, ...extra }));

describe("when tracing is on", () => {
  it("is off with no OTEL_* setting, on with an endpoint or an exporter", () => {
    expect(on({})).toBe(false);
    expect(on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(true);
    expect(on({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" })).toBe(true);
    expect(on({ OTEL_TRACES_EXPORTER: "console" })).toBe(true);
    expect(on({ OTEL_TRACES_EXPORTER: "otlp,console" })).toBe(true);
  });

  it("is off when told so, even with an endpoint", () => {
    expect(on({ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(false);
    expect(on({ OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(false);
  });

  it("refuses to start on an exporter, protocol or metrics token it cannot use, naming the setting", () => {
    for (const [key, value] of [
      ["OTEL_TRACES_EXPORTER", "jaeger"],
      ["OTEL_EXPORTER_OTLP_PROTOCOL", "udp"],
      ["OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"],
      ["METRICS_TOKEN", "short"],
    ]) {
      let problems: string[] = [];
      try {
        parseEnv({ ...base, [key!]: value });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        problems = (err as ConfigError).problems;
      }
      expect(problems.join("\n"), key).toMatch(new RegExp(`^${key} `));
    }
  });
});
