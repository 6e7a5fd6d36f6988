import { describe, expect, it } from "vitest";
import { sealJson, openJson, parseEncryptionKey } from "../crypto/seal";
import { ConfigError, parseEnv } from "./index";

/**
 * Configuration that cannot surprise: the encryption key is checked at start
 * by the sealer's own parser (a key that would fail at the first seal refuses
 * the start), and a production start without a database server is refused
 * unless ALLOW_EMBEDDED_DATABASE says the embedded database is meant.
 */

const good = {
  AUTH0_DOMAIN: "my-tenant.us.auth0.com",
  AUTH0_TOKEN_SECRET: "a-long-shared-token-secret-for-tests",
  PORTAL_URL: "https://verify.example.com",
  IDME_CLIENT_ID: "client",
  IDME_CLIENT_SECRET: "secret",
  ENCRYPTION_KEY: "ab".repeat(32),
};

function problems(source: Record<string, string | undefined>): string[] {
  try {
    parseEnv(source);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
}

describe("ENCRYPTION_KEY", () => {
  // Each decodes to 32 bytes with Node's lenient base64 decoder (the old start-up check), yet the sealer refuses it.
  const loose = {
    "a character outside base64": `${"a".repeat(43)}#`,
    "unused bits set in the last character": `${"A".repeat(42)}B`,
    "base64 and base64url mixed": `${"A".repeat(20)}+_${"A".repeat(21)}`,
    "inner whitespace": `${"A".repeat(20)} ${"A".repeat(23)}`,
  };
  it.each(Object.entries(loose))("refuses a key the sealer would refuse: %s", (_name, key) => {
    expect(Buffer.from(key.trim(), "base64")).toHaveLength(32);
    expect(() => parseEncryptionKey(key)).toThrow();
    const p = problems({ ...good, ENCRYPTION_KEY: key });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^ENCRYPTION_KEY must be 32 bytes/);
    expect(p[0]).not.toContain(key.trim());
  });

  it.each([
    ["64 hex characters", "0f".repeat(32)],
    ["base64", Buffer.alloc(32, 7).toString("base64")],
    ["base64url without padding", Buffer.alloc(32, 250).toString("base64url")],
  ])("accepts %s, and what it accepts seals and opens", (_name, key) => {
    const e = parseEnv({ ...good, ENCRYPTION_KEY: key });
    const k = parseEncryptionKey(e.ENCRYPTION_KEY!);
    expect(openJson(sealJson({ a: 1 }, k, "x"), k, "x")).toEqual({ a: 1 });
  });
});

describe("the embedded database in production", () => {
  it("is refused without DATABASE_URL, naming the setting and the way to allow it", () => {
    const p = problems({ ...good, NODE_ENV: "production" });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^DATABASE_URL is required in production/);
    expect(p[0]).toContain("ALLOW_EMBEDDED_DATABASE=true");
  });

  it("is allowed when ALLOW_EMBEDDED_DATABASE=true, in development, and never needed with DATABASE_URL", () => {
    expect(parseEnv({ ...good, NODE_ENV: "production", ALLOW_EMBEDDED_DATABASE: "true" }).ALLOW_EMBEDDED_DATABASE).toBe(true);
    expect(() => parseEnv({ ...good, NODE_ENV: "development" })).not.toThrow();
    expect(() => parseEnv({ ...good, NODE_ENV: "production", DATABASE_URL: "postgresql://db.internal/idv" })).not.toThrow();
    expect(problems({ ...good, NODE_ENV: "production", ALLOW_EMBEDDED_DATABASE: "yes" })[0]).toMatch(
      /^ALLOW_EMBEDDED_DATABASE must be true or false/,
    );
  });
});

describe("what the environment gives", () => {
  it("tells settings given apart from defaults (the admin settings page compares only those)", () => {
    const e = parseEnv({ ...good, IDV_REVERIFY_INTERVAL_HOURS: "48", IDPARTNER_CLIENT_ID: " " });
    expect(e.provided.has("IDV_REVERIFY_INTERVAL_HOURS")).toBe(true);
    expect(e.provided.has("IDME_CLIENT_ID")).toBe(true);
    expect(e.provided.has("IDV_POLICY")).toBe(false); // default identity
    expect(e.provided.has("IDPARTNER_CLIENT_ID")).toBe(false); // blank
  });
});
