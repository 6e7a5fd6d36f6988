"use server";

import { redirect } from "next/navigation";
import type { DbClient } from "../db/client";
import type { Prisma } from "../db/generated/client";
import { changes } from "../audit";
import { ActionFailure, sameGuard, staffFormAction, type ActionContext, type FormState } from "../staff/guard";
import { globalSettings, jwksUrl, providerSettingRow, sealPrivateKey, sealProviderSecret } from ".";
import { oidcFormSchema } from "../providers/oidc/form";
import { generateClientKey } from "../providers/oidc/keys";
import { isProviderId, providerFor } from "../providers";
import {
  applicationSchema,
  deleteApplicationSchema,
  idmeConnectionSchema,
  PROVIDER_SECRET_REQUIRED,
  providerConnectionSchema,
  requirementProblems,
  resolveRequirements,
  settingsSchema,
  type ApplicationRequirements,
  type GlobalRequirements,
  type ResolvedRequirements,
} from "./schema";

/**
 * The admin's changes to the global settings and to per-application
 * requirements. Each action is admin-only (lib/staff/guard), validates with the
 * form's own schema, and writes what changed to the audit log (the client
 * secret only as "replaced") in the same transaction as the change: no audit
 * entry, no change. lib/settings reads the database at every login, so a saved
 * change applies to the next login without a restart.
 */

export interface SettingsSaved {
  /** The names of the fields that changed (clientSecret when it was replaced). */
  changed: string[];
  /** Registered applications whose effective requirements cannot succeed with the new settings. */
  warnings: string[];
}

export interface ProviderConnectionSaved {
  /** The names of the fields that changed (clientSecret when it was set or replaced). */
  changed: string[];
}

export interface ApplicationSaved {
  clientId: string;
  created: boolean;
  changed: string[];
  effective: ResolvedRequirements;
}

export interface ApplicationDeleted {
  clientId: string;
  name: string;
}

/** The global settings as the audit log shows them. */
function settingsView(s: GlobalRequirements & { provider: string; returnMethod: string }) {
  return {
    provider: s.provider,
    verificationType: s.verificationType,
    scopes: [...s.scopes],
    requiredGroup: s.requiredGroup,
    reverifyIntervalHours: s.reverifyIntervalHours,
    returnMethod: s.returnMethod,
  };
}

function applicationView(a: ApplicationRequirements) {
  return {
    name: a.name,
    required: a.required,
    provider: a.provider ?? null,
    policy: a.policy,
    requiredGroup: a.requiredGroup,
    scopes: [...a.scopes],
    reverifyIntervalHours: a.reverifyIntervalHours,
  };
}

/** The "before" of a created application and the "after" of a deleted one: every field empty. */
function none(view: Record<string, unknown>): Record<string, null> {
  return Object.fromEntries(Object.keys(view).map((k) => [k, null]));
}

/** Applications that would fail every login under these global settings. */
async function applicationWarnings(db: DbClient, g: GlobalRequirements): Promise<string[]> {
  const apps = await db.application.findMany({ orderBy: { name: "asc" } });
  return apps.flatMap((app) => requirementProblems(resolveRequirements(g, app)).map((p) => `${app.name} (${app.clientId}): ${p.message}`));
}

const IDME = "idme";

/** A form action whose typed secret never goes back to the browser, whatever the outcome. */
function secretKept<R>(action: (prev: FormState<R>, form: FormData) => Promise<FormState<R>>) {
  return sameGuard(async (prev: FormState<R>, form: FormData): Promise<FormState<R>> => {
    const state = await action(prev, form);
    if (state?.values) delete state.values.clientSecret;
    return state;
  }, action);
}

const saveSettingsAction = staffFormAction(
  "settings.save",
  "admin",
  settingsSchema,
  async (_staff, input, { tx, audit }): Promise<SettingsSaved> => {
    const before = await globalSettings(tx);
    const { provider: chosen, ...requirements } = input;
    const provider = chosen ?? before.provider;
    if (!isProviderId(provider))
      throw new ActionFailure("invalid", "Some fields need attention.", {
        provider: [`“${provider}” is not a provider the portal knows.`],
      });
    const diff = changes(settingsView(before), settingsView({ ...requirements, provider }));
    if (Object.keys(diff).length) {
      await tx.settings.update({ where: { id: 1 }, data: { ...requirements, provider } });
      await audit("settings.update", { target: "settings", details: diff });
    }
    const warnings = provider === IDME ? await applicationWarnings(tx, requirements) : [];
    return { changed: Object.keys(diff), warnings };
  },
);

/** Saves the global settings: the requirements every application inherits, and the global provider. */
export const saveSettings = secretKept(saveSettingsAction);

/**
 * Saves a provider's connection (its provider_setting row) and its audit entry, in the
 * caller's transaction. The client secret is write-only: an empty field keeps the stored
 * one (one is required when none is stored), and the audit log says only "set" or
 * "replaced". `config`: the provider's own settings the form edits (ID.me's environment),
 * laid over the stored ones.
 */
async function saveConnection(
  provider: string,
  input: { clientId: string; clientSecret: string | null; baseUrl: string | null; config?: Record<string, unknown> },
  { tx, audit }: ActionContext,
): Promise<ProviderConnectionSaved> {
  // A connection given in the environment is the row already (made at start), so an empty secret keeps it.
  const before = await providerSettingRow(provider, tx);
  const { clientSecret, config, ...fields } = input;
  if (!before && !clientSecret)
    throw new ActionFailure("invalid", "Some fields need attention.", { clientSecret: [PROVIDER_SECRET_REQUIRED] });
  const storedConfig = (before?.config ?? {}) as Record<string, unknown>;
  const configBefore = providerFor(provider).config?.parse(storedConfig) ?? storedConfig;
  const view = (row: { baseUrl: string | null; clientId: string } | null, c: Record<string, unknown>, secret: string | null) => ({
    baseUrl: row?.baseUrl ?? null,
    clientId: row?.clientId ?? null,
    ...Object.fromEntries(Object.keys(config ?? {}).map((k) => [k, c[k] ?? null])),
    clientSecret: secret,
  });
  // The secret only as "set" (a first one) or "replaced", never its value.
  const diff = changes(
    view(before, configBefore, before ? "set" : null),
    view(fields, config ?? {}, clientSecret && before ? "replaced" : "set"),
  );
  if (Object.keys(diff).length) {
    const data = {
      ...fields,
      ...(config ? { config: { ...storedConfig, ...config } as Prisma.InputJsonObject } : {}),
      ...(clientSecret ? { clientSecretEnc: sealProviderSecret(provider, clientSecret), clientSecretAad: null } : {}),
    };
    await tx.providerSetting.upsert({ where: { provider }, create: { provider, ...data }, update: data });
    await audit("settings.update", { target: `provider:${provider}`, details: diff });
  }
  return { changed: Object.keys(diff) };
}

const saveIdmeConnectionAction = staffFormAction(
  "provider.idme.save",
  "admin",
  idmeConnectionSchema,
  async (_staff, { environment, ...input }, ctx) => saveConnection(IDME, { ...input, config: { environment } }, ctx),
);

/** Saves ID.me's connection: environment, base URL override, client id and write-only secret. */
export const saveIdmeConnection = secretKept(saveIdmeConnectionAction);

const saveProviderConnectionAction = staffFormAction("provider.save", "admin", providerConnectionSchema, async (_staff, input, ctx) =>
  saveConnection("idpartner", input, ctx),
);

/** Saves IDPartner's connection (the provider_setting row): client id, write-only secret, base URL. */
export const saveProviderConnection = secretKept(saveProviderConnectionAction);

function inheritedNote(field: "scopes" | "requiredGroup", app: ApplicationRequirements, g: GlobalRequirements): string {
  if (field === "scopes" && !app.scopes.length)
    return ` This application uses the global scopes (${g.scopes.join(" ")}): give it its own scopes, or change its policy.`;
  if (field === "requiredGroup" && !app.requiredGroup)
    return ` This application uses the global required group “${g.requiredGroup}”: give it its own.`;
  return "";
}

export const saveApplication = staffFormAction(
  "application.save",
  "admin",
  applicationSchema,
  async (_staff, input, { tx, audit }): Promise<ApplicationSaved> => {
    const { intent, clientId, ...fields } = input;
    const g = await globalSettings(tx);
    const effective = resolveRequirements(g, fields);
    const provider = fields.provider ?? g.provider;
    if (!isProviderId(provider))
      throw new ActionFailure("invalid", "Some fields need attention.", {
        provider: [`“${provider}” is not a provider the portal knows.`],
      });
    const policies = providerFor(provider).policies;
    if (fields.policy && !policies.includes(fields.policy)) {
      throw new ActionFailure("invalid", "Some fields need attention.", {
        policy: [`${providerFor(provider).displayName} verifies ${policies.join(" and ")} only.`],
      });
    }
    // The ID.me scope rules only apply to applications verified by ID.me.
    const problems = provider !== IDME ? [] : requirementProblems(effective);
    if (problems.length) {
      const fieldErrors: Record<string, string[]> = {};
      for (const p of problems) (fieldErrors[p.field] ??= []).push(p.message + inheritedNote(p.field, fields, g));
      throw new ActionFailure("invalid", "With these settings every login to this application would fail.", fieldErrors);
    }

    const existing = await tx.application.findUnique({ where: { clientId } });
    if (intent === "create") {
      if (existing)
        throw new ActionFailure("conflict", "This client id is already registered.", {
          clientId: [`${existing.name} already uses this client id: edit it instead.`],
        });
      // ON CONFLICT DO NOTHING: a registration racing this one wins without an error here.
      const { count } = await tx.application.createMany({ data: [{ clientId, ...fields }], skipDuplicates: true });
      if (count !== 1) {
        throw new ActionFailure("conflict", "This client id is already registered.", {
          clientId: ["Someone registered this client id a moment ago: edit it instead."],
        });
      }
      const view = applicationView(fields);
      await audit("application.create", { target: clientId, details: changes(none(view), view) });
      return { clientId, created: true, changed: Object.keys(applicationView(fields)), effective };
    }

    if (!existing) throw new ActionFailure("not_found", "This application is not registered (any more): nothing was changed.");
    const diff = changes(applicationView(existing), applicationView(fields));
    if (Object.keys(diff).length) {
      await tx.application.update({ where: { clientId }, data: fields });
      await audit("application.update", { target: clientId, details: diff });
    }
    return { clientId, created: false, changed: Object.keys(diff), effective };
  },
);

const deleteApplicationAction = staffFormAction(
  "application.delete",
  "admin",
  deleteApplicationSchema,
  async (_staff, { clientId }, { tx, audit }): Promise<ApplicationDeleted> => {
    const existing = await tx.application.findUnique({ where: { clientId } });
    if (!existing) throw new ActionFailure("not_found", "This application is not registered (any more): nothing was deleted.");
    const { count } = await tx.application.deleteMany({ where: { clientId } });
    if (!count) throw new ActionFailure("not_found", "This application was deleted a moment ago.");
    const view = applicationView(existing);
    await audit("application.delete", { target: clientId, details: changes(view, none(view)) });
    return { clientId, name: existing.name };
  },
);

/**
 * Deletes an application, then goes to the list (its own page no longer
 * exists), which says what was deleted. A refusal or an error stays on the form.
 */
export const deleteApplication = sameGuard(
  async (prev: FormState<ApplicationDeleted>, form: FormData): Promise<FormState<ApplicationDeleted>> => {
    const state = await deleteApplicationAction(prev, form);
    if (state?.ok) redirect(`/admin/applications?deleted=${encodeURIComponent(state.data.clientId)}`);
    return state;
  },
  deleteApplicationAction,
);

// ---------------------------------------------------------------------------
// The configurable OpenID Connect provider (lib/providers/oidc)

export interface OidcProviderSaved {
  changed: string[];
  /** The JWKS URL to register at the provider when the portal signs its client assertions. */
  jwksUrl: string | null;
}

const OIDC = "oidc";

/** The row as the audit log shows it: settings by name, secrets and keys only as set / generated. */
function oidcView(
  row: { baseUrl: string | null; clientId: string; config: unknown; clientSecretEnc?: string | null; privateKeyEnc?: string | null } | null,
) {
  const c = (row?.config ?? {}) as Record<string, unknown>;
  return {
    issuer: row?.baseUrl ?? null,
    clientId: row?.clientId ?? null,
    displayName: (c.displayName as string | undefined) ?? null,
    auth: (c.auth as string | undefined) ?? null,
    scopes: (c.scopes as string[] | undefined) ?? null,
    acrValues: (c.acrValues as string | undefined) ?? null,
    claims: (c.claims as string | undefined) ?? null,
    verified: c.verified ? JSON.stringify(c.verified) : null,
    mapping: c.mapping ? JSON.stringify(c.mapping) : null,
    clientSecret: row?.clientSecretEnc ? "set" : null,
    signingKey: row?.privateKeyEnc ? "generated" : null,
  };
}

const saveOidcProviderAction = staffFormAction(
  "provider.oidc.save",
  "admin",
  oidcFormSchema,
  async (_staff, input, { tx, audit }): Promise<OidcProviderSaved> => {
    const before = await tx.providerSetting.findUnique({ where: { provider: OIDC } });
    const usesKey = input.config.auth === "private_key_jwt";
    if (!usesKey && !input.clientSecret && !before?.clientSecretEnc) {
      throw new ActionFailure("invalid", "Some fields need attention.", { clientSecret: [PROVIDER_SECRET_REQUIRED] });
    }
    // The portal makes its own key the first time private_key_jwt is chosen, and keeps it after.
    const privateKeyEnc = before?.privateKeyEnc ?? (usesKey ? sealPrivateKey(OIDC, await generateClientKey()) : null);
    const clientSecretEnc = input.clientSecret ? sealProviderSecret(OIDC, input.clientSecret) : (before?.clientSecretEnc ?? null);
    const data = {
      baseUrl: input.issuer,
      clientId: input.clientId,
      config: input.config,
      clientSecretEnc,
      clientSecretAad: input.clientSecret ? null : (before?.clientSecretAad ?? null),
      privateKeyEnc,
    };
    const diff = changes(oidcView(before), {
      ...oidcView({ ...data }),
      clientSecret: input.clientSecret ? (before?.clientSecretEnc ? "replaced" : "set") : clientSecretEnc ? "set" : null,
    });
    if (Object.keys(diff).length) {
      await tx.providerSetting.upsert({ where: { provider: OIDC }, create: { provider: OIDC, ...data }, update: data });
      await audit("settings.update", { target: `provider:${OIDC}`, details: diff });
    }
    return { changed: Object.keys(diff), jwksUrl: usesKey ? jwksUrl() : null };
  },
);

/** Saves the OpenID Connect provider's set-up. The secret is write-only, as for the other providers. */
export const saveOidcProvider = secretKept(saveOidcProviderAction);
