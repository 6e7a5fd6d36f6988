import { getDb } from "../db/client";
import { decide, type Decision, type PersonRecord } from "../insight/person";
import { verifiedGroups } from "../records";
import { effectiveSettings, type EffectiveSettings } from "../settings";

/**
 * The one answer to "may this Auth0 user use this application now, without going to
 * the provider?": the application's effective settings (policy, group, provider,
 * interval, and whether the portal requires verification) applied to the person's
 * records by lib/insight's decide(), the rule the person page shows. The Auth0
 * Action asks it through GET /api/verification/status on every login where it holds a
 * stored check; the admin person page shows the same decision per application.
 */

/** What the status endpoint answers (no personal data). */
export type AccessStatus = "valid" | "revoked" | "expired" | "not_verified" | "none";

export interface Access {
  status: AccessStatus;
  /** The portal requires verification for this application (its own IDV_REQUIRED). */
  required: boolean;
  /** The portal's id for the person, null when the portal has never seen this Auth0 user with a valid token. */
  personId: string | null;
  /** Time of the successful check the decision rests on (valid, or expired). */
  lastCheck: Date | null;
  /** Verified groups of the record that lets the person in (valid only). */
  groups: string[];
  decision: Decision;
  settings: Pick<EffectiveSettings, "provider" | "policy" | "requiredGroup" | "intervalHours" | "required">;
}

/**
 * The status word of a decision: valid when it passes; revoked when the record it
 * rests on was revoked; expired when a fitting check exists but is outside the
 * interval; none when the person has no record at all; not_verified otherwise.
 */
export function statusOf(decision: Decision, recordCount: number): AccessStatus {
  if (decision.passes) return "valid";
  if (decision.record?.status === "revoked") return "revoked";
  if (decision.record?.status === "verified") return "expired";
  return recordCount === 0 ? "none" : "not_verified";
}

/** A person's records as decide() reads them (no sealed fields). */
export async function personRecords(personId: string): Promise<PersonRecord[]> {
  const db = await getDb();
  const rows = await db.verificationRecord.findMany({
    where: { personId },
    select: {
      id: true,
      provider: true,
      status: true,
      policy: true,
      policyKey: true,
      groups: true,
      lastClientId: true,
      lastCheckedAt: true,
      expiresAt: true,
      updatedAt: true,
    },
    orderBy: [{ lastCheckedAt: "desc" }, { id: "desc" }],
  });
  return rows.map((r) => ({ ...r, groups: verifiedGroups(r) }));
}

/** May this Auth0 user use this application (its Auth0 client id; null: an unregistered one) now? */
export async function accessFor(auth0UserId: string, clientId: string | null | undefined, now: Date = new Date()): Promise<Access> {
  const db = await getDb();
  const s = await effectiveSettings(clientId ?? null);
  // An erased person (lib/records/erase.ts) is nobody's: their tombstone records let no one in.
  const person = await db.person.findFirst({ where: { auth0UserId, erasedAt: null }, select: { id: true } });
  const records = person ? await personRecords(person.id) : [];
  const decision = decide(records, s, now);
  const status = statusOf(decision, records.length);
  return {
    status,
    required: s.required,
    personId: person?.id ?? null,
    lastCheck: decision.record?.status === "verified" ? decision.record.lastCheckedAt : null,
    groups: decision.passes ? [...decision.record.groups] : [],
    decision,
    settings: {
      provider: s.provider,
      policy: s.policy,
      requiredGroup: s.requiredGroup,
      intervalHours: s.intervalHours,
      required: s.required,
    },
  };
}
