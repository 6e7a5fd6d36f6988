import type { NormalizedAttributes } from "../providers/vocabulary";

/**
 * Masking of normalized attributes for staff whose role does not need them
 * in clear (support): enough to recognise a caller ("J•••", "j•••@example.com",
 * "90•••"), never enough to learn who someone is. Unknown fields are masked
 * completely, so a field added later is hidden until someone decides otherwise.
 */

export const MASK = "•••";
export const MASKED_BIRTH_DATE = "••••-••-••";

export type MaskedAttributes = { [K in keyof NormalizedAttributes]?: string } & Record<string, string | undefined>;

/** The first character as a person sees it (a whole code point, so "Ærø" → "Æ"). */
function firstChar(value: string): string {
  return Array.from(value.trim())[0] ?? "";
}

export function maskName(value: string): string {
  const c = firstChar(value);
  return c ? `${c}${MASK}` : MASK;
}

export function maskEmail(value: string): string {
  const v = value.trim();
  const at = v.lastIndexOf("@");
  if (at <= 0 || at === v.length - 1) return MASK;
  return `${firstChar(v.slice(0, at))}${MASK}@${v.slice(at + 1)}`;
}

export function maskZip(value: string): string {
  const v = value.trim();
  const chars = Array.from(v);
  // A code of two characters or fewer would be shown whole: hide it.
  return chars.length > 2 ? `${chars.slice(0, 2).join("")}${MASK}` : MASK;
}

type Masker = (value: string) => string;

const MASKERS: { [K in keyof NormalizedAttributes]-?: Masker | null } = {
  uuid: null, // the provider's id, shown elsewhere on the page: not personal data in itself
  givenName: maskName,
  familyName: maskName,
  email: maskEmail,
  birthDate: () => MASKED_BIRTH_DATE,
  phone: () => MASK,
  street: () => MASK,
  city: () => MASK,
  state: () => MASK,
  zip: maskZip,
  country: () => MASK,
};

/** Every present attribute, masked (values that are not text are masked whole). */
export function maskAttributes(attrs: Partial<NormalizedAttributes> | Record<string, unknown>): MaskedAttributes {
  const out: MaskedAttributes = {};
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    const masker = Object.hasOwn(MASKERS, key) ? MASKERS[key as keyof NormalizedAttributes] : undefined;
    if (masker === null) {
      out[key] = typeof value === "string" ? value : MASK;
    } else if (value === null || value === "") {
      out[key] = "";
    } else if (masker && typeof value === "string") {
      out[key] = masker(value);
    } else {
      out[key] = key === "birthDate" ? MASKED_BIRTH_DATE : MASK;
    }
  }
  return out;
}

/** What a role sees of the attributes: admins in clear, everyone else masked. */
export function attributesForRole(role: "admin" | "support", attrs: Partial<NormalizedAttributes>): MaskedAttributes {
  if (role === "admin") {
    const out: MaskedAttributes = {};
    for (const [key, value] of Object.entries(attrs)) if (value !== undefined && value !== null) out[key] = String(value);
    return out;
  }
  return maskAttributes(attrs);
}
