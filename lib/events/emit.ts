import { randomBytes } from "node:crypto";
import type { DbClient } from "../db/client";
import { Prisma, type VerificationRecord } from "../db/generated/client";
import { TEST_EVENT, type EventType } from "./catalogue";
import { kickDelivery } from "./kick";

/**
 * The outbox (README "Webhooks out"): an event is written through the transaction of the
 * change it tells of, with one pending delivery per enabled endpoint that wants it, so it
 * exists if and only if the change committed. lib/events/deliver.ts sends them later.
 * No endpoint wants it: nothing is written (an endpoint added later gets later events).
 *
 * Payloads carry no personal data: ids (Auth0 user id, record, reference code), provider,
 * policy, times and codes. An endpoint with "include attributes" on gets the verified
 * attributes added at delivery, read from the record then (so a purge or erasure since
 * removes them).
 */

export interface EventData {
  /** The Auth0 client id of the application the change was for (null: none or several). */
  application: string | null;
  auth0_user_id: string | null;
  provider: string | null;
  policy: string | null;
  policy_key?: string | null;
  record_id?: string | null;
  status?: string | null;
  checked_at?: string | null;
  expires_at?: string | null;
  group?: string | null;
  reference?: string | null;
  failure_code?: string | null;
  /** Who or what made the change: flow | staff | shared_signals | schedule | admin. */
  source: string;
  person_id?: string;
}

export interface Envelope {
  id: string;
  type: EventType | typeof TEST_EVENT;
  /** ISO 8601 in UTC (`Z`). */
  created: string;
  data: EventData;
}

export const newEventId = () => `evt_${randomBytes(16).toString("base64url")}`;

/**
 * Writes the event and its deliveries through `tx` when an endpoint wants it. `applications`:
 * the client ids an application's endpoint must match (default: data.application).
 * Returns the event id, or null when no endpoint wants it.
 */
export async function writeEvent(
  tx: DbClient,
  type: EventType | typeof TEST_EVENT,
  data: EventData,
  opts: { recordId?: string | null; applications?: string[]; endpointId?: string; now?: Date } = {},
): Promise<string | null> {
  const now = (opts.now ?? new Date()).toISOString();
  const apps = opts.applications ?? (data.application ? [data.application] : []);
  const id = newEventId();
  const envelope: Envelope = { id, type, created: now, data };
  const endpoints = opts.endpointId
    ? Prisma.sql`SELECT id FROM webhook_endpoint WHERE id = ${opts.endpointId}`
    : Prisma.sql`SELECT id FROM webhook_endpoint
        WHERE enabled AND ${type} = ANY(event_types) AND (client_id IS NULL OR client_id = ANY(${apps}::text[]))`;
  // One statement: the endpoints that want it, the event (only when one does) and a delivery for each.
  const [row] = await tx.$queryRaw<{ n: number }[]>`
    WITH ep AS (${endpoints}),
    ev AS (
      INSERT INTO webhook_event (id, type, created_at, payload, record_id)
      SELECT ${id}, ${type}, ${now}::timestamptz, ${JSON.stringify(envelope)}::jsonb, ${opts.recordId ?? null}::text
      WHERE EXISTS (SELECT 1 FROM ep)
      RETURNING id
    ),
    d AS (
      INSERT INTO webhook_delivery (event_id, endpoint_id, next_attempt_at, created_at, updated_at)
      SELECT ev.id, ep.id, ${now}::timestamptz, ${now}::timestamptz, ${now}::timestamptz FROM ev CROSS JOIN ep
    )
    SELECT count(*)::int AS n FROM ep`;
  if (!row?.n) return null;
  kickDelivery();
  return id;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const groupOf = (policyKey: string) => (policyKey.startsWith("community:") ? policyKey.slice("community:".length) : null);

/**
 * A verification record's event, in the transaction that changed it: succeeded (the flow),
 * revoked (staff or Shared Signals), expired (the schedule). `application` defaults to the
 * application of the record's last check.
 */
export async function emitRecordEvent(
  tx: DbClient,
  type: "verification.succeeded" | "verification.failed" | "verification.revoked" | "verification.expired",
  /** The record's id, or the record as this transaction just wrote it (saves reading it again). */
  recordOrId: string | RecordForEvent,
  extra: { source: string; reference?: string | null; application?: string | null; now?: Date },
): Promise<string | null> {
  const r =
    typeof recordOrId === "string"
      ? await tx.verificationRecord.findUnique({ where: { id: recordOrId }, select: RECORD_FOR_EVENT })
      : recordOrId;
  if (!r) return null;
  const application = extra.application !== undefined ? extra.application : r.lastClientId;
  return writeEvent(
    tx,
    type,
    {
      application,
      auth0_user_id: r.auth0UserId,
      provider: r.provider,
      policy: r.policy,
      policy_key: r.policyKey,
      ...(groupOf(r.policyKey) ? { group: groupOf(r.policyKey) } : {}),
      record_id: r.id,
      status: r.status,
      checked_at: iso(r.lastCheckedAt),
      expires_at: iso(r.expiresAt),
      reference: extra.reference ?? null,
      source: extra.source,
    },
    { recordId: r.id, now: extra.now },
  );
}

const RECORD_FOR_EVENT = {
  id: true,
  auth0UserId: true,
  provider: true,
  policy: true,
  policyKey: true,
  status: true,
  lastClientId: true,
  lastCheckedAt: true,
  expiresAt: true,
} as const;
type RecordForEvent = Pick<VerificationRecord, keyof typeof RECORD_FOR_EVENT>;

const NOT_VERIFIED = new Set(["identity_not_verified", "group_not_verified"]);

/**
 * An attempt that just ended without a verification (lib/flow fail()), in its transaction:
 * verification.failed when the provider answered and did not verify the person (a record
 * of status not_verified), else attempt.failed with the failure code and reference. Attempts
 * of no known Auth0 user (forged or expired tokens) send nothing.
 */
export async function emitAttemptEnded(tx: DbClient, attemptId: string, failureCode: string): Promise<string | null> {
  const a = await tx.attempt.findUnique({
    where: { id: attemptId },
    select: { referenceCode: true, auth0UserId: true, auth0ClientId: true, provider: true, policy: true, recordId: true },
  });
  if (!a?.auth0UserId) return null;
  if (NOT_VERIFIED.has(failureCode) && a.recordId)
    return emitRecordEvent(tx, "verification.failed", a.recordId, {
      source: "flow",
      reference: a.referenceCode,
      application: a.auth0ClientId,
    });
  return writeEvent(tx, "attempt.failed", {
    application: a.auth0ClientId,
    auth0_user_id: a.auth0UserId,
    provider: a.provider,
    policy: a.policy,
    reference: a.referenceCode,
    failure_code: failureCode,
    source: "flow",
  });
}

/**
 * A person erased (lib/records/erase.ts), in the erasure's transaction. The event names
 * the Auth0 user id erased (receivers erase theirs); once every delivery of it is final, the
 * stored copy's id becomes the tombstone (lib/events/deliver.ts sweep). Endpoints of every
 * application the person used get it.
 */
export async function emitErased(tx: DbClient, erased: { personId: string; auth0UserId: string }): Promise<string | null> {
  const [records, attempts] = await Promise.all([
    tx.verificationRecord.findMany({ where: { personId: erased.personId }, select: { lastClientId: true } }),
    tx.attempt.findMany({ where: { personId: erased.personId }, select: { auth0ClientId: true }, distinct: ["auth0ClientId"] }),
  ]);
  const apps = [...new Set([...records.map((r) => r.lastClientId), ...attempts.map((a) => a.auth0ClientId)])].filter(
    (c): c is string => !!c,
  );
  return writeEvent(
    tx,
    "verification.erased",
    {
      application: null,
      auth0_user_id: erased.auth0UserId,
      person_id: erased.personId,
      provider: null,
      policy: null,
      source: "admin",
    },
    { applications: apps },
  );
}
