/**
 * ID.me userinfo parsing (PROTOCOLS §4, seeds 002 and 004).
 *
 * Two shapes, one result:
 * - OAuth style (JSON): `{ attributes: [{ handle, name, value }], status: [{ group, subgroups, verified }] }`
 * - OIDC style (verified JWT claims): attributes flat (`fname`, `lname`, `uuid`, …),
 *   optionally a `status` claim with the same array shape.
 *
 * As ID.me asks: attributes are indexed by `handle` (exact, case-sensitive), order
 * is never assumed, values are never assumed to be strings (strings, numbers,
 * booleans and null occur), only what is present is read, and names keep their
 * hyphens, apostrophes and non-ASCII letters.
 *
 * Error messages never contain attribute values.
 */
import { ClaimsReadError, OIDC_PROTOCOL_CLAIMS } from "../claims";
import { isSafeGroupName } from "../groups";
import type { GroupStatus, NormalizedAttributes } from "../vocabulary";

export type { GroupStatus, NormalizedAttributes };

export type AttributeValue = string | number | boolean | null;

export interface ParsedUserinfo {
  uuid: string;
  /** Every attribute by handle, with its original value type. */
  attributes: Record<string, AttributeValue>;
  /** The fields the portal uses; never SSN (`social`) or any other handle. */
  normalized: NormalizedAttributes;
  groups: GroupStatus[];
  /** Some `identity` group entry has `verified === true`. */
  identityVerified: boolean;
}

export type UserinfoErrorCode = "userinfo_malformed" | "userinfo_uuid_missing";

export class UserinfoError extends ClaimsReadError<UserinfoErrorCode> {
  override name = "UserinfoError";
}

/** Handle → normalized field. Nothing outside this table reaches `normalized`. */
const NORMALIZED_FIELDS = [
  ["fname", "givenName"],
  ["lname", "familyName"],
  ["email", "email"],
  ["birth_date", "birthDate"],
  ["phone", "phone"],
  ["street", "street"],
  ["city", "city"],
  ["state", "state"],
  ["zip", "zip"],
  ["country", "country"],
] as const satisfies ReadonlyArray<readonly [string, Exclude<keyof NormalizedAttributes, "uuid">]>;

/** Handles whose numeric values are taken as strings in `normalized`. */
const NUMERIC_STRING_HANDLES: ReadonlySet<string> = new Set(["zip"]);

/**
 * JWT / OIDC protocol claims: not ID.me attributes, so they stay out of the
 * attribute map in the claims style (`sub` is still the uuid fallback).
 */
const PROTOCOL_CLAIMS: ReadonlySet<string> = new Set([...OIDC_PROTOCOL_CLAIMS, "status"]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isAttributeValue(value: unknown): value is AttributeValue {
  return value === null || typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
}

/** Own data property, so a handle such as `__proto__` is an ordinary key. */
function setOwn(target: Record<string, AttributeValue>, key: string, value: AttributeValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function getOwn(source: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(source, key) ? source[key] : undefined;
}

// ---------------------------------------------------------------------------

/** OAuth style: the JSON body of `GET /api/public/v3/userinfo`. */
export function parseUserinfoJson(body: unknown): ParsedUserinfo {
  if (!isPlainObject(body)) {
    throw new UserinfoError("userinfo_malformed", "userinfo body is not a JSON object");
  }
  const rawAttributes = getOwn(body, "attributes");
  const attributes: Record<string, AttributeValue> = {};
  // `null` is how ID.me says "missing"; treated like an absent member.
  if (rawAttributes !== undefined && rawAttributes !== null) {
    if (!Array.isArray(rawAttributes)) {
      throw new UserinfoError("userinfo_malformed", "userinfo attributes is not an array");
    }
    for (const entry of rawAttributes) {
      if (!isPlainObject(entry)) continue;
      const handle = getOwn(entry, "handle");
      if (typeof handle !== "string" || handle === "") continue;
      const raw = getOwn(entry, "value");
      // Missing value, or a shape that is not a scalar: present but without a usable value.
      const value = isAttributeValue(raw) ? raw : null;
      addAttribute(attributes, handle, value);
    }
  }
  const groups = parseStatus(getOwn(body, "status"));
  return finish(attributes, groups, readUuid(getOwn(attributes, "uuid")));
}

/**
 * OIDC style: the claims of a verified userinfo JWT or ID token. Scalar claims
 * other than the protocol claims become attributes; uuid comes from the `uuid`
 * claim, else from `sub`.
 */
export function parseUserinfoClaims(claims: Record<string, unknown>): ParsedUserinfo {
  if (!isPlainObject(claims)) {
    throw new UserinfoError("userinfo_malformed", "userinfo claims are not an object");
  }
  const attributes: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (name === "" || PROTOCOL_CLAIMS.has(name)) continue;
    // Structured claims (objects, arrays) are not ID.me attributes.
    if (!isAttributeValue(value)) continue;
    addAttribute(attributes, name, value);
  }
  const groups = parseStatus(getOwn(claims, "status"));
  const uuid = readUuid(getOwn(claims, "uuid")) ?? readUuid(getOwn(claims, "sub"));
  return finish(attributes, groups, uuid);
}

/** True only when an entry for `group` has `verified === true`. */
export function groupVerified(parsed: ParsedUserinfo, group: string): boolean {
  return parsed.groups.some((g) => g.group === group && g.verified === true);
}

// ---------------------------------------------------------------------------

/** First non-null value for a handle wins. */
function addAttribute(attributes: Record<string, AttributeValue>, handle: string, value: AttributeValue): void {
  const seen = Object.hasOwn(attributes, handle);
  if (!seen || (attributes[handle] === null && value !== null)) setOwn(attributes, handle, value);
}

function parseStatus(raw: unknown): GroupStatus[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    throw new UserinfoError("userinfo_malformed", "userinfo status is not an array");
  }
  const groups: GroupStatus[] = [];
  for (const entry of raw) {
    if (!isPlainObject(entry)) continue;
    const group = getOwn(entry, "group");
    // Only names of the safe vocabulary go on into records, tokens and app_metadata.
    if (!isSafeGroupName(group)) continue;
    const rawSubgroups = getOwn(entry, "subgroups");
    const subgroups = Array.isArray(rawSubgroups) ? rawSubgroups.filter((s): s is string => typeof s === "string" && s !== "") : [];
    groups.push({ group, subgroups, verified: getOwn(entry, "verified") === true });
  }
  return groups;
}

function readUuid(value: unknown): string | undefined {
  if (typeof value === "string") {
    const trimmed = value.trim();
    return trimmed === "" ? undefined : trimmed;
  }
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

function finish(attributes: Record<string, AttributeValue>, groups: GroupStatus[], uuid: string | undefined): ParsedUserinfo {
  if (uuid === undefined) {
    throw new UserinfoError("userinfo_uuid_missing", "userinfo has no usable uuid");
  }
  const normalized: NormalizedAttributes = { uuid };
  for (const [handle, field] of NORMALIZED_FIELDS) {
    const text = normalizedText(handle, getOwn(attributes, handle));
    if (text !== undefined) normalized[field] = text;
  }
  const parsed: ParsedUserinfo = { uuid, attributes, normalized, groups, identityVerified: false };
  parsed.identityVerified = groupVerified(parsed, "identity");
  return parsed;
}

/** Strings: surrounding whitespace trimmed, NFC; empty → absent. Numbers only for zip. */
function normalizedText(handle: string, value: unknown): string | undefined {
  let text: string;
  if (typeof value === "string") text = value;
  else if (typeof value === "number" && Number.isFinite(value) && NUMERIC_STRING_HANDLES.has(handle)) {
    text = String(value);
  } else return undefined;
  const cleaned = text.trim().normalize("NFC");
  return cleaned === "" ? undefined : cleaned;
}
