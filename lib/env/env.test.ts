import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "./index";

const good = {
  AUTH0_DOMAIN: "my-tenant.us.auth0.com",
  AUTH0_TOKEN_SECRET: "a-long-shared-token-secret-0123456789",
  PORTAL_URL: "https://verify.example.com/",
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

describe("configuration", () => {
  it("accepts a complete configuration and fills the defaults", () => {
    const e = parseEnv(good);
    expect(e.PORTAL_URL).toBe("https://verify.example.com");
    expect(e.IDME_ENVIRONMENT).toBe("sandbox");
    expect(e.idmeBaseUrl).toBe("https://api.idmelabs.com");
    expect(e.IDV_REVERIFY_INTERVAL_HOURS).toBe(720);
    expect(e.DATABASE_URL).toBeUndefined();
  });

  it("pushing revocations to Auth0 is off by default and needs the Management API credentials", () => {
    expect(parseEnv(good).AUTH0_PUSH_REVOCATIONS).toBe(false);
    expect(problems({ ...good, AUTH0_PUSH_REVOCATIONS: "true" }).join("\n")).toContain(
      "AUTH0_PUSH_REVOCATIONS needs AUTH0_MANAGEMENT_CLIENT_ID",
    );
    expect(problems({ ...good, AUTH0_PUSH_REVOCATIONS: "yes" }).join("\n")).toContain("must be true or false");
    const creds = { AUTH0_MANAGEMENT_CLIENT_ID: "m2m", AUTH0_MANAGEMENT_CLIENT_SECRET: "m2m-secret" };
    expect(problems({ ...good, ...creds, AUTH0_PUSH_REVOKE_SESSIONS: "true" }).join("\n")).toContain("needs AUTH0_PUSH_REVOCATIONS=true");
    const on = parseEnv({ ...good, ...creds, AUTH0_PUSH_REVOCATIONS: "true", AUTH0_PUSH_REVOKE_SESSIONS: "true" });
    expect([on.AUTH0_PUSH_REVOCATIONS, on.AUTH0_PUSH_REVOKE_SESSIONS]).toEqual([true, true]);
  });

  it("production picks api.id.me; a base URL overrides both", () => {
    expect(parseEnv({ ...good, IDME_ENVIRONMENT: "production" }).idmeBaseUrl).toBe("https://api.id.me");
    expect(parseEnv({ ...good, IDME_BASE_URL: "http://127.0.0.1:4011/" }).idmeBaseUrl).toBe("http://127.0.0.1:4011");
  });

  it("names every missing setting at once", () => {
    const names = problems({}).map((p) => p.split(" ")[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        "AUTH0_DOMAIN",
        "AUTH0_TOKEN_SECRET",
        "PORTAL_URL",
        "IDME_CLIENT_ID",
        "IDME_CLIENT_SECRET",
        "ENCRYPTION_KEY",
      ]),
    );
  });

  it("names each malformed setting with what is expected", () => {
    const p = problems({
      ...good,
      AUTH0_DOMAIN: "https://",
      PORTAL_URL: "verify.example.com",
      ENCRYPTION_KEY: "too-short",
      IDME_BASE_URL: "ftp://x",
      IDME_ENVIRONMENT: "staging",
      DATABASE_URL: "mysql://x",
      IDV_REVERIFY_INTERVAL_HOURS: "soon",
      AUTH0_TOKEN_SECRET: "short",
    }).join("\n");
    for (const name of [
      "AUTH0_DOMAIN",
      "PORTAL_URL",
      "ENCRYPTION_KEY",
      "IDME_BASE_URL",
      "IDME_ENVIRONMENT",
      "DATABASE_URL",
      "IDV_REVERIFY_INTERVAL_HOURS",
      "AUTH0_TOKEN_SECRET",
    ]) {
      expect(p).toContain(name);
    }
    expect(p).toContain("64 hex characters");
  });

  it("never repeats a secret's value in its message", () => {
    const p = problems({ ...good, AUTH0_TOKEN_SECRET: "tiny", ENCRYPTION_KEY: "sekrit-key-value" }).join("\n");
    expect(p).not.toContain("tiny");
    expect(p).not.toContain("sekrit-key-value");
  });
});
