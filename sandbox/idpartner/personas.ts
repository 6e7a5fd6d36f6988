import { createHash } from "node:crypto";
/**
 * Test banks and personas for the local IDPartner stand-in (sandbox/idpartner/server.ts).
 *
 * Data only, plus small pure helpers that turn a (persona, bank, account) choice into the
 * OpenID Connect claims the stand-in emits. All of it is fictitious (example.test
 * addresses, made-up banks).
 *
 * The shape of the bank's vouching follows OpenID Connect for Identity Assurance
 * (`verified_claims` with `verification.trust_framework` and an `electronic_record`
 * evidence of type `bank_account`): our reading of IDPartner's "bank identity data",
 * to be checked against a real IDPartner tenant (see lib/idpartner/profile.ts).
 */

export interface Bank {
  key: string;
  name: string;
  description: string;
}

/** The banks on the stand-in's "choose your bank" page. */
export const BANKS: readonly Bank[] = [
  { key: "sample-credit-union", name: "Sample Credit Union", description: "The demo's credit union (fictional)" },
  { key: "harbor-trust", name: "Harbor Trust Bank", description: "A fictional national bank" },
  { key: "cedar-valley", name: "Cedar Valley Credit Union", description: "A fictional credit union" },
  { key: "northwind", name: "Northwind Savings", description: "A fictional online savings bank" },
];

/**
 * The stand-in's trust framework name. A placeholder of ours: the value IDPartner really
 * sends (if any) must be read from a real tenant.
 */
export const TRUST_FRAMEWORK = "idpartner_bank_kyc";

/** Scopes the stand-in accepts (seed 003 asks for `openid email profile`). */
export const SUPPORTED_SCOPES: readonly string[] = ["openid", "email", "profile"];

/**
 * Claims per scope. With only `openid email profile` asked for (the Auth0 connection of
 * seed 003), the bank identity data (address, birthdate, verified_claims) has to come
 * with `profile`: that is where the stand-in puts it.
 */
export const SCOPE_CLAIMS: Readonly<Record<string, string[]>> = {
  openid: ["sub"],
  email: ["email", "email_verified"],
  profile: ["name", "given_name", "family_name", "birthdate", "phone_number", "address", "verified_claims"],
};

export interface Address {
  street_address: string | null;
  locality: string | null;
  region: string | null;
  postal_code: string | null;
  country: string | null;
}

export type PersonaKey = "bank-verified" | "no-bank-match" | "declines" | "hyphenated";

export interface Persona {
  key: PersonaKey;
  label: string;
  description: string;
  /** `deny`: picking the persona ends with `error=access_denied`. */
  behaviour: "normal" | "deny";
  /** Plain claims (what the person told IDPartner / their account says). */
  claims: {
    given_name?: string;
    family_name?: string;
    email?: string;
    email_verified?: boolean;
    phone_number?: string;
  };
  /** What the bank vouches for; null: the bank could not match the person (no verified_claims). */
  verified: {
    time: string;
    claims: { given_name: string; family_name: string; birthdate: string; address: Address };
  } | null;
}

export const PERSONAS: readonly Persona[] = [
  {
    key: "bank-verified",
    label: "Robert Okafor",
    description: "Signs in at the bank, which vouches for his identity (verified_claims with bank evidence).",
    behaviour: "normal",
    // The nickname on his IDPartner account; the bank knows his legal name.
    claims: {
      given_name: "Rob",
      family_name: "Okafor",
      email: "robert.okafor@example.test",
      email_verified: true,
      phone_number: "+1 410 555 0142",
    },
    verified: {
      time: "2021-03-14T09:30:00Z",
      claims: {
        given_name: "Robert",
        family_name: "Okafor",
        birthdate: "1984-07-22",
        address: {
          street_address: "1200 Harbor View Dr Apt 5",
          locality: "Baltimore",
          region: "MD",
          postal_code: "21230",
          country: "US",
        },
      },
    },
  },
  {
    key: "no-bank-match",
    label: "Dana Whitfield",
    description: "Signs in, but the bank cannot vouch for her: no verified_claims.",
    behaviour: "normal",
    claims: {
      given_name: "Dana",
      family_name: "Whitfield",
      email: "dana.whitfield@example.test",
      email_verified: false,
    },
    verified: null,
  },
  {
    key: "declines",
    label: "Declines",
    description: "Cancels at the bank: the application gets error=access_denied.",
    behaviour: "deny",
    claims: {},
    verified: null,
  },
  {
    key: "hyphenated",
    label: "Zoë-Anne Núñez-O'Brien",
    description: "Verified by the bank; hyphenated non-ASCII names, an address with null and empty parts.",
    behaviour: "normal",
    claims: {
      given_name: "Zoë-Anne",
      family_name: "Núñez-O'Brien",
      email: "zoe-anne.nunez-obrien@example.test",
      email_verified: true,
    },
    verified: {
      time: "2023-11-02T16:05:00Z",
      claims: {
        given_name: "Zoë-Anne",
        family_name: "Núñez-O'Brien",
        birthdate: "1991-02-28",
        address: { street_address: "Hauptstraße 7", locality: null, region: "", postal_code: null, country: "DE" },
      },
    },
  },
];

export function personaByKey(key: string): Persona | undefined {
  return PERSONAS.find((p) => p.key === key);
}

export function bankByKey(key: string): Bank | undefined {
  return BANKS.find((b) => b.key === key);
}

/** One sign-in identity: a persona at a bank, optionally as a numbered extra account. */
export interface StandinAccount {
  sub: string;
  persona: Persona;
  bank: Bank;
  /** The optional "account" field from the sign-in page ("" for the persona's usual account). */
  account: string;
}

/**
 * Stable `sub` for (persona, bank, account): the same choice always gives the same sub
 * (also across restarts), a different bank or account a different one. IDPartner proxies
 * the person's bank, so the subject is taken to be per bank.
 */
export function subjectFor(persona: Persona, bank: Bank, account = ""): string {
  const acct = account.trim();
  const digest = createHash("sha256").update(`idpartner-standin\n${persona.key}\n${bank.key}\n${acct}`).digest("hex");
  return `idp_${digest.slice(0, 24)}`;
}

export function accountFor(persona: Persona, bank: Bank, account = ""): StandinAccount {
  return { sub: subjectFor(persona, bank, account), persona, bank, account: account.trim() };
}

/**
 * The account's claims (all of them; oidc-provider then keeps those the granted scopes
 * allow). An extra account gets a `+<account>` email tag so it looks like its own person.
 */
export function claimsFor(a: StandinAccount): Record<string, unknown> {
  const { persona, bank } = a;
  const claims: Record<string, unknown> = { sub: a.sub };
  const c = persona.claims;
  if (c.given_name !== undefined) claims.given_name = c.given_name;
  if (c.family_name !== undefined) claims.family_name = c.family_name;
  const name = [c.given_name, c.family_name].filter(Boolean).join(" ");
  if (name) claims.name = name;
  if (c.email !== undefined) {
    const tag = a.account ? `+${a.account.replace(/[^A-Za-z0-9._-]/g, "")}` : "";
    claims.email = tag ? c.email.replace("@", `${tag}@`) : c.email;
    claims.email_verified = c.email_verified ?? false;
  }
  if (c.phone_number !== undefined) claims.phone_number = c.phone_number;
  if (persona.verified) {
    const v = persona.verified;
    // Plain copies of the verified birthdate/address too, as an OP with profile data would send.
    claims.birthdate = v.claims.birthdate;
    claims.address = { ...v.claims.address };
    claims.verified_claims = {
      verification: {
        trust_framework: TRUST_FRAMEWORK,
        time: v.time,
        evidence: [
          {
            type: "electronic_record",
            record: { type: "bank_account", source: { name: bank.name } },
          },
        ],
      },
      claims: { ...v.claims, address: { ...v.claims.address } },
    };
  }
  return claims;
}
