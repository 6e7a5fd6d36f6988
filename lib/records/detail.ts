import { getDb, type DbClient } from "../db/client";
import type { Policy, RecordStatus } from "../db/generated/client";
import type { NormalizedAttributes } from "../providers/vocabulary";
import { attemptSelect, toSummary, type AttemptSummary } from "./attempts";
import { openPersonalData, verifiedGroups } from "./index";

/**
 * One record for the record page: its facts, its other policies, its link,
 * its attempts and their timelines — no personal data — and, separately, its
 * sealed data opened for the callers that may show it (masked by role:
 * lib/records/mask.ts; in full only through the audited reveal).
 */

export interface RecordDetail {
  id: string;
  provider: string;
  providerUuid: string;
  personId: string;
  auth0UserId: string;
  status: RecordStatus;
  policy: Policy;
  /** `identity` or `community:<group>`: the policy this record's facts are for. */
  policyKey: string;
  /** The same provider identity's records of other policies. */
  otherPolicies: { id: string; policyKey: string; status: RecordStatus; lastCheckedAt: Date }[];
  /** When the provider identity was first linked to this person. */
  linkedSince: Date | null;
  /** Attempts of other Auth0 users refused because this identity is linked here (see the linked identity page). */
  refusedClaims: number;
  /** Every group entry as the provider reported it. */
  groupEntries: { group: string; subgroups: string[]; verified: boolean }[];
  groups: string[];
  lastClientId: string | null;
  lastCheckedAt: Date;
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
  hasIdTokenClaims: boolean;
  /** Attempts that produced or refreshed this record, newest first, with their timelines. */
  attempts: AttemptSummary[];
  /** Other attempts of the same Auth0 user that are tied to no record (e.g. failed before the provider answered), newest first. */
  otherAttempts: AttemptSummary[];
}

const ATTEMPTS_PER_RECORD = 100;

/** The failure code of a provider identity already linked to another Auth0 user (lib/flow/states). */
export const LINKED_ELSEWHERE = "uuid_linked_to_other_user";

export async function getRecordDetail(id: string): Promise<RecordDetail | null> {
  if (!id || id.length > 200) return null;
  const db = await getDb();
  const record = await db.verificationRecord.findUnique({
    where: { id },
    omit: { attributesEnc: true, rawUserinfoEnc: true },
  });
  if (!record) return null;
  // The record's own attempts (attempt_record_id_idx; after a support move they may
  // carry the previous Auth0 user), and this Auth0 user's attempts tied to no record.
  const identity = { provider: record.provider, providerUuid: record.providerUuid };
  const [attempts, siblings, link, refusedClaims] = await Promise.all([
    db.attempt.findMany({
      where: { OR: [{ recordId: id }, { auth0UserId: record.auth0UserId, recordId: null }] },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: ATTEMPTS_PER_RECORD * 2,
      select: attemptSelect,
    }),
    db.verificationRecord.findMany({
      where: { ...identity, id: { not: id } },
      select: { id: true, policyKey: true, status: true, lastCheckedAt: true },
      orderBy: { policyKey: "asc" },
    }),
    db.providerIdentity.findUnique({ where: { provider_providerUuid: identity }, select: { createdAt: true } }),
    db.attempt.count({ where: { ...identity, failureCode: LINKED_ELSEWHERE } }),
  ]);
  const entries = Array.isArray(record.groups) ? (record.groups as unknown as RecordDetail["groupEntries"]) : [];
  return {
    id: record.id,
    provider: record.provider,
    providerUuid: record.providerUuid,
    personId: record.personId,
    auth0UserId: record.auth0UserId,
    status: record.status,
    policy: record.policy,
    policyKey: record.policyKey,
    otherPolicies: siblings,
    linkedSince: link?.createdAt ?? null,
    refusedClaims,
    groupEntries: entries.map((g) => ({
      group: String(g.group),
      subgroups: Array.isArray(g.subgroups) ? g.subgroups.filter((s): s is string => typeof s === "string") : [],
      verified: g.verified === true,
    })),
    groups: verifiedGroups(record),
    lastClientId: record.lastClientId,
    lastCheckedAt: record.lastCheckedAt,
    expiresAt: record.expiresAt,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    hasIdTokenClaims: record.idTokenEnc !== null,
    attempts: attempts
      .filter((a) => a.recordId === id)
      .slice(0, ATTEMPTS_PER_RECORD)
      .map(toSummary),
    otherAttempts: attempts
      .filter((a) => a.recordId === null)
      .slice(0, 20)
      .map(toSummary),
  };
}

export type OpenedAttributes = { ok: true; attributes: NormalizedAttributes } | { ok: false; problem: "not_found" | "unreadable" };

/**
 * The record's normalized attributes, opened. The caller decides who sees
 * them in clear (admins) and masks them for everyone else (maskAttributes).
 */
export async function openRecordAttributes(id: string): Promise<OpenedAttributes> {
  const personal = await openRecordPersonalData(id);
  return personal.ok ? { ok: true, attributes: personal.data.attributes } : personal;
}

/** Everything sealed in the record, opened. Only for the audited reveal (lib/records/reveal.ts). */
export async function openRecordPersonalData(
  id: string,
  client?: DbClient,
): Promise<{ ok: true; data: ReturnType<typeof openPersonalData> } | { ok: false; problem: "not_found" | "unreadable" }> {
  if (!id || id.length > 200) return { ok: false, problem: "not_found" };
  const db = client ?? (await getDb());
  const sealed = await db.verificationRecord.findUnique({
    where: { id },
    select: { id: true, attributesEnc: true, rawUserinfoEnc: true, idTokenEnc: true },
  });
  if (!sealed) return { ok: false, problem: "not_found" };
  try {
    return { ok: true, data: openPersonalData(sealed) };
  } catch {
    // Wrong key, or a value that was not sealed for this record: never show anything.
    return { ok: false, problem: "unreadable" };
  }
}
