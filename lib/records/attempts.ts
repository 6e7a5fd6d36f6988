import { getDb } from "../db/client";
import type { AttemptStatus, EventOutcome, Policy, Prisma, RecordStatus } from "../db/generated/client";
import { normalizeReferenceCode } from "../flow/reference";

/** Attempts as support sees them (with their timelines), and the attempt a reference code names. */

export interface TimelineEvent {
  id: string;
  step: string;
  outcome: EventOutcome;
  errorCode: string | null;
  errorDescription: string | null;
  at: Date;
}

/** An attempt as support sees it: no protocol secrets (state, nonce, PKCE verifier). */
export interface AttemptSummary {
  id: string;
  referenceCode: string;
  status: AttemptStatus;
  returnStatus: string | null;
  failureStep: string | null;
  failureCode: string | null;
  auth0UserId: string | null;
  auth0ClientId: string | null;
  personId: string | null;
  recordId: string | null;
  provider: string;
  /** The provider identity the provider answered with (null before it answered). */
  providerUuid: string | null;
  policy: Policy;
  scopes: string[];
  requiredGroup: string | null;
  checkedAt: Date | null;
  resumedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  events: TimelineEvent[];
}

export const attemptSelect = {
  id: true,
  referenceCode: true,
  status: true,
  returnStatus: true,
  failureStep: true,
  failureCode: true,
  auth0UserId: true,
  auth0ClientId: true,
  personId: true,
  recordId: true,
  provider: true,
  providerUuid: true,
  policy: true,
  scopes: true,
  requiredGroup: true,
  checkedAt: true,
  resumedAt: true,
  createdAt: true,
  updatedAt: true,
  events: {
    select: { id: true, step: true, outcome: true, errorCode: true, errorDescription: true, at: true },
    orderBy: [{ at: "asc" }, { id: "asc" }],
  },
} as const satisfies Prisma.AttemptSelect;

type SelectedAttempt = Prisma.AttemptGetPayload<{ select: typeof attemptSelect }>;

export function toSummary(a: SelectedAttempt): AttemptSummary {
  return { ...a, events: a.events.map((e) => ({ ...e, id: e.id.toString() })) };
}

export interface AttemptDetail extends AttemptSummary {
  /** The record the attempt produced or refreshed, if any. */
  record: { id: string; status: RecordStatus; lastCheckedAt: Date } | null;
}

/** The attempt a reference code names (read aloud, lower case, O for 0 accepted); null when none. */
export async function findAttemptByReference(code: string): Promise<AttemptDetail | null> {
  const ref = normalizeReferenceCode(code ?? "");
  if (!ref) return null;
  const db = await getDb();
  const attempt = await db.attempt.findUnique({
    where: { referenceCode: ref },
    select: { ...attemptSelect, record: { select: { id: true, status: true, lastCheckedAt: true } } },
  });
  if (!attempt) return null;
  const { record, ...rest } = attempt;
  return { ...toSummary(rest), record };
}
