import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SealError, keyFingerprint, openJson, openString, parseEncryptionKey, sealJson, sealString } from "./seal";

const KEY = Buffer.from("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "hex");
const OTHER_KEY = Buffer.alloc(32, 7);

const person = {
  uuid: "d733a89e2e634f04ac2fe66c97f71612",
  name: { given: "Zoë-Anne", family: "Núñez-O'Brien", other: "Ærøskøbing 山田 太郎 🧪" },
  address: { street: null, city: "Zürich", zip: 8001 },
  flags: [true, false, null, 1.5],
};

function expectSealError(fn: () => unknown): SealError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SealError);
  expect((caught as SealError).code).toBe("seal_invalid");
  return caught as SealError;
}

/** Replaces one base64url character at index i with a different one. */
function flipChar(s: string, i: number): string {
  const c = s[i];
  const r = c === "A" ? "B" : "A";
  return s.slice(0, i) + r + s.slice(i + 1);
}

function parts(sealed: string): [string, string, string, string] {
  const p = sealed.split(".");
  expect(p).toHaveLength(4);
  return p as [string, string, string, string];
}

describe("sealJson / openJson", () => {
  it("round-trips nested JSON with non-ASCII names", () => {
    const sealed = sealJson(person, KEY, "verification:abc:attributes");
    expect(openJson(sealed, KEY, "verification:abc:attributes")).toEqual(person);
  });

  it("round-trips scalars", () => {
    for (const v of [null, 0, "", "text", false, [], {}]) {
      expect(openJson(sealJson(v, KEY), KEY)).toEqual(v);
    }
  });

  it("has the v1.<iv>.<tag>.<ciphertext> format with a 12-byte IV and 16-byte tag", () => {
    const [v, iv, tag, ct] = parts(sealJson(person, KEY));
    expect(v).toBe("v1");
    expect(Buffer.from(iv, "base64url")).toHaveLength(12);
    expect(Buffer.from(tag, "base64url")).toHaveLength(16);
    expect(ct).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("does not contain the plaintext nor its base64", () => {
    const sealed = sealJson(person, KEY);
    const json = JSON.stringify(person);
    // Needles long enough (or with characters outside base64url) that random ciphertext cannot hold them by chance.
    for (const needle of ["Zoë", "Núñez", "O'Brien", "d733a89e", "Zürich"]) {
      expect(sealed).not.toContain(needle);
    }
    for (const enc of ["base64", "base64url"] as const) {
      const b = Buffer.from(json, "utf8").toString(enc);
      for (let i = 0; i + 12 <= b.length; i += 12) expect(sealed).not.toContain(b.slice(i, i + 12));
    }
    const hex = Buffer.from(json, "utf8").toString("hex");
    expect(sealed).not.toContain(hex.slice(0, 16));
  });

  it("seals the same input twice to different values (fresh IV)", () => {
    const a = sealJson(person, KEY);
    const b = sealJson(person, KEY);
    expect(a).not.toBe(b);
    expect(parts(a)[1]).not.toBe(parts(b)[1]);
    expect(openJson(a, KEY)).toEqual(openJson(b, KEY));
  });

  it("refuses a wrong key", () => {
    const sealed = sealJson(person, KEY);
    expectSealError(() => openJson(sealed, OTHER_KEY));
  });

  it("refuses tampered ciphertext, tag and iv", () => {
    const sealed = sealJson(person, KEY);
    const [v, iv, tag, ct] = parts(sealed);
    for (let i = 0; i < ct.length; i += 7) expectSealError(() => openJson([v, iv, tag, flipChar(ct, i)].join("."), KEY));
    for (let i = 0; i < tag.length; i++) expectSealError(() => openJson([v, iv, flipChar(tag, i), ct].join("."), KEY));
    for (let i = 0; i < iv.length; i++) expectSealError(() => openJson([v, flipChar(iv, i), tag, ct].join("."), KEY));
  });

  it("refuses a bit flip in the raw ciphertext bytes", () => {
    const [v, iv, tag, ct] = parts(sealJson(person, KEY));
    const bytes = Buffer.from(ct, "base64url");
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    expectSealError(() => openJson([v, iv, tag, bytes.toString("base64url")].join("."), KEY));
  });

  it("refuses a wrong or missing aad", () => {
    const sealed = sealJson(person, KEY, "verification:abc:attributes");
    expectSealError(() => openJson(sealed, KEY, "verification:abd:attributes"));
    expectSealError(() => openJson(sealed, KEY, "verification:abc:raw"));
    expectSealError(() => openJson(sealed, KEY));
    const noAad = sealJson(person, KEY);
    expectSealError(() => openJson(noAad, KEY, "verification:abc:attributes"));
    expect(openJson(noAad, KEY, "")).toEqual(person);
  });

  it("refuses truncated and malformed strings", () => {
    const sealed = sealJson(person, KEY);
    for (const cut of [1, 5, 20, sealed.length - 1]) expectSealError(() => openJson(sealed.slice(0, cut), KEY));
    const [, iv, tag, ct] = parts(sealed);
    for (const bad of [
      "",
      "v1",
      "v1...",
      `v2.${iv}.${tag}.${ct}`,
      `${iv}.${tag}.${ct}`,
      `v1.${iv}.${tag}`,
      `v1.${iv}.${tag}.${ct}.extra`,
      `v1.${iv}.${tag.slice(0, 20)}.${ct}`,
      `v1.${iv.slice(0, 15)}.${tag}.${ct}`,
      `v1.${iv}.${tag}.${ct.slice(0, -2)}`,
      `v1.${iv}=.${tag}.${ct}`,
      `v1.${iv}.${tag}.${ct}==`,
      `v1.${iv}.${tag}.${ct.replace(/[-_]/g, "+")}+/`,
      `v1.${iv}.${tag}.${ct} `,
    ]) {
      expectSealError(() => openJson(bad, KEY));
    }
    expectSealError(() => openJson(undefined as unknown as string, KEY));
  });

  it("error messages never contain the plaintext", () => {
    const secret = { ssn: "123-45-6789" };
    const sealed = sealJson(secret, KEY, "ctx");
    for (const fn of [() => openJson(sealed, OTHER_KEY, "ctx"), () => openJson(sealed, KEY, "other")]) {
      const err = expectSealError(fn);
      expect(err.message).not.toContain("123-45");
      expect(err.message).not.toContain(sealed);
    }
  });

  it("refuses values that are not JSON and keys that are not 32 bytes", () => {
    expect(() => sealJson(undefined, KEY)).toThrow(TypeError);
    expect(() => sealJson(() => 1, KEY)).toThrow(TypeError);
    expect(() => sealJson(10n, KEY)).toThrow(TypeError);
    expect(() => sealJson({}, Buffer.alloc(16))).toThrow(TypeError);
    expect(() => openJson(sealJson({}, KEY), Buffer.alloc(31))).toThrow(TypeError);
  });
});

describe("sealString / openString", () => {
  it("round-trips a secret, including empty and non-ASCII strings", () => {
    for (const s of ["client-secret-0123456789abcdef", "", "pässwörd 🔑", "\uFEFFbom", " spaced "]) {
      expect(openString(sealString(s, KEY, "provider:idme:client_secret"), KEY, "provider:idme:client_secret")).toBe(s);
    }
  });

  it("does not contain the secret and differs each time", () => {
    const a = sealString("super-secret-value", KEY);
    const b = sealString("super-secret-value", KEY);
    expect(a).not.toContain("super-secret");
    expect(a).not.toBe(b);
  });

  it("refuses wrong key, wrong aad, tampering", () => {
    const sealed = sealString("s3cr3t", KEY, "a");
    expectSealError(() => openString(sealed, OTHER_KEY, "a"));
    expectSealError(() => openString(sealed, KEY, "b"));
    const [v, iv, tag, ct] = parts(sealed);
    expectSealError(() => openString([v, iv, tag, flipChar(ct, 0)].join("."), KEY, "a"));
  });

  it("does not open across the json/string kinds", () => {
    expectSealError(() => openJson(sealString('{"a":1}', KEY), KEY));
    expectSealError(() => openString(sealJson({ a: 1 }, KEY), KEY));
  });

  it("refuses a string with a lone surrogate instead of altering it", () => {
    expect(() => sealString("bad\uD800", KEY)).toThrow(TypeError);
  });
});

describe("parseEncryptionKey", () => {
  const raw = randomBytes(32);
  const MESSAGE = "ENCRYPTION_KEY must be 32 bytes, given as 64 hex characters or base64";

  it("accepts 64 hex characters (either case, surrounding whitespace)", () => {
    expect(parseEncryptionKey(raw.toString("hex")).equals(raw)).toBe(true);
    expect(parseEncryptionKey(raw.toString("hex").toUpperCase()).equals(raw)).toBe(true);
    expect(parseEncryptionKey(` ${raw.toString("hex")}\n`).equals(raw)).toBe(true);
  });

  it("accepts base64 and base64url, padded or not", () => {
    const b64 = raw.toString("base64");
    expect(b64).toHaveLength(44);
    expect(parseEncryptionKey(b64).equals(raw)).toBe(true);
    expect(parseEncryptionKey(b64.replace(/=$/, "")).equals(raw)).toBe(true);
    expect(parseEncryptionKey(raw.toString("base64url")).equals(raw)).toBe(true);
    expect(parseEncryptionKey(`${raw.toString("base64url")}=`).equals(raw)).toBe(true);
  });

  it("accepts a key with both + and / or - and _ characters", () => {
    const k = Buffer.alloc(32, 0xfb);
    expect(parseEncryptionKey(k.toString("base64")).equals(k)).toBe(true);
    expect(parseEncryptionKey(k.toString("base64url")).equals(k)).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["63 hex", "a".repeat(63)],
    ["65 hex", "a".repeat(65)],
    ["62 hex (31 bytes)", "ab".repeat(31)],
    ["base64 of 31 bytes", Buffer.alloc(31, 1).toString("base64")],
    ["base64 of 33 bytes", Buffer.alloc(33, 1).toString("base64")],
    ["base64 of 16 bytes", Buffer.alloc(16, 1).toString("base64")],
    ["base64 of 64 bytes", Buffer.alloc(64, 1).toString("base64")],
    ["mixed alphabets", `${Buffer.alloc(32, 0xfb).toString("base64").slice(0, 10)}-_${"A".repeat(31)}`],
    ["invalid characters", `${"A".repeat(42)}!`],
    ["too much padding", `${Buffer.alloc(32, 1).toString("base64url")}==`],
    ["inner whitespace", `${raw.toString("hex").slice(0, 30)} ${raw.toString("hex").slice(30)}`],
    ["a passphrase", "correct horse battery staple correct horse!"],
  ])("refuses %s", (_label, value) => {
    expect(() => parseEncryptionKey(value)).toThrow(MESSAGE);
  });

  it("refuses non-canonical base64 (non-zero trailing bits)", () => {
    const b64 = Buffer.alloc(32, 0).toString("base64url"); // ends in "A"
    expect(() => parseEncryptionKey(`${b64.slice(0, -1)}B`)).toThrow(MESSAGE);
  });

  it("a parsed key seals and opens", () => {
    const k = parseEncryptionKey(raw.toString("base64"));
    expect(openJson(sealJson({ ok: true }, k), parseEncryptionKey(raw.toString("hex")))).toEqual({ ok: true });
  });
});

describe("keyFingerprint", () => {
  it("is short, stable, differs per key and does not reveal the key", () => {
    const fp = keyFingerprint(KEY);
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    expect(keyFingerprint(Buffer.from(KEY))).toBe(fp);
    expect(keyFingerprint(OTHER_KEY)).not.toBe(fp);
    expect(KEY.toString("hex")).not.toContain(fp);
  });
  it("refuses a non-key", () => {
    expect(() => keyFingerprint(Buffer.alloc(8))).toThrow(TypeError);
  });
});
