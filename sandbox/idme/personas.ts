import { createHash } from "node:crypto";
/**
 * Test personas for the local ID.me stand-in (sandbox/idme/server.ts).
 *
 * Data only, plus small pure helpers that turn a persona into the shapes ID.me
 * returns: the OAuth-style userinfo JSON (`attributes` + `status`), flat claims for
 * the OIDC ID token / userinfo JWT, and the `status` array for the granted scopes.
 *
 * All of this is fictitious test data (example.test addresses).
 */

/** Community (group) scopes ID.me knows and the stand-in accepts. */
export const COMMUNITY_SCOPES = ["military", "student", "teacher", "responder", "nurse", "government", "hospital_employee"] as const;
export type CommunityScope = (typeof COMMUNITY_SCOPES)[number];

/** Identity-verification policy scope (IAL2 / AAL2). */
export const IDENTITY_SCOPE = "http://idmanagement.gov/ns/assurance/ial/2/aal/2";

/** Every scope the stand-in accepts; anything else is `invalid_scope`. */
export const SUPPORTED_SCOPES: readonly string[] = ["openid", "email", "profile", ...COMMUNITY_SCOPES, IDENTITY_SCOPE];

export type AttributeValue = string | number | boolean | null;

export interface Attribute {
  handle: string;
  name: string;
  value: AttributeValue;
}

export interface StatusEntry {
  group: string;
  subgroups: Array<string | null> | null;
  verified: boolean;
}

export interface CommunityMembership {
  subgroups: Array<string | null> | null;
  verified: boolean;
}

export type PersonaKey = "identity-verified" | "veteran" | "not-verified" | "declines" | "awkward" | "malformed" | "slow";

/** How the persona behaves beyond its data. */
export type PersonaBehaviour =
  | "normal"
  /** Picking the persona denies the request: `error=access_denied`. */
  | "deny"
  /** Userinfo answers 200 `{"attributes":"oops","status":7}` (application/json, always). */
  | "malformed"
  /** Userinfo waits `slowMs` before answering normally. */
  | "slow";

export interface Persona {
  key: PersonaKey;
  /** Display name on the sign-in page. */
  label: string;
  /** One-line description on the sign-in page. */
  description: string;
  /** Stable ID.me-style uuid: 32 lowercase hex chars. Also the `sub`. */
  uuid: string;
  /** Attributes in their "natural" order (see `shuffleAttributes`). */
  attributes: Attribute[];
  identity: { verified: boolean; subgroups: Array<string | null> | null };
  /** Community memberships; a community not listed is `{ subgroups: [], verified: false }`. */
  communities: Partial<Record<CommunityScope, CommunityMembership>>;
  /** Status entries appended regardless of the requested scopes (awkward data). */
  extraStatus?: StatusEntry[];
  /** Return attributes (and status entries) in a fresh random order on every call. */
  shuffle?: boolean;
  behaviour: PersonaBehaviour;
}

/** Human-readable names ID.me uses for attribute handles. */
export const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  fname: "First Name",
  lname: "Last Name",
  email: "Email",
  uuid: "Unique Identifier",
  birth_date: "Birth Date",
  street: "Street",
  city: "City",
  state: "State",
  zip: "Zip Code",
  country: "Country",
  phone: "Phone",
  age: "Age",
  vaccination_status: "Vaccination Status",
};

function attr(handle: string, value: AttributeValue): Attribute {
  return { handle, name: ATTRIBUTE_NAMES[handle] ?? handle, value };
}

function usAttributes(p: {
  fname: string;
  lname: string;
  email: string;
  uuid: string;
  birth_date: string;
  street: string;
  city: string;
  state: string;
  zip: string;
}): Attribute[] {
  return [
    attr("fname", p.fname),
    attr("lname", p.lname),
    attr("email", p.email),
    attr("uuid", p.uuid),
    attr("birth_date", p.birth_date),
    attr("street", p.street),
    attr("city", p.city),
    attr("state", p.state),
    attr("zip", p.zip),
    attr("country", "US"),
  ];
}

const IAL2_VERIFIED = { verified: true, subgroups: ["IAL2"] };
const IAL2_NOT_VERIFIED = { verified: false, subgroups: ["IAL2"] };

export const PERSONAS: readonly Persona[] = [
  {
    key: "identity-verified",
    label: "Malcolm Murphy",
    description: "Identity verified (IAL2), not in any community group.",
    uuid: "d733a89e2e634f04ac2fe66c97f71612",
    attributes: usAttributes({
      fname: "Malcolm",
      lname: "Murphy",
      email: "malcolm.murphy@example.test",
      uuid: "d733a89e2e634f04ac2fe66c97f71612",
      birth_date: "1980-04-12",
      street: "1200 Test Harbor Road",
      city: "Baltimore",
      state: "MD",
      zip: "21219-4921",
    }),
    identity: IAL2_VERIFIED,
    communities: {},
    behaviour: "normal",
  },
  {
    key: "veteran",
    label: "Valerie Okafor",
    description: "Verified military veteran; identity verified (IAL2) too.",
    uuid: "5f0c2b7e9a1d4c3e8b6a0f1e2d3c4b5a",
    attributes: usAttributes({
      fname: "Valerie",
      lname: "Okafor",
      email: "valerie.okafor@example.test",
      uuid: "5f0c2b7e9a1d4c3e8b6a0f1e2d3c4b5a",
      birth_date: "1975-09-30",
      street: "77 Sample Barracks Lane",
      city: "San Antonio",
      state: "TX",
      zip: "78234",
    }),
    identity: IAL2_VERIFIED,
    communities: { military: { subgroups: ["veteran"], verified: true } },
    behaviour: "normal",
  },
  {
    key: "not-verified",
    label: "Noah Whitfield",
    description: "Signs in, but nothing is verified: no identity, no community.",
    uuid: "0a1b2c3d4e5f40718293a4b5c6d7e8f9",
    attributes: usAttributes({
      fname: "Noah",
      lname: "Whitfield",
      email: "noah.whitfield@example.test",
      uuid: "0a1b2c3d4e5f40718293a4b5c6d7e8f9",
      birth_date: "1999-01-05",
      street: "5 Placeholder Court",
      city: "Columbus",
      state: "OH",
      zip: "43004",
    }),
    identity: IAL2_NOT_VERIFIED,
    communities: {},
    behaviour: "normal",
  },
  {
    key: "declines",
    label: "Dana Reyes",
    description: "Declines to share: the request ends with error=access_denied.",
    uuid: "9e8d7c6b5a4f43e2a1b0c9d8e7f6a5b4",
    attributes: usAttributes({
      fname: "Dana",
      lname: "Reyes",
      email: "dana.reyes@example.test",
      uuid: "9e8d7c6b5a4f43e2a1b0c9d8e7f6a5b4",
      birth_date: "1988-07-21",
      street: "9 Nowhere Street",
      city: "Denver",
      state: "CO",
      zip: "80014",
    }),
    identity: IAL2_VERIFIED,
    communities: {},
    behaviour: "deny",
  },
  {
    key: "awkward",
    label: "Zoë-Anne Núñez-O'Brien",
    description:
      "Awkward data: non-ASCII and hyphenated names, null address (country DE), boolean and numeric attributes, shuffled order, null subgroups.",
    uuid: "c4f1e2d3b4a5469788a9b0c1d2e3f4a5",
    attributes: [
      attr("fname", "Zoë-Anne"),
      attr("lname", "Núñez-O'Brien"),
      attr("email", "zoe-anne.nunez-obrien@example.test"),
      attr("uuid", "c4f1e2d3b4a5469788a9b0c1d2e3f4a5"),
      attr("birth_date", "1981-11-02"),
      attr("street", null),
      attr("city", null),
      attr("state", null),
      attr("zip", null),
      attr("country", "DE"),
      attr("vaccination_status", true),
      attr("age", 44),
    ],
    identity: { verified: true, subgroups: [null] },
    communities: { military: { subgroups: ["veteran"], verified: true } },
    // Like ID.me's own sample (seed 004): entries no scope asked for, with `subgroups`
    // `[null]` and `null`; always present, whatever the scopes.
    extraStatus: [
      { group: "covid_vaccine", subgroups: [null], verified: true },
      { group: "covid_vaccine", subgroups: null, verified: true },
    ],
    shuffle: true,
    behaviour: "normal",
  },
  {
    key: "malformed",
    label: "Morgan Blake",
    description: 'Signs in, but userinfo answers 200 {"attributes":"oops","status":7}.',
    uuid: "7b6a5f4e3d2c41b0a9f8e7d6c5b4a392",
    attributes: usAttributes({
      fname: "Morgan",
      lname: "Blake",
      email: "morgan.blake@example.test",
      uuid: "7b6a5f4e3d2c41b0a9f8e7d6c5b4a392",
      birth_date: "1990-03-14",
      street: "404 Broken Pipe Avenue",
      city: "Portland",
      state: "OR",
      zip: "97201",
    }),
    identity: IAL2_VERIFIED,
    communities: {},
    behaviour: "malformed",
  },
  {
    key: "slow",
    label: "Sam Lindqvist",
    description: "Identity verified, but userinfo is very slow (tests timeouts).",
    uuid: "2e3f4a5b6c7d48e9a0b1c2d3e4f5a6b7",
    attributes: usAttributes({
      fname: "Sam",
      lname: "Lindqvist",
      email: "sam.lindqvist@example.test",
      uuid: "2e3f4a5b6c7d48e9a0b1c2d3e4f5a6b7",
      birth_date: "1984-06-06",
      street: "1 Turtle Way",
      city: "Duluth",
      state: "MN",
      zip: "55802",
    }),
    identity: IAL2_VERIFIED,
    communities: {},
    behaviour: "slow",
  },
];

export function personaByKey(key: string): Persona | undefined {
  return PERSONAS.find((p) => p.key === key);
}

const accounts = new Map<string, Persona>();

/**
 * The same persona as a different ID.me account: same data, another uuid
 * (derived from the persona and the account name). Lets tests and the demo
 * verify several Auth0 users as, say, "veteran" without them sharing one
 * ID.me identity, which the portal refuses.
 */
export function personaAccount(persona: Persona, account: string | null | undefined): Persona {
  const name = (account ?? "").trim();
  if (!name) return persona;
  const uuid = createHash("sha256").update(`${persona.uuid}:${name}`).digest("hex").slice(0, 32);
  let found = accounts.get(uuid);
  if (!found) {
    found = { ...persona, uuid, attributes: persona.attributes.map((a) => (a.handle === "uuid" ? { ...a, value: uuid } : { ...a })) };
    accounts.set(uuid, found);
  }
  return found;
}

export function personaByUuid(uuid: string): Persona | undefined {
  return PERSONAS.find((p) => p.uuid === uuid) ?? accounts.get(uuid);
}

export function isCommunityScope(scope: string): scope is CommunityScope {
  return (COMMUNITY_SCOPES as readonly string[]).includes(scope);
}

/** Policy scopes (community + identity) among a space-separated scope string, in order. */
export function policyScopes(scope: string | undefined): string[] {
  return [...new Set((scope ?? "").split(" ").filter(Boolean))].filter((s) => s === IDENTITY_SCOPE || isCommunityScope(s));
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * The persona's attributes in the order userinfo returns them. For `shuffle`
 * personas that is a fresh random order, with `uuid` never first.
 */
export function orderedAttributes(persona: Persona, random: () => number = Math.random): Attribute[] {
  if (!persona.shuffle) return persona.attributes.map((a) => ({ ...a }));
  const out = shuffled(persona.attributes, random).map((a) => ({ ...a }));
  if (out.length > 1 && out[0]?.handle === "uuid") {
    out.push(out.shift() as Attribute);
  }
  return out;
}

/** One status entry per granted policy scope (plus the persona's extra entries). */
export function statusFor(persona: Persona, grantedScope: string | undefined, random: () => number = Math.random): StatusEntry[] {
  const entries: StatusEntry[] = policyScopes(grantedScope).map((scope) => {
    if (scope === IDENTITY_SCOPE) {
      return { group: "identity", subgroups: copy(persona.identity.subgroups), verified: persona.identity.verified };
    }
    const membership = persona.communities[scope as CommunityScope];
    return {
      group: scope,
      subgroups: membership ? copy(membership.subgroups) : [],
      verified: membership?.verified ?? false,
    };
  });
  for (const extra of persona.extraStatus ?? []) entries.push({ ...extra, subgroups: copy(extra.subgroups) });
  return persona.shuffle ? shuffled(entries, random) : entries;
}

function copy(subgroups: Array<string | null> | null): Array<string | null> | null {
  return subgroups === null ? null : [...subgroups];
}

/** ID.me's OAuth-style userinfo body (seed 004). */
export function oauthUserinfo(
  persona: Persona,
  grantedScope: string | undefined,
  random: () => number = Math.random,
): { attributes: Attribute[]; status: StatusEntry[] } {
  return { attributes: orderedAttributes(persona, random), status: statusFor(persona, grantedScope, random) };
}

/** The attributes as flat claims (`fname`, `lname`, `email`, `uuid`, `zip`, …). */
export function flatClaims(persona: Persona, random: () => number = Math.random): Record<string, AttributeValue> {
  const claims: Record<string, AttributeValue> = {};
  for (const a of orderedAttributes(persona, random)) claims[a.handle] = a.value;
  return claims;
}

/** Every attribute handle any persona carries (the stand-in's `claims_supported`). */
export const ATTRIBUTE_HANDLES: readonly string[] = [...new Set(PERSONAS.flatMap((p) => p.attributes.map((a) => a.handle)))];
