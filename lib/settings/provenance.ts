import { env, type Env } from "../env";
import { getDb } from "../db/client";
import { groupFromScopes, defaultScopes } from "./schema";
import { openProviderSecret } from "./secrets";
import { globalSettings, providerSettingRow } from ".";

/**
 * Where each stored provider setting came from, for the admin settings page:
 * the value in force (the database's), whether it was copied from the
 * environment at start or last changed by an admin (who and when, from the
 * audit log), and whether the environment now says something else — which
 * would otherwise be silently ignored, since the environment only gives the
 * first values.
 */

export type SettingSource = { kind: "environment"; at: Date | null } | { kind: "admin"; at: Date; by: string } | { kind: "unknown" };

export interface SettingProvenance {
  field: string;
  label: string;
  /** The environment variable that gives its first value. */
  envName: string;
  secret: boolean;
  /** The value in force, for display ("set" for a secret). */
  inForce: string;
  source: SettingSource;
  /** The environment gives this setting (not only a default). */
  envGiven: boolean;
  /** The environment gives this setting, and its value is not the one in force. */
  envDiffers: boolean;
  /** The environment's value for display (null for a secret or when the environment does not give it). */
  envValue: string | null;
}

export interface ProviderProvenance {
  provider: "idme" | "idpartner";
  rows: SettingProvenance[];
}

type Value = string | number | string[] | null;

interface Spec {
  field: string;
  label: string;
  envName: string;
  stored: Value;
  /** What the environment says, or undefined when it does not give the setting. */
  fromEnv: Value | undefined;
  secret?: { stored: () => string };
}

const show = (v: Value): string => (v === null || v === "" ? "(empty)" : Array.isArray(v) ? v.join(" ") : String(v));
const same = (a: Value, b: Value) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function given(e: Env, name: string): boolean {
  return e.provided.has(name);
}

/** The newest audit entry that changed each field of a settings target ("settings" or "provider:<id>"). */
async function lastEdits(
  target: string,
): Promise<{ byField: Map<string, { at: Date; by: string }>; first: { at: Date; by: string } | null }> {
  const db = await getDb();
  const events = await db.auditEvent.findMany({
    where: { action: "settings.update", target },
    orderBy: { id: "desc" },
    take: 500,
    select: { at: true, actorEmail: true, actorId: true, details: true },
  });
  const byField = new Map<string, { at: Date; by: string }>();
  for (const e of events) {
    const who = { at: e.at, by: e.actorEmail ?? e.actorId };
    for (const field of Object.keys((e.details ?? {}) as Record<string, unknown>)) if (!byField.has(field)) byField.set(field, who);
  }
  const oldest = events.at(-1);
  return { byField, first: oldest ? { at: oldest.at, by: oldest.actorEmail ?? oldest.actorId } : null };
}

function build(specs: Spec[], edits: Awaited<ReturnType<typeof lastEdits>>, fallback: SettingSource, e: Env): SettingProvenance[] {
  return specs.map((s) => {
    const edit = edits.byField.get(s.field);
    const source: SettingSource = edit ? { kind: "admin", ...edit } : fallback;
    let envDiffers = false;
    const envGiven = s.fromEnv !== undefined && given(e, s.envName);
    if (envGiven) {
      if (s.secret) {
        try {
          envDiffers = s.secret.stored() !== s.fromEnv;
        } catch {
          envDiffers = true; // the stored secret cannot be opened: certainly not what the environment says
        }
      } else envDiffers = !same(s.stored, s.fromEnv ?? null);
    }
    return {
      field: s.field,
      label: s.label,
      envName: s.envName,
      secret: Boolean(s.secret),
      inForce: s.secret ? "set" : show(s.stored),
      source,
      envGiven,
      envDiffers,
      envValue: s.secret || !envGiven ? null : show(s.fromEnv ?? null),
    };
  });
}

/** ID.me's settings row, field by field. */
export async function idmeProvenance(e: Env = env()): Promise<ProviderProvenance> {
  const s = await globalSettings();
  // ID.me's connection is its provider_setting row (edited with the global settings, audited as "settings").
  const row = await providerSettingRow("idme");
  const environment = (row?.config as { environment?: string } | null)?.environment ?? null;
  const scopes = e.IDME_SCOPES.length ? e.IDME_SCOPES : defaultScopes(e.IDV_POLICY);
  const specs: Spec[] = [
    { field: "environment", label: "Environment", envName: "IDME_ENVIRONMENT", stored: environment, fromEnv: e.IDME_ENVIRONMENT },
    { field: "baseUrl", label: "Base URL", envName: "IDME_BASE_URL", stored: row?.baseUrl ?? null, fromEnv: e.IDME_BASE_URL ?? null },
    { field: "clientId", label: "Client ID", envName: "IDME_CLIENT_ID", stored: row?.clientId ?? null, fromEnv: e.IDME_CLIENT_ID },
    {
      field: "clientSecret",
      label: "Client secret",
      envName: "IDME_CLIENT_SECRET",
      stored: null,
      fromEnv: e.IDME_CLIENT_SECRET,
      secret: { stored: () => (row?.clientSecretEnc ? openProviderSecret("idme", row.clientSecretEnc, row.clientSecretAad) : "") },
    },
    { field: "verificationType", label: "Policy", envName: "IDV_POLICY", stored: s.verificationType, fromEnv: e.IDV_POLICY },
    { field: "scopes", label: "Scopes", envName: "IDME_SCOPES", stored: s.scopes, fromEnv: scopes },
    {
      field: "requiredGroup",
      label: "Required group",
      envName: "IDV_REQUIRED_GROUP",
      stored: s.requiredGroup,
      fromEnv: e.IDV_REQUIRED_GROUP ?? (e.IDV_POLICY === "community" ? groupFromScopes(scopes) : null),
    },
    {
      field: "reverifyIntervalHours",
      label: "Re-verification interval (hours)",
      envName: "IDV_REVERIFY_INTERVAL_HOURS",
      stored: s.reverifyIntervalHours,
      fromEnv: e.IDV_REVERIFY_INTERVAL_HOURS,
    },
    { field: "returnMethod", label: "Return method", envName: "IDV_RETURN_METHOD", stored: s.returnMethod, fromEnv: e.IDV_RETURN_METHOD },
  ];
  // The settings row always starts as the environment's copy (before seeded_at existed, on first use).
  return { provider: "idme", rows: build(specs, await lastEdits("settings"), { kind: "environment", at: s.seededAt }, e) };
}

/** IDPartner's provider_setting row, field by field; null when there is none. */
export async function idpartnerProvenance(e: Env = env()): Promise<ProviderProvenance | null> {
  const row = await providerSettingRow("idpartner");
  if (!row) return null;
  const edits = await lastEdits("provider:idpartner");
  // Copied from the environment at start, else entered by an admin (the oldest audit entry of the row).
  const fallback: SettingSource = row.seededAt
    ? { kind: "environment", at: row.seededAt }
    : edits.first
      ? { kind: "admin", ...edits.first }
      : { kind: "unknown" };
  const specs: Spec[] = [
    { field: "baseUrl", label: "Base URL", envName: "IDPARTNER_BASE_URL", stored: row.baseUrl, fromEnv: e.IDPARTNER_BASE_URL ?? null },
    { field: "clientId", label: "Client ID", envName: "IDPARTNER_CLIENT_ID", stored: row.clientId, fromEnv: e.IDPARTNER_CLIENT_ID ?? null },
    {
      field: "clientSecret",
      label: "Client secret",
      envName: "IDPARTNER_CLIENT_SECRET",
      stored: null,
      fromEnv: e.IDPARTNER_CLIENT_SECRET ?? null,
      secret: { stored: () => (row.clientSecretEnc ? openProviderSecret("idpartner", row.clientSecretEnc, row.clientSecretAad) : "") },
    },
  ];
  return { provider: "idpartner", rows: build(specs, edits, fallback, e) };
}
