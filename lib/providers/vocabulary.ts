/**
 * The words every provider answers in, whoever the provider is: the person's
 * attributes (the record's fields), community groups, and the assurance the
 * answer carries. Each provider's folder maps its own claims onto these.
 */

/** The fields a verification record keeps about the person (sealed by lib/records). */
export interface NormalizedAttributes {
  /** The provider's stable id for the person. */
  uuid: string;
  givenName?: string;
  familyName?: string;
  email?: string;
  birthDate?: string;
  phone?: string;
  street?: string;
  city?: string;
  state?: string;
  zip?: string;
  country?: string;
}

/** The record fields an attribute mapping may fill (every field but the id). */
export const ATTRIBUTE_FIELDS = [
  "givenName",
  "familyName",
  "email",
  "birthDate",
  "phone",
  "street",
  "city",
  "state",
  "zip",
  "country",
] as const satisfies ReadonlyArray<Exclude<keyof NormalizedAttributes, "uuid">>;

export type AttributeField = (typeof ATTRIBUTE_FIELDS)[number];

/** A community group the provider reports on (military, student, …). */
export interface GroupStatus {
  group: string;
  subgroups: string[];
  verified: boolean;
}

/** What the provider vouched for, in the portal's terms: for the attempt's timeline and the verified decision. */
export interface Assurance {
  /** The provider proved who the person is (identity policy). */
  identityVerified: boolean;
  /** How: e.g. "acr http://idmanagement.gov/ns/assurance/ial/2", "verified_claims (de_aml)", "identity group". */
  basis: string;
}
