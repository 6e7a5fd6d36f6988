import { z } from "zod";

/**
 * What an admin may save as the global settings and as one application's
 * requirements: one zod schema per entity, used by the browser form (to show
 * errors before a round trip) and by the server action (which decides).
 *
 * Input is FormData-shaped (lib/staff/guard `formObject`): strings, checkboxes
 * as "on" or absent, repeated names as arrays. Scopes come as repeated checkbox
 * values (`scopes`) and/or a textarea with one scope per line (`scopesOther`).
 *
 * No server imports here: this module is bundled into the admin pages.
 */

export type Policy = "identity" | "community";

// ID.me's vocabulary (its scope catalogue) lives in its folder; re-exported for the forms.
export { COMMUNITY_SCOPES, COVID_SCOPES, IDENTITY_SCOPE, IDME_BASE_URLS, KNOWN_SCOPES, type KnownScope } from "../providers/idme/scopes";
import { IDENTITY_SCOPE, idmeDefaultScopes } from "../providers/idme/scopes";
import { isKnownProvider } from "../providers/known";

export const MAX_INTERVAL_HOURS = 8760; // one year
export const MAX_SCOPE_LENGTH = 200;
const MAX_SCOPES = 50;

/** Standard OpenID Connect / OAuth scopes: they ask for data, never for a community group. */
const OIDC_SCOPES = new Set(["openid", "email", "profile", "address", "phone", "offline_access"]);

/** A scope that names a community group (military, student, …): no path, no URN, not a standard OIDC scope. */
export function isGroupScope(scope: string): boolean {
  return !OIDC_SCOPES.has(scope) && !scope.includes("/") && !scope.includes(":");
}

export function defaultScopes(policy: Policy): string[] {
  return idmeDefaultScopes(policy);
}

/** The community group a set of scopes asks for: the first scope that names a group. */
export function groupFromScopes(scopes: readonly string[]): string | null {
  return scopes.find(isGroupScope) ?? null;
}

// RFC 6749 §3.3 scope-token (visible ASCII except space, `"` and `\`), and no `'` either.
const SCOPE_TOKEN = /^[\x21\x23-\x26\x28-\x5B\x5D-\x7E]+$/;

/** Why a scope cannot be sent to ID.me, or null when it can. */
export function scopeProblem(scope: string): string | null {
  if (scope.length > MAX_SCOPE_LENGTH) return `“${scope.slice(0, 40)}…” is longer than ${MAX_SCOPE_LENGTH} characters.`;
  if (/\s/.test(scope)) return `“${scope}” contains a space: put one scope per line.`;
  if (!SCOPE_TOKEN.test(scope)) return `“${scope}” contains a character a scope cannot have (quotes, backslashes or non-ASCII).`;
  return null;
}

// ---------------------------------------------------------------------------
// What the effective requirements must satisfy, whoever checks them.

export interface Requirements {
  policy: Policy;
  scopes: readonly string[];
  /** null: the first group scope. */
  requiredGroup: string | null;
}

export interface RequirementProblem {
  field: "scopes" | "requiredGroup";
  message: string;
}

export const IDENTITY_RULE =
  "Identity verification needs the IAL2 scope (http://idmanagement.gov/ns/assurance/ial/2/aal/2): only with it does ID.me prove who the person is and report the identity group the portal checks. openid alone signs the person in without verifying them, so every login would fail.";
export const COMMUNITY_RULE =
  "Community verification needs a group scope such as military, student or teacher: ID.me only verifies the groups it is asked for, so every login would fail.";

/**
 * Identity needs the IAL2 scope; community needs a group scope, and the
 * required group (when named) must be one of the requested groups. Either
 * mistake would make every login fail at ID.me or at the portal's check.
 */
export function requirementProblems(r: Requirements): RequirementProblem[] {
  if (r.policy === "identity") {
    return r.scopes.includes(IDENTITY_SCOPE) ? [] : [{ field: "scopes", message: IDENTITY_RULE }];
  }
  const groups = r.scopes.filter(isGroupScope);
  if (!groups.length) return [{ field: "scopes", message: COMMUNITY_RULE }];
  if (r.requiredGroup && !groups.includes(r.requiredGroup)) {
    return [
      {
        field: "requiredGroup",
        message: `“${r.requiredGroup}” is not among the requested scopes, so ID.me would never report it: add it to the scopes or choose ${groups.map((g) => `“${g}”`).join(" or ")}.`,
      },
    ];
  }
  return [];
}

// ---------------------------------------------------------------------------
// The settings and application rows as they decide one login.

export interface GlobalRequirements {
  verificationType: Policy;
  scopes: readonly string[];
  requiredGroup: string | null;
  reverifyIntervalHours: number;
}

export interface ApplicationRequirements {
  name: string;
  required: boolean;
  /** null: the global provider */
  provider?: string | null;
  policy: Policy | null;
  requiredGroup: string | null;
  scopes: readonly string[];
  reverifyIntervalHours: number | null;
}

export interface ResolvedRequirements {
  policy: Policy;
  scopes: string[];
  requiredGroup: string | null;
  intervalHours: number;
  required: boolean;
  applicationName: string | null;
}

/** The global settings overlaid with one application's overrides (none for an unregistered client id). */
export function resolveRequirements(g: GlobalRequirements, app: ApplicationRequirements | null): ResolvedRequirements {
  const policy = app?.policy ?? g.verificationType;
  const scopes = [...(app?.scopes.length ? app.scopes : g.scopes.length ? g.scopes : defaultScopes(policy))];
  const requiredGroup = policy === "community" ? (app?.requiredGroup ?? g.requiredGroup ?? groupFromScopes(scopes)) : null;
  return {
    policy,
    scopes,
    requiredGroup,
    intervalHours: app?.reverifyIntervalHours ?? g.reverifyIntervalHours,
    required: app?.required ?? false,
    applicationName: app?.name ?? null,
  };
}

// ---------------------------------------------------------------------------
// FormData-shaped input

/** A form's FormData as a plain object (repeated names become arrays), as lib/staff/guard's formObject makes it. */
export function formValues(form: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of form.entries()) {
    if (typeof v !== "string" || k.startsWith("$ACTION")) continue;
    out[k] = k in out ? ([] as unknown[]).concat(out[k], v) : v;
  }
  return out;
}

/** Field errors keyed by field name, as the server action reports them. */
export function fieldErrorsOf(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) (out[issue.path.join(".") || "_"] ??= []).push(issue.message);
  return out;
}

/** One value of a single-valued field: the last one when repeated, trimmed. */
function text(v: unknown): string {
  if (Array.isArray(v)) return text(v[v.length - 1]);
  if (typeof v === "string") return v.trim();
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return "";
}

/** Every scope given in a field: repeated values and/or lines of a textarea. */
function scopeEntries(v: unknown): string[] {
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  return list
    .flatMap((item) => (typeof item === "string" ? item.split(/\r\n|\r|\n/) : [String(item)]))
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Merges the checkbox (`scopes`) and free-text (`scopesOther`) fields into one list. */
function withScopeList(raw: unknown): unknown {
  if (!raw || typeof raw !== "object") return raw;
  const { scopesOther, ...rest } = raw as Record<string, unknown>;
  return { ...rest, scopes: [...scopeEntries(rest.scopes), ...scopeEntries(scopesOther)] };
}

const field = <T extends z.ZodType>(schema: T) => z.preprocess(text, schema);

const TRUTHY = ["on", "true", "1", "yes"];
const checkbox = z
  .preprocess((v) => text(v).toLowerCase(), z.enum([...TRUTHY, "", "off", "false", "0", "no"], { error: "Must be ticked or not." }))
  .transform((v) => TRUTHY.includes(v));

/** A scope list: each one a plausible scope token, duplicates dropped, order kept. */
const scopeList = (min: 0 | 1) =>
  z.array(z.string()).transform((list, ctx) => {
    const bad = list.map(scopeProblem).filter((p): p is string => p !== null);
    for (const message of bad) ctx.addIssue({ code: "custom", message });
    const unique = [...new Set(list)];
    if (unique.length > MAX_SCOPES) ctx.addIssue({ code: "custom", message: `At most ${MAX_SCOPES} scopes.` });
    if (min && !unique.length) ctx.addIssue({ code: "custom", message: "Choose at least one scope." });
    return unique;
  });

/** Hours as a whole number 0–8760; empty is `empty` (an error message, or null for "inherit"). */
const hours = (whenEmpty: { error: string } | null) =>
  field(
    z.string().transform((v, ctx) => {
      if (v === "") {
        if (whenEmpty) ctx.addIssue({ code: "custom", message: whenEmpty.error });
        return null;
      }
      if (!/^\d{1,7}$/.test(v)) {
        ctx.addIssue({ code: "custom", message: "Enter a whole number of hours (0 or more)." });
        return null;
      }
      const n = Number(v);
      if (n > MAX_INTERVAL_HOURS) ctx.addIssue({ code: "custom", message: `At most ${MAX_INTERVAL_HOURS} hours (one year).` });
      return n;
    }),
  );

/** A community group name (empty = automatic / inherit). */
const groupName = field(
  z.string().transform((v, ctx) => {
    if (!v) return null;
    const problem = scopeProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
    else if (!isGroupScope(v))
      ctx.addIssue({ code: "custom", message: `“${v}” is not a community group (groups look like military or student).` });
    return v;
  }),
);

function isHttpUrl(v: string): boolean {
  if (!URL.canParse(v)) return false;
  const u = new URL(v);
  return /^https?:$/.test(u.protocol) && !u.username && !u.password && !u.search && !u.hash;
}

/** Runs a cross-field check only when the fields it reads parsed (their own errors are shown already). */
function whenValid(...keys: string[]) {
  return {
    when: (payload: z.core.ParsePayload) =>
      !payload.issues.some((issue) => keys.includes(String(issue.path?.[0]))) &&
      typeof payload.value === "object" &&
      payload.value !== null,
  };
}

/** A provider id from a form ("" = keep / inherit → null); the server checks it is a registered provider. */
const providerField = (error: string) =>
  field(
    z
      .string()
      .refine((v) => v === "" || v === "inherit" || isKnownProvider(v), error)
      .transform((v) => (v === "" || v === "inherit" ? null : v)),
  );

/** The scope rules above are ID.me's (its IAL2 scope, its group scopes). */
const idmeRules = (provider: string | null) => provider === null || provider === "idme";

// ---------------------------------------------------------------------------
// A provider's connection: the fields every provider_setting form has

export const PROVIDER_SECRET_REQUIRED = "Enter the client secret: none is stored yet.";

const clientIdField = (whenEmpty: string) =>
  field(z.string().min(1, whenEmpty).max(200, "At most 200 characters.").regex(/^\S*$/, "A client id has no spaces."));

/** Write-only: empty keeps the stored secret (null); required when none is stored (see `withStoredSecret`). */
const clientSecretField = field(
  z
    .string()
    .max(500, "At most 500 characters.")
    .regex(/^\S*$/, "A client secret has no spaces.")
    .transform((v) => (v ? v : null)),
);

/** An optional http(s) base URL (empty: the provider's default, null), trailing slashes dropped; `problem` adds a provider's own rule. */
const baseUrlField = (example: string, problem: (url: URL) => string | null = () => null) =>
  field(
    z.string().transform((v, ctx) => {
      if (!v) return null;
      const message =
        v.length > 500
          ? "At most 500 characters."
          : !isHttpUrl(v)
            ? `Enter an http(s) URL without query or credentials, e.g. ${example}, or leave it empty for the default.`
            : problem(new URL(v));
      if (message) ctx.addIssue({ code: "custom", message });
      return v.replace(/\/+$/, "");
    }),
  );

/** A connection schema knowing whether a secret is stored: without one, the secret is required. */
function withStoredSecret<T extends z.ZodType<{ clientSecret: string | null }>>(schema: T, secretStored: boolean) {
  return schema.superRefine((c, ctx) => {
    if (!secretStored && !c.clientSecret) ctx.addIssue({ code: "custom", path: ["clientSecret"], message: PROVIDER_SECRET_REQUIRED });
  }, whenValid("clientSecret"));
}

// ---------------------------------------------------------------------------
// Global settings: requirements only (each provider's connection is its own form)

export const settingsSchema = z.preprocess(
  withScopeList,
  z
    .object({
      /** The global provider; empty keeps the current one. */
      provider: providerField("Choose the provider every application uses unless it names its own."),
      verificationType: field(z.enum(["identity", "community"], { error: "Choose identity or community verification." })),
      scopes: scopeList(1),
      requiredGroup: groupName,
      reverifyIntervalHours: hours({ error: "Enter a number of hours (0 = verify at every login)." }),
      returnMethod: field(z.enum(["post", "get"], { error: "Choose POST or GET." })),
    })
    .superRefine(
      (s, ctx) => {
        if (s.verificationType !== "community" || !idmeRules(s.provider)) return; // the group is ignored for identity
        for (const p of requirementProblems({ policy: "community", scopes: s.scopes, requiredGroup: s.requiredGroup })) {
          ctx.addIssue({ code: "custom", path: [p.field], message: p.message });
        }
      },
      whenValid("verificationType", "scopes", "requiredGroup"),
    )
    .superRefine(
      (s, ctx) => {
        if (s.verificationType !== "identity" || !idmeRules(s.provider)) return;
        for (const p of requirementProblems({ policy: "identity", scopes: s.scopes, requiredGroup: null })) {
          ctx.addIssue({ code: "custom", path: [p.field], message: p.message });
        }
      },
      whenValid("verificationType", "scopes"),
    )
    .transform(({ provider, ...s }) => ({
      ...s,
      // Only when chosen: an absent field keeps the global provider.
      ...(provider ? { provider } : {}),
      requiredGroup: s.verificationType === "community" ? s.requiredGroup : null,
      reverifyIntervalHours: s.reverifyIntervalHours as number,
    })),
);

export type SettingsInput = z.output<typeof settingsSchema>;

// ---------------------------------------------------------------------------
// One application (Auth0 client id)

export const applicationSchema = z.preprocess(
  withScopeList,
  z
    .object({
      /** "create" refuses an existing client id; "update" refuses a missing one. */
      intent: z.preprocess((v) => text(v) || "create", z.enum(["create", "update"], { error: "Unknown form." })),
      clientId: field(
        z
          .string()
          .min(1, "Enter the application's Auth0 client id (Applications → your app → Settings → Client ID).")
          .max(128, "At most 128 characters.")
          .regex(/^\S*$/, "A client id has no spaces.")
          .regex(/^[\s\x21-\x7E]*$/, "A client id has only visible ASCII characters."),
      ),
      name: field(z.string().min(1, "Enter a name staff will recognise.").max(100, "At most 100 characters.")),
      required: checkbox,
      provider: providerField("Choose the global provider or one of the providers listed."),
      policy: z
        .preprocess(
          (v) => text(v) || "inherit",
          z.enum(["inherit", "identity", "community"], { error: "Choose the global policy, identity or community." }),
        )
        .transform((v) => (v === "inherit" ? null : v)),
      requiredGroup: groupName,
      scopes: scopeList(0),
      reverifyIntervalHours: hours(null),
    })
    .superRefine(
      (a, ctx) => {
        if (a.provider === "idpartner" && a.policy === "community") {
          ctx.addIssue({
            code: "custom",
            path: ["policy"],
            message: "IDPartner verifies identity through the person's bank; community groups need ID.me.",
          });
          return;
        }
        if (a.policy === "identity" && a.requiredGroup) {
          ctx.addIssue({
            code: "custom",
            path: ["requiredGroup"],
            message: "A required group applies to community verification only: leave it empty or choose community.",
          });
          return;
        }
        // With its own scopes and policy the application can be checked alone; the
        // server checks what it inherits against the global settings.
        if (!a.policy || !a.scopes.length) return;
        for (const p of requirementProblems({ policy: a.policy, scopes: a.scopes, requiredGroup: a.requiredGroup })) {
          ctx.addIssue({ code: "custom", path: [p.field], message: p.message });
        }
      },
      whenValid("policy", "scopes", "requiredGroup"),
    ),
);

export type ApplicationInput = z.output<typeof applicationSchema>;

export const deleteApplicationSchema = z.object({
  clientId: field(z.string().min(1, "Which application?").max(128)),
});

// ---------------------------------------------------------------------------
// ID.me's connection (its provider_setting row)

export const idmeConnectionSchema = z.object({
  environment: field(z.enum(["sandbox", "production"], { error: "Choose sandbox or production." })),
  /** Empty: the environment's URL (null). */
  baseUrl: baseUrlField("https://api.idmelabs.com"),
  clientId: clientIdField("Enter the client id from the ID.me developer portal."),
  clientSecret: clientSecretField,
});

export type IdmeConnectionInput = z.output<typeof idmeConnectionSchema>;

export function idmeConnectionSchemaFor(secretStored: boolean) {
  return withStoredSecret(idmeConnectionSchema, secretStored);
}

// ---------------------------------------------------------------------------
// IDPartner's connection (its provider_setting row)

/** IDPartner's proxy paths for an Auth0 social connection (seed 003): never the portal's base URL. */
export const IDPARTNER_PROXY_PATHS = ["/oidc-proxy/proxy/auth0/auth", "/oidc-proxy/proxy/auth0/token"] as const;

export const providerConnectionSchema = z.object({
  clientId: clientIdField("Enter the client id IDPartner gave you."),
  clientSecret: clientSecretField,
  /** Empty: IDPartner's default (null). */
  baseUrl: baseUrlField("https://auth-api.idpartner.com", (url) =>
    /\/oidc-proxy(\/|$)/i.test(url.pathname)
      ? `Enter the account selector's base URL only: ${IDPARTNER_PROXY_PATHS.join(" and ")} are the Auth0 social connection's, not the portal's.`
      : null,
  ),
});

export type ProviderConnectionInput = z.output<typeof providerConnectionSchema>;

export function providerConnectionSchemaFor(secretStored: boolean) {
  return withStoredSecret(providerConnectionSchema, secretStored);
}
