import { randomBytes } from "node:crypto";

// Crockford's base32: no I, L, O or U, so a code read aloud over the phone survives.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A short human-readable reference code such as `IDV-7K3M-Q9XZ`. */
export function newReferenceCode(): string {
  const bytes = randomBytes(8);
  const chars = Array.from(bytes, (b) => ALPHABET[b & 31]).join("");
  return `IDV-${chars.slice(0, 4)}-${chars.slice(4, 8)}`;
}

/** Accepts what a person reads out: lower case, spaces, O for 0, I/L for 1. */
export function normalizeReferenceCode(input: string): string | null {
  const raw = input.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  const body = raw.startsWith("1DV") ? raw.slice(3) : raw.startsWith("IDV") ? raw.slice(3) : raw;
  if (!/^[0-9A-HJKMNP-TV-Z]{8}$/.test(body)) return null;
  return `IDV-${body.slice(0, 4)}-${body.slice(4)}`;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString("base64url")}`;
}

export function newSecret(): string {
  return randomBytes(24).toString("base64url");
}
