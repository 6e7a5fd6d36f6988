/**
 * ID.me's scope catalogue: what the admin forms offer as checkboxes and what the
 * policies ask for by default. No server imports: bundled into the admin pages.
 */

/** ID.me's identity-proofing policy (IAL2 / AAL2). */
export const IDENTITY_SCOPE = "http://idmanagement.gov/ns/assurance/ial/2/aal/2";

/** Community groups ID.me verifies (one scope per group). */
export const COMMUNITY_SCOPES = ["military", "student", "teacher", "responder", "nurse", "government", "hospital_employee"] as const;

/** The COVID-19 policies of ID.me's OAuth guide (seed 004). */
export const COVID_SCOPES = [
  "kba_replacement/covid/questionnaire",
  "kba_replacement/covid/verify",
  "fortified/covid/questionnaire",
  "fortified/covid/verify",
  `${IDENTITY_SCOPE}/covid/questionnaire`,
  `${IDENTITY_SCOPE}/covid/verify`,
] as const;

export interface KnownScope {
  scope: string;
  label: string;
  kind: "oidc" | "identity" | "community" | "covid";
}

const GROUP_LABELS: Record<(typeof COMMUNITY_SCOPES)[number], string> = {
  military: "Military (service members, veterans, families)",
  student: "Students",
  teacher: "Teachers",
  responder: "First responders",
  nurse: "Nurses",
  government: "Government employees",
  hospital_employee: "Hospital employees",
};

/** The scopes the admin forms offer as checkboxes; anything else goes in the free-text field. */
export const KNOWN_SCOPES: readonly KnownScope[] = [
  { scope: "openid", label: "OpenID Connect (ID token; without it the plain OAuth flow is used)", kind: "oidc" },
  { scope: IDENTITY_SCOPE, label: "Identity verification (IAL2 / AAL2)", kind: "identity" },
  ...COMMUNITY_SCOPES.map((scope) => ({ scope, label: GROUP_LABELS[scope], kind: "community" as const })),
  ...COVID_SCOPES.map((scope) => ({ scope, label: "COVID-19 vaccination", kind: "covid" as const })),
];

export const IDME_BASE_URLS = { sandbox: "https://api.idmelabs.com", production: "https://api.id.me" } as const;

/** The scopes a policy asks ID.me for when nothing else is set. */
export function idmeDefaultScopes(policy: "identity" | "community"): string[] {
  return policy === "identity" ? ["openid", IDENTITY_SCOPE] : ["openid", "military"];
}

/** What the person is asked to confirm for a community group, in their words. */
export const GROUP_WORDS: Record<string, string> = {
  military: "a member of the military community (service member, veteran or family)",
  student: "a student",
  teacher: "a teacher",
  responder: "a first responder",
  nurse: "a nurse",
  medical: "a medical professional",
  government: "a government employee",
  hospital_employee: "a hospital employee",
};
