import type { NormalizedAttributes } from "../vocabulary";

/**
 * What "verified" means for IDPartner: the portal's rule, in one place.
 *
 * IDPartner's published relying-party clients show standard OpenID Connect claims vouched
 * for by the person's bank (names, email, address, phone) and no identity-assurance claim
 * (no `verified_claims`, no trust framework). So the rule is:
 *
 *   1. the person signed in at a bank whose issuer is allowed (IDPartner's published list
 *      or the admin's allow list; ./banks.ts), and the answer passed every check (signed
 *      and pushed request, signed response from that bank, ID token from that bank); and
 *   2. the bank returned the claims the application asks for: the given and family name
 *      always, and the email, phone number or address when the application's scopes ask
 *      for them (`email`, `phone`, `address`).
 *
 * The bank (its issuer) is recorded with the verification. When IDPartner confirms an
 * assurance claim, change this file (and its test) only.
 */
export const VERIFIED_RULE =
  "Verified when the person signs in at a bank on IDPartner's published list or your allow list, every signature and check passes, and the bank returns the claims the application asks for: given and family name always, plus email, phone number or address when the application's scopes ask for them. The bank's issuer is recorded with the verification.";

const REQUIRED_BY_SCOPE: Readonly<Record<string, readonly (keyof NormalizedAttributes)[]>> = {
  openid: [],
  profile: ["givenName", "familyName"],
  email: ["email"],
  phone: ["phone"],
  address: ["street"],
};

/** The record fields the bank must fill for these scopes (names always). */
export function requiredFields(scopes: readonly string[]): (keyof NormalizedAttributes)[] {
  return [...new Set<keyof NormalizedAttributes>(["givenName", "familyName", ...scopes.flatMap((s) => REQUIRED_BY_SCOPE[s] ?? [])])];
}

/** The rule applied to what the bank returned (after every check passed): verified, and what was missing. */
export function idpartnerVerified(normalized: NormalizedAttributes, scopes: readonly string[]): { verified: boolean; missing: string[] } {
  const missing = requiredFields(scopes).filter((f) => {
    const v = normalized[f];
    return typeof v !== "string" || v.trim() === "";
  });
  return { verified: missing.length === 0, missing };
}
