/**
 * Encryption of stored personal data and stored secrets: AES-256-GCM (node:crypto).
 *
 * Formats, each part unpadded base64url; a fresh random 12-byte IV per seal, a 16-byte tag:
 * - `v2.<kid>.<iv>.<tag>.<ciphertext>`: sealed with the key named `kid` of a key ring
 *   (ENCRYPTION_KEYS); the kid is bound into the additional data too.
 * - `v1.<iv>.<tag>.<ciphertext>`: sealed with one unnamed key (ENCRYPTION_KEY, or
 *   before key rings existed). A ring opens it with its legacy key or, failing
 *   that, any of its keys: GCM authentication tells which one it was.
 *
 * The GCM additional authenticated data is `idv-seal/v1/<kind>/` (v2:
 * `idv-seal/v2/<kid>/<kind>/`) followed by the caller's `aad` (UTF-8), where kind
 * is `json` or `string`. So a value only opens with the same key, the same context
 * (`aad`, e.g. record id + field) and through the same function family it was
 * sealed with. An omitted `aad` equals `""`.
 *
 * Opening failures are `SealError` with code `seal_invalid`, or `seal_unknown_key`
 * naming the missing key id; messages never contain the plaintext, the key, or the
 * sealed value.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

export type SealErrorCode = "seal_invalid" | "seal_unknown_key";

export class SealError extends Error {
  readonly code: SealErrorCode;

  constructor(message: string, code: SealErrorCode = "seal_invalid") {
    super(message);
    this.name = "SealError";
    this.code = code;
  }
}

const VERSION = "v1";
const VERSION_2 = "v2";
const ALGORITHM = "aes-256-gcm";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ERROR = "ENCRYPTION_KEY must be 32 bytes, given as 64 hex characters or base64";

type Kind = "json" | "string";

/**
 * Several keys, one of them active (new seals use it); the others only open. A
 * `legacy` key is an unnamed one (ENCRYPTION_KEY): with no named keys it is also
 * the active one and seals in the v1 format, exactly as before key rings.
 */
export interface KeyRing {
  /** The kid new values are sealed with; null: the legacy key (v1 format). */
  active: string | null;
  keys: ReadonlyMap<string, Buffer>;
  legacy: Buffer | null;
}

/** A key id: letters, digits, `_` and `-` (no dots: they separate a sealed value's parts). */
export const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** A ring of one unnamed key: what a bare Buffer means everywhere a ring is taken. */
export function singleKeyRing(key: Buffer): KeyRing {
  assertKey(key);
  return { active: null, keys: new Map(), legacy: key };
}

function ringOf(key: Buffer | KeyRing): KeyRing {
  const isRing = typeof key === "object" && key !== null && !(key instanceof Uint8Array) && (key as KeyRing).keys instanceof Map;
  return isRing ? (key as KeyRing) : singleKeyRing(key as Buffer);
}

/** The key new values are sealed with. */
export function activeKey(ring: KeyRing): Buffer {
  const key = ring.active === null ? ring.legacy : ring.keys.get(ring.active);
  if (!key) throw new Error(`the active key ${ring.active ?? "(legacy)"} is not in the key ring`);
  return key;
}

/** Every key of the ring, the active one first (for lookups that must find values made under any key). */
export function ringKeys(ring: KeyRing): Buffer[] {
  const all = [activeKey(ring), ...ring.keys.values(), ...(ring.legacy ? [ring.legacy] : [])];
  return all.filter((k, i) => all.findIndex((o) => o.equals(k)) === i);
}

/** The key id a sealed value names: `null` for v1 (no key id), undefined when it is not a sealed value. */
export function sealedKeyId(sealed: string): string | null | undefined {
  if (sealed.startsWith(`${VERSION}.`)) return null;
  if (sealed.startsWith(`${VERSION_2}.`)) {
    const kid = sealed.slice(3, sealed.indexOf(".", 3));
    return KEY_ID.test(kid) ? kid : undefined;
  }
  return undefined;
}

/** The prefix of values sealed with the ring's active key (`v1.` when it is the legacy key). */
export function activePrefix(ring: KeyRing): string {
  return ring.active === null ? `${VERSION}.` : `${VERSION_2}.${ring.active}.`;
}

/** Is this sealed value under the ring's active key already? */
export function isOnActiveKey(sealed: string, ring: KeyRing): boolean {
  return sealed.startsWith(activePrefix(ring));
}

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

function additionalData(kind: Kind, aad: string | undefined, kid: string | null): Buffer {
  if (aad !== undefined && typeof aad !== "string") throw new TypeError("aad must be a string");
  const head = kid === null ? `idv-seal/${VERSION}/` : `idv-seal/${VERSION_2}/${kid}/`;
  return Buffer.from(`${head}${kind}/${aad ?? ""}`, "utf8");
}

function seal(plaintext: Buffer, keys: Buffer | KeyRing, kind: Kind, aad: string | undefined): string {
  const ring = ringOf(keys);
  const key = activeKey(ring);
  assertKey(key);
  const ad = additionalData(kind, aad, ring.active);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(ad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  const head = ring.active === null ? [VERSION] : [VERSION_2, ring.active];
  return [...head, iv.toString("base64url"), tag.toString("base64url"), ciphertext.toString("base64url")].join(".");
}

/** Strict unpadded base64url: rejects other characters and non-canonical endings. */
function decodePart(part: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(part) || part.length % 4 === 1) return undefined;
  const bytes = Buffer.from(part, "base64url");
  return bytes.toString("base64url") === part ? bytes : undefined;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function decrypt(key: Buffer, iv: Buffer, tag: Buffer, ciphertext: Buffer, ad: Buffer): Buffer | undefined {
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(ad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}

function open(sealed: string, keys: Buffer | KeyRing, kind: Kind, aad: string | undefined): string {
  const ring = ringOf(keys);
  if (ring.legacy) assertKey(ring.legacy);
  for (const k of ring.keys.values()) assertKey(k);
  if (typeof sealed !== "string") throw new SealError("sealed value is not a string");
  const parts = sealed.split(".");
  const v2 = parts[0] === VERSION_2 && parts.length === 5;
  if (!v2 && (parts.length !== 4 || parts[0] !== VERSION)) {
    throw new SealError("sealed value has an unknown format or version");
  }
  const kid = v2 ? parts[1]! : null;
  const rest = v2 ? parts.slice(2) : parts.slice(1);
  if (kid !== null && !KEY_ID.test(kid)) throw new SealError("sealed value has an invalid key id");
  const iv = decodePart(rest[0] ?? "");
  const tag = decodePart(rest[1] ?? "");
  const ciphertext = decodePart(rest[2] ?? "");
  if (!iv || iv.length !== IV_BYTES || !tag || tag.length !== TAG_BYTES || !ciphertext) {
    throw new SealError("sealed value has an invalid format");
  }
  const ad = additionalData(kind, aad, kid);
  let candidates: Buffer[];
  if (kid !== null) {
    const key = ring.keys.get(kid);
    if (!key) throw new SealError(`sealed value names key "${kid}", which is not in the key ring (ENCRYPTION_KEYS)`, "seal_unknown_key");
    candidates = [key];
  } else {
    // No key id: the legacy key, else whichever ring key authenticates it.
    candidates = ring.legacy ? [ring.legacy, ...ring.keys.values()] : [...ring.keys.values()];
  }
  let plaintext: Buffer | undefined;
  for (const key of candidates) {
    plaintext = decrypt(key, iv, tag, ciphertext, ad);
    if (plaintext) break;
  }
  if (!plaintext) throw new SealError("sealed value failed authentication (wrong key, wrong context, or tampered)");
  try {
    return utf8.decode(plaintext);
  } catch {
    throw new SealError("sealed value does not hold UTF-8 text");
  }
}

/** Seals any JSON-serialisable value. `aad` binds it to a context (e.g. `record:<id>:attributes`). */
export function sealJson(value: unknown, key: Buffer | KeyRing, aad?: string): string {
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
export function openJson<T = unknown>(sealed: string, key: Buffer | KeyRing, aad?: string): T {
  const text = open(sealed, key, "json", aad);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new SealError("sealed value does not hold JSON");
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Seals a string as is (e.g. a provider client secret). */
export function sealString(value: string, key: Buffer | KeyRing, aad?: string): string {
  if (typeof value !== "string") throw new TypeError("sealString: value must be a string");
  // UTF-8 encoding would silently replace a lone surrogate; refuse instead.
  if (LONE_SURROGATE.test(value)) throw new TypeError("sealString: value is not well-formed Unicode");
  return seal(Buffer.from(value, "utf8"), key, "string", aad);
}

export function openString(sealed: string, key: Buffer | KeyRing, aad?: string): string {
  return open(sealed, key, "string", aad);
}
