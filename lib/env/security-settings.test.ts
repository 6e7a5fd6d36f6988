import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "./index";

/** The settings of issue 9 (README, "Security"): secret length, address binding, proxies, rate limits. */

const good = {
  AUTH0_DOMAIN: "my-tenant.us.auth0.com",
  AUTH0_TOKEN_SECRET: "x".repeat(32),
  PORTAL_URL: "https://verify.example.com",
  IDME_CLIENT_ID: "client",
  IDME_CLIENT_SECRET: "secret",
  ENCRYPTION_KEY: "ab".repeat(32),
};

function problems(source: Record<string, string | undefined>): string[] {
  try {
    parseEnv(source);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}

describe("security settings", () => {
  it("refuses a Token Secret shorter than 32 characters, naming the setting but not its value", () => {
    const secret = "y".repeat(31);
    const p = problems({ ...good, AUTH0_TOKEN_SECRET: secret });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^AUTH0_TOKEN_SECRET must be at least 32 characters/);
    expect(p[0]).not.toContain(secret);
    expect(parseEnv(good).AUTH0_TOKEN_SECRET).toHaveLength(32);
  });

  it("defaults: no address binding, no trusted proxy, limits per 10 minutes", () => {
    const e = parseEnv(good);
    expect(e.IDV_BIND_IP).toBe(false);
    expect(e.TRUSTED_PROXY_HOPS).toBe(0);
    expect(e.RATE_LIMIT_WINDOW_SECONDS).toBe(600);
    expect(e.RATE_LIMIT_FLOW_FAILURES).toBe(20);
    expect(e.RATE_LIMIT_STAFF_LOOKUPS).toBe(100);
  });

  it("reads them and names malformed ones", () => {
    const e = parseEnv({ ...good, IDV_BIND_IP: "true", TRUSTED_PROXY_HOPS: "2", RATE_LIMIT_FLOW_FAILURES: "5" });
    expect(e).toMatchObject({ IDV_BIND_IP: true, TRUSTED_PROXY_HOPS: 2, RATE_LIMIT_FLOW_FAILURES: 5 });
    const p = problems({ ...good, IDV_BIND_IP: "yes", TRUSTED_PROXY_HOPS: "-1", RATE_LIMIT_STAFF_LOOKUPS: "0" }).join("\n");
    for (const name of ["IDV_BIND_IP", "TRUSTED_PROXY_HOPS", "RATE_LIMIT_STAFF_LOOKUPS"]) expect(p).toContain(name);
  });
});
