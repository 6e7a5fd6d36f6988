import { getDb, type DbClient } from "../db/client";
import { log } from "../log";
import { retentionSettings, type Retention } from "../settings/retention";
import { withPurgeLock } from "./lock";
import { JTI_WINDOW_DAYS, SET_CLOCK_SKEW_S } from "../signals/events";

/**
 * The purge: applies the retention settings (lib/settings/retention.ts) to what the portal
 * keeps. What goes:
 *
 *  - attributes: a record whose verification ended (revoked, or expired for every
 *    application: past its own expiry and past the longest interval in force) more than
 *    `attributesDays` ago loses all its sealed data (attributes, raw answer, ID token claims)
 *    and its email lookup key; the row stays (status, dates, groups, its provider identity),
 *    so counts, the audit trail and "one provider account, one Auth0 user" stay true;
 *  - raw answers: the raw userinfo answer and ID token claims of a check older than
 *    `rawAnswerDays` (when set; by default they go with the attributes);
 *  - failed attempts (failed, declined, errored or abandoned) of a known person and
 *    anonymous attempts (no person: bad, forged or reused tokens), with their timelines;
 *  - audit log entries older than `auditDays`;
 *  - Shared Signals event ids (signal_event) issued before the replay window
 *    (JTI_WINDOW_DAYS and the clock skew): the receiver refuses a SET that old, so its jti
 *    needs no keeping;
 *  - revocations pushed to Auth0 (auth0_push) that are over (sent or given up), after
 *    `auditDays` like the audit entries that record each try.
 *
 * Each category goes in small batches, each its own short transaction that locks only the
 * rows it takes (`FOR UPDATE SKIP LOCKED`: a row a login holds is left for the next run), so
 * logins never wait behind the purge for more than one batch's row. The dry run counts with
 * the same conditions and changes nothing. Nothing sealed is opened.
 */

export const CATEGORIES = [
  "attributes",
  "rawAnswers",
  "failedAttempts",
  "anonymousAttempts",
  "attemptEvents",
  "auditEvents",
  "signalEvents",
  "auth0Pushes",
] as const;
export type Category = (typeof CATEGORIES)[number];
export type PurgeCounts = Record<Category, number>;

export const CATEGORY_LABELS: Record<Category, string> = {
  attributes: "records' personal data (verification ended)",
  rawAnswers: "records' raw provider answers",
  failedAttempts: "failed attempts",
  anonymousAttempts: "anonymous attempts",
  attemptEvents: "timeline events of those attempts",
  auditEvents: "audit log entries",
  signalEvents: "Shared Signals event ids past the replay window",
  auth0Pushes: "revocations pushed to Auth0 (sent or given up)",
};

export const DEFAULT_BATCH_SIZE = 500;

/** The moments before which each kind of data goes, for one run. */
export interface Cutoffs {
  now: Date;
  /** Revoked before this, or expired before this … */
  attributesEnded: Date;
  /** … and last checked before this (the longest interval in force before `attributesEnded`). */
  attributesChecked: Date;
  /** Null: raw answers go with the attributes only. */
  rawChecked: Date | null;
  failedAttempts: Date;
  anonymousAttempts: Date;
  auditEvents: Date;
  /** Shared Signals events issued before this can no longer be replayed (the receiver refuses them). */
  signalEvents: Date;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

export function cutoffsFor(now: Date, r: Retention, maxIntervalHours: number): Cutoffs {
  const ago = (ms: number) => new Date(now.getTime() - ms);
  return {
    now,
    attributesEnded: ago(r.attributesDays * DAY),
    attributesChecked: ago(r.attributesDays * DAY + maxIntervalHours * HOUR),
    rawChecked: r.rawAnswerDays === null ? null : ago(r.rawAnswerDays * DAY),
    failedAttempts: ago(r.failedAttemptDays * DAY),
    anonymousAttempts: ago(r.anonymousAttemptDays * DAY),
    auditEvents: ago(r.auditDays * DAY),
    signalEvents: ago(JTI_WINDOW_DAYS * DAY + SET_CLOCK_SKEW_S * 1000),
  };
}

/** The longest re-verification interval any application (or the global setting) gives a check. */
export async function longestIntervalHours(db: DbClient): Promise<number> {
  const [row] = await db.$queryRawUnsafe<{ hours: number | null }[]>(
    `SELECT GREATEST((SELECT max(reverify_interval_hours) FROM settings), (SELECT max(reverify_interval_hours) FROM application))::int AS hours`,
  );
  return row?.hours ?? 0;
}

export async function currentCutoffs(db: DbClient, now = new Date()): Promise<Cutoffs> {
  return cutoffsFor(now, await retentionSettings(db), await longestIntervalHours(db));
}

/**
 * When a record's data goes, as the conditions below decide it (for the record page): the
 * first purge run after these moments, unless a new check refreshes the record first.
 */
export function recordPurgeDates(
  record: { status: string; updatedAt: Date; expiresAt: Date; lastCheckedAt: Date },
  r: Retention,
  maxIntervalHours: number,
): { attributes: Date; rawAnswer: Date } {
  const ended =
    record.status === "revoked"
      ? record.updatedAt.getTime()
      : Math.max(record.expiresAt.getTime(), record.lastCheckedAt.getTime() + maxIntervalHours * HOUR);
  const attributes = new Date(ended + r.attributesDays * DAY);
  const rawOwn = r.rawAnswerDays === null ? Infinity : record.lastCheckedAt.getTime() + r.rawAnswerDays * DAY;
  return { attributes, rawAnswer: new Date(Math.min(rawOwn, attributes.getTime())) };
}

// ---------------------------------------------------------------------------
// The conditions, shared by the dry run's counts and the purge's batches.
// Timestamps go in as ISO strings cast to timestamptz (README "Time").

const SEALED = `(attributes_enc IS NOT NULL OR raw_userinfo_enc IS NOT NULL OR id_token_claims_enc IS NOT NULL OR email_lookup IS NOT NULL)`;
const RAW_KEPT = `(raw_userinfo_enc IS NOT NULL OR id_token_claims_enc IS NOT NULL)`;
// Written out rather than `<> 'verified'` so the (status, created_at) index serves it.
const NOT_VERIFIED = `status IN ('started', 'at_provider', 'returned', 'failed', 'declined', 'error')`;

interface Condition {
  where: string;
  params: unknown[];
}

const iso = (d: Date) => d.toISOString();

function revokedEnded(c: Cutoffs): Condition {
  return { where: `status = 'revoked' AND updated_at < $1::timestamptz AND ${SEALED}`, params: [iso(c.attributesEnded)] };
}
function expiredEnded(c: Cutoffs): Condition {
  return {
    where: `expires_at < $1::timestamptz AND last_checked_at < $2::timestamptz AND ${SEALED}`,
    params: [iso(c.attributesEnded), iso(c.attributesChecked)],
  };
}
function attributesGone(c: Cutoffs): Condition {
  return {
    where: `${SEALED} AND ((status = 'revoked' AND updated_at < $1::timestamptz) OR (expires_at < $1::timestamptz AND last_checked_at < $2::timestamptz))`,
    params: [iso(c.attributesEnded), iso(c.attributesChecked)],
  };
}
/** Raw answers past their own period, of records whose attributes are kept (those are counted above). */
function rawGone(c: Cutoffs, excludeAttributes: boolean): Condition | null {
  if (!c.rawChecked) return null;
  const base = `${RAW_KEPT} AND last_checked_at < $3::timestamptz`;
  const a = attributesGone(c);
  return excludeAttributes
    ? { where: `${base} AND NOT (${a.where})`, params: [...a.params, iso(c.rawChecked)] }
    : { where: base.replace("$3", "$1"), params: [iso(c.rawChecked)] };
}
function failedAttempts(c: Cutoffs): Condition {
  return { where: `person_id IS NOT NULL AND ${NOT_VERIFIED} AND created_at < $1::timestamptz`, params: [iso(c.failedAttempts)] };
}
function anonymousAttempts(c: Cutoffs): Condition {
  return { where: `person_id IS NULL AND created_at < $1::timestamptz`, params: [iso(c.anonymousAttempts)] };
}
function auditEvents(c: Cutoffs): Condition {
  return { where: `at < $1::timestamptz`, params: [iso(c.auditEvents)] };
}
/** Pushes to Auth0 that are over (sent, or given up), as old as the audit entries that record them. */
function auth0Pushes(c: Cutoffs): Condition {
  return { where: `status IN ('done', 'failed') AND created_at < $1::timestamptz`, params: [iso(c.auditEvents)] };
}
function signalEvents(c: Cutoffs): Condition {
  return { where: `issued_at < $1::timestamptz`, params: [iso(c.signalEvents)] };
}

const zero = (): PurgeCounts => ({
  attributes: 0,
  rawAnswers: 0,
  failedAttempts: 0,
  anonymousAttempts: 0,
  attemptEvents: 0,
  auditEvents: 0,
  signalEvents: 0,
  auth0Pushes: 0,
});

async function count(db: DbClient, table: string, cond: Condition | null): Promise<number> {
  if (!cond) return 0;
  const [row] = await db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${table} WHERE ${cond.where}`, ...cond.params);
  return row?.n ?? 0;
}

async function countEvents(db: DbClient, cond: Condition): Promise<number> {
  const [row] = await db.$queryRawUnsafe<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM attempt_event WHERE attempt_id IN (SELECT id FROM attempt WHERE ${cond.where})`,
    ...cond.params,
  );
  return row?.n ?? 0;
}

/** What a purge at these cutoffs would remove, changing nothing (the dry run). */
export async function countPurge(db: DbClient, c: Cutoffs): Promise<PurgeCounts> {
  return {
    attributes: await count(db, "verification_record", attributesGone(c)),
    rawAnswers: await count(db, "verification_record", rawGone(c, true)),
    failedAttempts: await count(db, "attempt", failedAttempts(c)),
    anonymousAttempts: await count(db, "attempt", anonymousAttempts(c)),
    attemptEvents: (await countEvents(db, failedAttempts(c))) + (await countEvents(db, anonymousAttempts(c))),
    auditEvents: await count(db, "audit_event", auditEvents(c)),
    signalEvents: await count(db, "signal_event", signalEvents(c)),
    auth0Pushes: await count(db, "auth0_push", auth0Pushes(c)),
  };
}

// ---------------------------------------------------------------------------
// The batches. `$n` after the condition's own parameters is the batch size.

function limitParam(cond: Condition): string {
  return `$${cond.params.length + 1}`;
}

async function clearRecords(db: DbClient, cond: Condition, set: string, size: number): Promise<number> {
  return db.$executeRawUnsafe(
    `UPDATE verification_record SET ${set}
      WHERE id IN (SELECT id FROM verification_record WHERE ${cond.where} LIMIT ${limitParam(cond)} FOR UPDATE SKIP LOCKED)`,
    ...cond.params,
    size,
  );
}

async function deleteAttempts(db: DbClient, cond: Condition, size: number): Promise<{ rows: number; events: number }> {
  // The timeline goes explicitly (not by the cascade) so that it can be counted.
  const [row] = await db.$queryRawUnsafe<{ rows: number; events: number }[]>(
    `WITH batch AS (SELECT id FROM attempt WHERE ${cond.where} LIMIT ${limitParam(cond)} FOR UPDATE SKIP LOCKED),
          events AS (DELETE FROM attempt_event WHERE attempt_id IN (SELECT id FROM batch) RETURNING 1),
          gone AS (DELETE FROM attempt WHERE id IN (SELECT id FROM batch) RETURNING 1)
     SELECT (SELECT count(*) FROM gone)::int AS rows, (SELECT count(*) FROM events)::int AS events`,
    ...cond.params,
    size,
  );
  return row ?? { rows: 0, events: 0 };
}

async function deleteAudit(db: DbClient, cond: Condition, size: number): Promise<number> {
  return db.$executeRawUnsafe(
    `DELETE FROM audit_event WHERE id IN (SELECT id FROM audit_event WHERE ${cond.where} ORDER BY at LIMIT ${limitParam(cond)} FOR UPDATE SKIP LOCKED)`,
    ...cond.params,
    size,
  );
}

async function deleteSignalEvents(db: DbClient, cond: Condition, size: number): Promise<number> {
  return deleteOldRows(db, "signal_event", cond, size);
}

async function deleteOldRows(db: DbClient, table: "signal_event" | "auth0_push", cond: Condition, size: number): Promise<number> {
  return db.$executeRawUnsafe(
    `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${cond.where} ORDER BY id LIMIT ${limitParam(cond)} FOR UPDATE SKIP LOCKED)`,
    ...cond.params,
    size,
  );
}

/** Runs `batch` until a batch takes fewer rows than asked (done, or the rest is locked: next run). */
async function drain(size: number, batch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await batch();
    total += n;
    if (n < size) return total;
  }
}

const CLEAR_ALL = `attributes_enc = NULL, raw_userinfo_enc = NULL, id_token_claims_enc = NULL, email_lookup = NULL`;
const CLEAR_RAW = `raw_userinfo_enc = NULL, id_token_claims_enc = NULL`;

/** Removes what is past retention at these cutoffs; `done` receives the counts so far if it fails halfway. */
export async function purge(db: DbClient, c: Cutoffs, size = DEFAULT_BATCH_SIZE, done: PurgeCounts = zero()): Promise<PurgeCounts> {
  // Attributes first: a record cleared whole is not counted again as a raw answer.
  done.attributes += await drain(size, () => clearRecords(db, revokedEnded(c), CLEAR_ALL, size));
  done.attributes += await drain(size, () => clearRecords(db, expiredEnded(c), CLEAR_ALL, size));
  const raw = rawGone(c, false);
  if (raw) done.rawAnswers += await drain(size, () => clearRecords(db, raw, CLEAR_RAW, size));
  for (const [category, cond] of [
    ["failedAttempts", failedAttempts(c)],
    ["anonymousAttempts", anonymousAttempts(c)],
  ] as const) {
    await drain(size, async () => {
      const { rows, events } = await deleteAttempts(db, cond, size);
      done[category] += rows;
      done.attemptEvents += events;
      return rows;
    });
  }
  done.auditEvents += await drain(size, () => deleteAudit(db, auditEvents(c), size));
  done.signalEvents += await drain(size, () => deleteSignalEvents(db, signalEvents(c), size));
  done.auth0Pushes += await drain(size, () => deleteOldRows(db, "auth0_push", auth0Pushes(c), size));
  return done;
}

// ---------------------------------------------------------------------------
// One run, as the job and the maintenance command start it.

export type Trigger = "schedule" | "maintenance";

export type PurgeRun =
  { ran: true; dryRun: boolean; counts: PurgeCounts; cutoffs: Cutoffs; durationMs: number } | { ran: false; reason: "busy" };

export interface RunOptions {
  dryRun?: boolean;
  now?: Date;
  batchSize?: number;
  trigger?: Trigger;
  db?: DbClient;
}

/**
 * One purge run: at most one at a time across every instance (lib/lifecycle/lock.ts; a
 * second one finds it busy and does nothing), and audited with its counts (no personal
 * data), also when it fails halfway. A dry run only counts, and is not audited.
 */
export async function runPurge(opts: RunOptions = {}): Promise<PurgeRun> {
  const db = opts.db ?? (await getDb());
  const trigger = opts.trigger ?? "schedule";
  const result = await withPurgeLock(async () => {
    const started = Date.now();
    const cutoffs = await currentCutoffs(db, opts.now ?? new Date());
    if (opts.dryRun) {
      return { ran: true as const, dryRun: true, counts: await countPurge(db, cutoffs), cutoffs, durationMs: Date.now() - started };
    }
    const counts = zero();
    let failure: unknown = null;
    try {
      await purge(db, cutoffs, opts.batchSize ?? DEFAULT_BATCH_SIZE, counts);
    } catch (err) {
      failure = err;
    }
    const durationMs = Date.now() - started;
    await db.auditEvent.create({
      data: {
        actorId: `system:${trigger}`,
        actorEmail: null,
        actorRole: "system",
        action: "retention.purge",
        target: "retention",
        details: {
          outcome: failure ? "failed" : "ok",
          counts: { ...counts },
          cutoffs: Object.fromEntries(Object.entries(cutoffs).map(([k, v]) => [k, v ? (v as Date).toISOString() : null])),
          durationMs,
        },
      },
    });
    log(failure ? "error" : "info", "purge run", {
      step: "retention.purge",
      outcome: failure ? "failed" : "ok",
      durationMs,
      error: failure ? (failure as Error)?.name : undefined,
    });
    if (failure) throw failure;
    return { ran: true as const, dryRun: false, counts, cutoffs, durationMs };
  });
  return result ?? { ran: false, reason: "busy" };
}

/** The newest purge run, from its audit entry (for the settings page). */
export async function lastPurgeRun(): Promise<{ at: Date; outcome: string; counts: Partial<PurgeCounts> } | null> {
  const db = await getDb();
  const entry = await db.auditEvent.findFirst({
    where: { action: "retention.purge" },
    orderBy: { id: "desc" },
    select: { at: true, details: true },
  });
  if (!entry) return null;
  const details = (entry.details ?? {}) as { outcome?: string; counts?: Partial<PurgeCounts> };
  return { at: entry.at, outcome: details.outcome ?? "ok", counts: details.counts ?? {} };
}
