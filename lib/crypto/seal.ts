/**
 * Encryption of stored personal data and stored secrets: AES-256-GCM (node:crypto).
 *
 * Format: `v1.<iv>.<tag>.<ciphertext>`, each part unpadded base64url; a fresh random
 * 12-byte IV per seal, a 16-byte tag.
 *
 * The GCM additional authenticated data is `idv-seal/v1/<kind>/` followed by the
 * caller's `aad` (UTF-8), where kind is `json` or `string`. So a value only opens
 * with the same key, the same context (`aad`, e.g. record id + field) and through
 * the same function family it was sealed with. An omitted `aad` equals `""`.
 *
 * Opening failures are `SealError` with code `seal_invalid`; messages never contain
 * the plaintext, the key, or the sealed value.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

export type SealErrorCode = "seal_invalid";

export class SealError extends Error {
  readonly code: SealErrorCode;

  constructor(message: string, code: SealErrorCode = "seal_invalid") {
    super(message);
    this.name = "SealError";
    this.code = code;
  }
}

const VERSION = "v1";
const ALGORITHM = "aes-256-gcm";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ERROR = "ENCRYPTION_KEY must be 32 bytes, given as 64 hex characters or base64";

type Kind = "json" | "string";

// ---------------------------------------------------------------------------
// Keys

/**
 * Accepts 64 hex characters, or standard base64 / base64url (padded or not) that
 * decodes to exactly 32 bytes. Surrounding whitespace is ignored (env files);
 * nothing else is repaired.
 */
export function parseEncryptionKey(value: string): Buffer {
  if (typeof value !== "string") throw new Error(KEY_ERROR);
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, "hex");

  const isStd = /^[A-Za-z0-9+/]+={0,2}$/.test(v);
  const isUrl = /^[A-Za-z0-9_-]+={0,2}$/.test(v);
  if (!isStd && !isUrl) throw new Error(KEY_ERROR);
  const unpadded = v.replace(/=+$/, "");
  // 32 bytes are 43 base64 characters (+ one "=" when padded).
  if (unpadded.length !== 43 || (v.length !== 43 && v.length !== 44)) throw new Error(KEY_ERROR);
  const bytes = Buffer.from(unpadded, isStd ? "base64" : "base64url");
  // Canonical check: the unused low bits of the last character must be zero.
  const again = bytes.toString(isStd ? "base64" : "base64url").replace(/=+$/, "");
  if (bytes.length !== KEY_BYTES || again !== unpadded) throw new Error(KEY_ERROR);
  return bytes;
}

function assertKey(key: unknown): asserts key is Buffer {
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) {
    throw new TypeError("encryption key must be a 32-byte Buffer (see parseEncryptionKey)");
  }
}

/** Short, non-reversible id of a key (safe to log): 16 hex characters. */
export function keyFingerprint(key: Buffer): string {
  assertKey(key);
  return createHash("sha256").update("idv-seal key fingerprint\0").update(key).digest("hex").slice(0, 16);
}

// ---------------------------------------------------------------------------
// Seal / open

function additionalData(kind: Kind, aad: string | undefined): Buffer {
  if (aad !== undefined && typeof aad !== "string") throw new TypeError("aad must be a string");
  return Buffer.from(`idv-seal/${VERSION}/${kind}/${aad ?? ""}`, "utf8");
}

function seal(plaintext: Buffer, key: Buffer, kind: Kind, aad: string | undefined): string {
  assertKey(key);
  const ad = additionalData(kind, aad);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(ad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString("base64url"), tag.toString("base64url"), ciphertext.toString("base64url")].join(".");
}

/** Strict unpadded base64url: rejects other characters and non-canonical endings. */
function decodePart(part: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(part) || part.length % 4 === 1) return undefined;
  const bytes = Buffer.from(part, "base64url");
  return bytes.toString("base64url") === part ? bytes : undefined;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function open(sealed: string, key: Buffer, kind: Kind, aad: string | undefined): string {
  assertKey(key);
  const ad = additionalData(kind, aad);
  if (typeof sealed !== "string") throw new SealError("sealed value is not a string");
  const parts = sealed.split(".");
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw new SealError("sealed value has an unknown format or version");
  }
  const iv = decodePart(parts[1] ?? "");
  const tag = decodePart(parts[2] ?? "");
  const ciphertext = decodePart(parts[3] ?? "");
  if (!iv || iv.length !== IV_BYTES || !tag || tag.length !== TAG_BYTES || !ciphertext) {
    throw new SealError("sealed value has an invalid format");
  }
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(ad);
    decipher.setAuthTag(tag);
    plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new SealError("sealed value failed authentication (wrong key, wrong context, or tampered)");
  }
  try {
    return utf8.decode(plaintext);
  } catch {
    throw new SealError("sealed value does not hold UTF-8 text");
  }
}

/** Seals any JSON-serialisable value. `aad` binds it to a context (e.g. `record:<id>:attributes`). */
export function sealJson(value: unknown, key: Buffer, aad?: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    throw new TypeError("sealJson: value is not JSON-serialisable");
  }
  if (json === undefined) throw new TypeError("sealJson: value is not JSON-serialisable");
  return seal(Buffer.from(json, "utf8"), key, "json", aad);
}

/** Opens a `sealJson` value. The type parameter is an assertion of the caller, not a check. */
export function openJson<T = unknown>(sealed: string, key: Buffer, aad?: string): T {
  const text = open(sealed, key, "json", aad);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new SealError("sealed value does not hold JSON");
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Seals a string as is (e.g. a provider client secret). */
export function sealString(value: string, key: Buffer, aad?: string): string {
  if (typeof value !== "string") throw new TypeError("sealString: value must be a string");
  // UTF-8 encoding would silently replace a lone surrogate; refuse instead.
  if (LONE_SURROGATE.test(value)) throw new TypeError("sealString: value is not well-formed Unicode");
  return seal(Buffer.from(value, "utf8"), key, "string", aad);
}

export function openString(sealed: string, key: Buffer, aad?: string): string {
  return open(sealed, key, "string", aad);
}
