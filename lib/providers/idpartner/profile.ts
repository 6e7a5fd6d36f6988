import type { NormalizedAttributes } from "../vocabulary";

/**
 * IDPartner's answer about a person: OpenID Connect claims (ID token + userinfo),
 * parsed into the same NormalizedAttributes as ID.me's, plus "was the person's identity
 * vouched for by their bank?".
 *
 * OUR READING, NOT A PUBLISHED CONTRACT. Seed 003 says only that IDPartner "uses bank
 * identity data" and is reached with scope `openid email profile`. We model the bank's
 * vouching on OpenID Connect for Identity Assurance 1.0 (the OpenID standard for
 * "these claims were verified, under this trust framework, with this evidence"):
 *
 *   "verified_claims": {
 *     "verification": {
 *       "trust_framework": "…",                      // required: names the rules the check followed
 *       "time": "2024-05-01T10:00:00Z",              // optional
 *       "evidence": [{
 *         "type": "electronic_record",
 *         "record": { "type": "bank_account", "source": { "name": "<the bank>" } }
 *       }]
 *     },
 *     "claims": { "given_name", "family_name", "birthdate", "address": { … } }
 *   }
 *
 * (`verified_claims` may also be an array of such objects, as the standard allows.)
 * The person counts as verified only when some `verified_claims` entry has a non-empty
 * `verification.trust_framework` AND its evidence includes a bank record
 * (`type: "electronic_record"` with `record.type` in BANK_RECORD_TYPES). A sign-in
 * without that (the bank could not match the person) is a successful sign-in but not
 * a verified identity.
 *
 * The exact claim names and values IDPartner emits (trust framework name, record type,
 * whether `verified_claims` comes with scope `profile` or needs the `claims` request
 * parameter) MUST be checked against a real IDPartner tenant before production use.
 *
 * Error messages never contain claim values.
 */
import { OIDC_PROTOCOL_CLAIMS } from "../claims";

/** `record.type` values that mean "the bank's own customer record". */
export const BANK_RECORD_TYPES: ReadonlySet<string> = new Set(["bank_account"]);

export interface BankVerification {
  trustFramework: string;
  /** `verification.time` as sent (ISO 8601), or null. */
  time: string | null;
  /** `record.source.name` of each bank record (may be empty when the source is not named). */
  banks: string[];
}

export interface ParsedProfile {
  /** IDPartner's `sub`: the stable id for the person. */
  sub: string;
  /** Verified claims first, then the plain (self-asserted or account) claims. */
  normalized: NormalizedAttributes;
  /** A `verified_claims` entry with a trust framework and bank evidence was present. */
  identityVerified: boolean;
  /** The first entry that made the person verified; null when not verified. */
  verification: BankVerification | null;
  /**
   * Person claims received with a value: top-level claims other than protocol claims and
   * `verified_claims`, plus each claim inside the verified `claims` objects.
   */
  attributeCount: number;
}

export type ProfileErrorCode = "userinfo_malformed" | "userinfo_uuid_missing" | "subject_mismatch";

export class ProfileError extends Error {
  readonly code: ProfileErrorCode;

  constructor(code: ProfileErrorCode, message: string) {
    super(message);
    this.name = "ProfileError";
    this.code = code;
  }
}

/** JWT / OIDC protocol claims: about the token, not the person. */
const PROTOCOL_CLAIMS: ReadonlySet<string> = new Set([...OIDC_PROTOCOL_CLAIMS, "updated_at", "_claim_names", "_claim_sources"]);

type Claims = Record<string, unknown>;

function isPlainObject(value: unknown): value is Claims {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function getOwn(source: Claims, key: string): unknown {
  return Object.hasOwn(source, key) ? source[key] : undefined;
}

// ---------------------------------------------------------------------------

/**
 * The person's claims from the ID token and the userinfo answer, userinfo winning
 * (OIDC Core 5.3.2: its `sub` must be present and equal the ID token's). Protocol claims
 * of the ID token (iss, aud, nonce, …) are left out; `sub` is kept.
 * `userinfo` null: there is no userinfo endpoint, the ID token's claims are all there is.
 */
export function mergeClaims(idTokenClaims: Claims | null, userinfo: unknown): Claims {
  const merged: Claims = {};
  if (idTokenClaims !== null) {
    if (!isPlainObject(idTokenClaims)) throw new ProfileError("userinfo_malformed", "ID token claims are not an object");
    for (const [name, value] of Object.entries(idTokenClaims)) {
      if (name !== "sub" && PROTOCOL_CLAIMS.has(name)) continue;
      setOwn(merged, name, value);
    }
  }
  if (userinfo === null) return merged;
  if (!isPlainObject(userinfo)) throw new ProfileError("userinfo_malformed", "the userinfo answer is not a JSON object");
  const sub = getOwn(userinfo, "sub");
  if (typeof sub !== "string" || sub.trim() === "") {
    throw new ProfileError("userinfo_uuid_missing", "the userinfo answer has no sub");
  }
  const idSub = idTokenClaims === null ? undefined : getOwn(idTokenClaims, "sub");
  if (idSub !== undefined && idSub !== sub) {
    throw new ProfileError("subject_mismatch", "the userinfo answer and the ID token name different subjects");
  }
  for (const [name, value] of Object.entries(userinfo)) setOwn(merged, name, value);
  return merged;
}

/** Parses merged claims (or either source alone). */
export function parseProfile(claims: unknown): ParsedProfile {
  if (!isPlainObject(claims)) throw new ProfileError("userinfo_malformed", "the claims are not a JSON object");
  const rawSub = getOwn(claims, "sub");
  if (typeof rawSub !== "string" || rawSub.trim() === "") {
    throw new ProfileError("userinfo_uuid_missing", "the answer has no usable sub");
  }
  const sub = rawSub;

  const entries = verifiedClaimsEntries(getOwn(claims, "verified_claims"));
  let verification: BankVerification | null = null;
  const bankVerifiedClaims: Claims[] = [];
  for (const entry of entries) {
    const v = bankVerification(entry);
    if (!v) continue;
    verification ??= v;
    const inner = getOwn(entry, "claims");
    if (isPlainObject(inner)) bankVerifiedClaims.push(inner);
  }

  // Verified claims first (only those the bank vouched for), then the plain claims.
  const sources: Claims[] = [...bankVerifiedClaims, claims];
  const normalized: NormalizedAttributes = { uuid: sub };
  setText(normalized, "givenName", first(sources, "given_name"));
  setText(normalized, "familyName", first(sources, "family_name"));
  setText(normalized, "email", first(sources, "email"));
  setText(normalized, "birthDate", first(sources, "birthdate"));
  setText(normalized, "phone", first(sources, "phone_number"));
  // The address is taken as one unit: never a street from one source and a city from another.
  const address = sources.map((s) => getOwn(s, "address")).find(isPlainObject);
  if (address) {
    setText(normalized, "street", text(getOwn(address, "street_address")));
    setText(normalized, "city", text(getOwn(address, "locality")));
    setText(normalized, "state", text(getOwn(address, "region")));
    setText(normalized, "zip", text(getOwn(address, "postal_code"), true));
    setText(normalized, "country", text(getOwn(address, "country")));
  }

  let attributeCount = 0;
  for (const [name, value] of Object.entries(claims)) {
    if (PROTOCOL_CLAIMS.has(name) || name === "verified_claims" || value === null || value === undefined) continue;
    attributeCount++;
  }
  for (const entry of entries) {
    const inner = getOwn(entry, "claims");
    if (!isPlainObject(inner)) continue;
    for (const value of Object.values(inner)) if (value !== null && value !== undefined) attributeCount++;
  }

  return { sub, normalized, identityVerified: verification !== null, verification, attributeCount };
}

// ---------------------------------------------------------------------------

/** `verified_claims`: absent, one object, or an array of objects (anything else is malformed). */
function verifiedClaimsEntries(raw: unknown): Claims[] {
  if (raw === undefined || raw === null) return [];
  if (isPlainObject(raw)) return [raw];
  if (Array.isArray(raw)) return raw.filter(isPlainObject);
  throw new ProfileError("userinfo_malformed", "verified_claims is neither an object nor an array");
}

/** The entry's verification when it names a trust framework and carries bank evidence. */
function bankVerification(entry: Claims): BankVerification | null {
  const verification = getOwn(entry, "verification");
  if (!isPlainObject(verification)) return null;
  const trustFramework = getOwn(verification, "trust_framework");
  if (typeof trustFramework !== "string" || trustFramework.trim() === "") return null;
  const evidence = getOwn(verification, "evidence");
  if (!Array.isArray(evidence)) return null;
  const banks: string[] = [];
  let bankRecord = false;
  for (const e of evidence) {
    if (!isPlainObject(e) || getOwn(e, "type") !== "electronic_record") continue;
    const record = getOwn(e, "record");
    if (!isPlainObject(record)) continue;
    const type = getOwn(record, "type");
    if (typeof type !== "string" || !BANK_RECORD_TYPES.has(type)) continue;
    bankRecord = true;
    const source = getOwn(record, "source");
    const name = isPlainObject(source) ? text(getOwn(source, "name")) : undefined;
    if (name !== undefined) banks.push(name);
  }
  if (!bankRecord) return null;
  const time = getOwn(verification, "time");
  return { trustFramework: trustFramework.trim(), time: typeof time === "string" && time.trim() ? time.trim() : null, banks };
}

/** The first usable text value of a claim across the sources, in order. */
function first(sources: Claims[], name: string): string | undefined {
  for (const s of sources) {
    const t = text(getOwn(s, name));
    if (t !== undefined) return t;
  }
  return undefined;
}

/** Strings trimmed and NFC-normalised (hyphens, apostrophes and non-ASCII kept); empty → absent. */
function text(value: unknown, numbersToo = false): string | undefined {
  let s: string;
  if (typeof value === "string") s = value;
  else if (numbersToo && typeof value === "number" && Number.isFinite(value)) s = String(value);
  else return undefined;
  const cleaned = s.trim().normalize("NFC");
  return cleaned === "" ? undefined : cleaned;
}

function setText(target: NormalizedAttributes, field: Exclude<keyof NormalizedAttributes, "uuid">, value: string | undefined) {
  if (value !== undefined) target[field] = value;
}

/** Own data property, so a claim named `__proto__` is an ordinary key. */
function setOwn(target: Claims, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
