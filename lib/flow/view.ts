import { getDb } from "../db/client";
import { isProviderId, providerFor } from "../providers";
import { currentConnection, currentSettings } from "../settings";
import type { Attempt } from "./attempts";
import { NO_BRANDING, brandingFor } from "./branding";
import { MESSAGES } from "./locale";

/** What the person's pages say about an attempt. No personal data here. */

/** What the person is asked to do, in the words of the attempt's provider. */
export function purpose(attempt: Pick<Attempt, "policy" | "requiredGroup"> & { provider?: string }): string {
  const provider = attempt.provider && isProviderId(attempt.provider) ? providerFor(attempt.provider) : providerFor("idme");
  return provider.purpose(attempt.policy, attempt.requiredGroup);
}

/** The application's name from its requirements row, or null when the portal does not know it. */
export async function applicationName(attempt: Pick<Attempt, "auth0ClientId">): Promise<string | null> {
  if (!attempt.auth0ClientId) return null;
  // From this instance's settings cache (lib/settings/cache.ts); the table when those cannot be made.
  const s = await currentSettings(attempt.auth0ClientId).catch(() => null);
  if (s) return s.applicationName;
  const db = await getDb();
  const app = await db.application.findUnique({ where: { clientId: attempt.auth0ClientId } });
  return app?.name ?? null;
}

/** The provider's name as the person knows it, from its settings when it takes one (the OpenID Connect provider). */
export async function providerNameFor(provider: string): Promise<string> {
  if (!isProviderId(provider)) return provider;
  const p = providerFor(provider);
  if (!p.nameIn) return p.displayName;
  const conn = await currentConnection(provider).catch(() => null);
  return (conn && p.nameIn(conn.config)) || p.displayName;
}

/** The application a page is about: its name, whether it requires verification, its branding. */
export async function applicationView(attempt: Pick<Attempt, "auth0ClientId" | "appLabel">) {
  const [name, settings, branding] = await Promise.all([
    applicationName(attempt),
    attempt.auth0ClientId ? currentSettings(attempt.auth0ClientId).catch(() => null) : null,
    brandingFor(attempt.auth0ClientId).catch(() => NO_BRANDING),
  ]);
  return { name: name ?? attempt.appLabel ?? null, required: settings?.required ?? false, branding };
}

/** Which text of the catalogue's `failure` section tells the person what happened and what to do. */
export type FailureKey = keyof (typeof MESSAGES)["en"]["failure"];

export type Tone = "ok" | "warn" | "error";

const SETUP = new Set([
  "provider_invalid_scope",
  "provider_invalid_client",
  "provider_invalid_request",
  "provider_invalid_redirect_uri",
  "provider_unsupported_response_type",
  "configuration_error",
  "token_exchange_rejected",
  "id_token_invalid",
  "userinfo_signature_invalid",
]);

/** The cause of an ended attempt, in the person's words (a key of the catalogue), and the page's tone. */
export function failureView(
  attempt: Pick<Attempt, "status" | "failureCode">,
  opts: { required: boolean; expired: boolean },
): { key: FailureKey; tone: Tone } {
  const code = attempt.failureCode ?? "";
  if (code === "attempt_abandoned") return { key: "abandoned", tone: "warn" };
  if (opts.expired) return { key: "expired", tone: "warn" };
  if (attempt.status === "declined") {
    if (!opts.required) return { key: "declined_optional", tone: "warn" };
    return { key: code === "declined_at_portal" ? "declined_portal" : "declined_provider", tone: "warn" };
  }
  if (attempt.status === "failed") {
    if (code === "group_not_verified") return { key: "group_not_verified", tone: "error" };
    if (code === "uuid_linked_to_other_user") return { key: "linked", tone: "error" };
    return { key: "identity_not_verified", tone: "error" };
  }
  return { key: errorKey(code), tone: "error" };
}

function errorKey(code: string): FailureKey {
  if (code === "provider_timeout" || code === "userinfo_timeout" || code === "provider_unreachable") return "timeout";
  if (code === "token_reused") return "token_reused";
  if (code === "token_ip_mismatch") return "token_ip";
  if (code === "state_missing" || (code.startsWith("token_") && !code.startsWith("token_exchange"))) return "token";
  if (code === "session_missing" || code === "state_mismatch" || code === "browser_mismatch") return "session";
  if (SETUP.has(code)) return "setup";
  if (code === "database_error" || code === "internal_error") return "ours";
  if (code.startsWith("provider_") || code.startsWith("userinfo") || code.startsWith("token_exchange") || code === "subject_mismatch")
    return "provider_problem";
  return "other";
}

type Messages = (typeof MESSAGES)["en"];
type Translate = (key: string, values?: Record<string, string | number>) => string;

const known = <T extends object>(o: T, k: string | null): k is Extract<keyof T, string> => k !== null && Object.hasOwn(o, k);

/** What the person is asked to do, in their language (the provider's `purpose`, from the catalogue). */
export function purposeText(t: Translate, attempt: Pick<Attempt, "policy" | "requiredGroup" | "provider">): string {
  if (attempt.provider === "idpartner") return t("purpose.bank");
  if (attempt.policy === "identity") return t("purpose.identity");
  const g = attempt.requiredGroup;
  if (!g) return t("purpose.communityNone");
  const groups: Messages["groups"] = MESSAGES.en.groups;
  return known(groups, g) ? t("purpose.community", { group: t(`groups.${g}`) }) : t("purpose.communityOther", { group: g });
}

/** The community group's status as the person reads it ("military"), in their language. */
export function groupStatus(t: Translate, group: string | null): string {
  const all: Messages["groupStatus"] = MESSAGES.en.groupStatus;
  return known(all, group) ? t(`groupStatus.${group}`) : t("groupStatus.other");
}

export interface AskedAgain {
  reason: "revoked" | "expired" | "interval" | "always" | "notVerified";
  at: Date;
  hours: number;
}

/**
 * Why a person who verified before is asked again: their latest record for what this
 * application asks (same provider and policy) was revoked, has expired, is older than
 * the application's interval, or did not confirm. Null for a first verification.
 */
export async function askedAgain(
  attempt: Pick<Attempt, "personId" | "provider" | "policy" | "requiredGroup" | "auth0ClientId">,
  now: Date = new Date(),
): Promise<AskedAgain | null> {
  if (!attempt.personId) return null;
  const db = await getDb();
  const policyKey = attempt.policy === "identity" ? "identity" : `community:${attempt.requiredGroup || "unknown"}`;
  const last = await db.verificationRecord.findFirst({
    where: { personId: attempt.personId, provider: attempt.provider, policyKey },
    orderBy: { lastCheckedAt: "desc" },
    select: { status: true, lastCheckedAt: true, expiresAt: true, updatedAt: true },
  });
  if (!last) return null;
  const s = await currentSettings(attempt.auth0ClientId).catch(() => null);
  const hours = s?.intervalHours ?? 0;
  if (last.status === "revoked") return { reason: "revoked", at: last.updatedAt, hours };
  if (last.status === "not_verified") return { reason: "notVerified", at: last.lastCheckedAt, hours };
  if (last.expiresAt <= now) return { reason: "expired", at: last.lastCheckedAt, hours };
  return { reason: hours > 0 ? "interval" : "always", at: last.lastCheckedAt, hours };
}
