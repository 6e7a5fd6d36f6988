import { describe, expect, it } from "vitest";
import { parseEnv } from "../env";
import { SealError, isOnActiveKey, openJson, openString, sealJson, sealString, sealedKeyId, singleKeyRing, type KeyRing } from "./seal";

const K1 = Buffer.alloc(32, 1);
const K2 = Buffer.alloc(32, 2);
const ring = (active: string, entries: Record<string, Buffer>, legacy: Buffer | null = null): KeyRing => ({
  active,
  keys: new Map(Object.entries(entries)),
  legacy,
});

describe("key ring", () => {
  it("seals with the active key and names it; every key of the ring opens", () => {
    const r1 = ring("k1", { k1: K1 });
    const sealed = sealJson({ name: "Zoë" }, r1, "rec:1:attributes");
    expect(sealed.startsWith("v2.k1.")).toBe(true);
    expect(sealedKeyId(sealed)).toBe("k1");
    // After rotation k2 is active and k1 still opens.
    const r2 = ring("k2", { k2: K2, k1: K1 });
    expect(openJson(sealed, r2, "rec:1:attributes")).toEqual({ name: "Zoë" });
    expect(isOnActiveKey(sealed, r2)).toBe(false);
    const again = sealJson({ name: "Zoë" }, r2, "rec:1:attributes");
    expect(sealedKeyId(again)).toBe("k2");
    expect(isOnActiveKey(again, r2)).toBe(true);
  });

  it("values sealed before key rings (v1, no key id) keep opening: with the legacy key, or whichever ring key sealed them", () => {
    const v1 = sealString("client-secret", K1, "settings.client_secret");
    expect(v1.startsWith("v1.")).toBe(true);
    expect(sealedKeyId(v1)).toBeNull();
    expect(openString(v1, ring("k2", { k2: K2 }, K1), "settings.client_secret")).toBe("client-secret");
    expect(openString(v1, ring("k2", { k2: K2, old: K1 }), "settings.client_secret")).toBe("client-secret");
    expect(openString(v1, singleKeyRing(K1), "settings.client_secret")).toBe("client-secret");
    expect(() => openString(v1, ring("k2", { k2: K2 }), "settings.client_secret")).toThrow(/failed authentication/);
  });

  it("a value naming a key the ring does not hold fails with an error naming the key id", () => {
    const sealed = sealJson({ a: 1 }, ring("k9", { k9: K1 }), "x");
    let caught: unknown;
    try {
      openJson(sealed, ring("k2", { k2: K2, k1: K1 }), "x");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SealError);
    expect((caught as SealError).code).toBe("seal_unknown_key");
    expect((caught as SealError).message).toContain('"k9"');
  });

  it("the key id is authenticated: renaming it in a sealed value does not open", () => {
    const sealed = sealJson({ a: 1 }, ring("k1", { k1: K1 }), "x");
    const renamed = sealed.replace(/^v2\.k1\./, "v2.k2.");
    expect(() => openJson(renamed, ring("k1", { k1: K1, k2: K1 }), "x")).toThrow(/failed authentication/);
  });
});

describe("ENCRYPTION_KEYS", () => {
  const base = {
    AUTH0_DOMAIN: "tenant.example.com",
    AUTH0_TOKEN_SECRET: "s".repeat(32),
    PORTAL_URL: "https://verify.example.com",
    IDME_CLIENT_ID: "id",
    IDME_CLIENT_SECRET: "secret",
  };
  const problems = (env: Record<string, string>) => {
    try {
      parseEnv(env);
      return [];
    } catch (e) {
      return (e as { problems: string[] }).problems;
    }
  };

  it("the first entry is active; ENCRYPTION_KEY alongside is the legacy key", () => {
    const e = parseEnv({ ...base, ENCRYPTION_KEYS: `k2:${"02".repeat(32)}, k1:${"01".repeat(32)}`, ENCRYPTION_KEY: "03".repeat(32) });
    expect(e.keyRing.active).toBe("k2");
    expect([...e.keyRing.keys.keys()]).toEqual(["k2", "k1"]);
    expect(e.keyRing.keys.get("k1")).toEqual(K1);
    expect(e.keyRing.legacy).toEqual(Buffer.alloc(32, 3));
  });

  it("ENCRYPTION_KEY alone is a ring of one unnamed key (v1 format, as before)", () => {
    const e = parseEnv({ ...base, ENCRYPTION_KEY: "01".repeat(32) });
    expect(e.keyRing.active).toBeNull();
    expect(sealJson(1, e.keyRing).startsWith("v1.")).toBe(true);
  });

  it("refuses to start with a clear message for each mistake, never echoing the key", () => {
    expect(problems(base).join("\n")).toMatch(/ENCRYPTION_KEY is required .* or ENCRYPTION_KEYS/);
    expect(problems({ ...base, ENCRYPTION_KEYS: "01".repeat(32) })).toEqual([
      expect.stringMatching(/^ENCRYPTION_KEYS entry 1 must be <key id>:<key>/),
    ]);
    expect(problems({ ...base, ENCRYPTION_KEYS: `a.b:${"01".repeat(32)}` })[0]).toMatch(/entry 1 must be <key id>:<key>/);
    expect(problems({ ...base, ENCRYPTION_KEYS: `k1:${"01".repeat(32)},k1:${"02".repeat(32)}` })[0]).toMatch(/names key id "k1" twice/);
    const short = problems({ ...base, ENCRYPTION_KEYS: `k1:${"01".repeat(32)},k2:abcdef` });
    expect(short[0]).toMatch(/key "k2" must be 32 bytes/);
    expect(short.join("\n")).not.toContain("abcdef");
  });
});
