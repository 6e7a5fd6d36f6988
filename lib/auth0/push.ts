import { writeAudit } from "../audit";
import { getDb, type Tx } from "../db/client";
import { Prisma, type Auth0Push } from "../db/generated/client";
import { log } from "../log";
import { backoffDelay, defineOutbox, type Settled, type Verdict } from "../outbox";
import { inProcessKicker, kick, outboxState, pauseKicks } from "../outbox/kick";
import { ManagementError, clearAuth0Verification, pushConfig, type ManagementProblem } from "./management";

/**
 * Revocations pushed to Auth0 (README "Revocation pushed to Auth0"; off unless
 * AUTH0_PUSH_REVOCATIONS=true with Management API credentials).
 *
 * A revocation (lib/records/revoke.ts), an erasure (lib/records/erase.ts) or a Shared
 * Signals revocation (lib/signals/receiver.ts) calls `enqueueAuth0Push` inside its own
 * transaction: an `auth0_push` row is written with the change, or not at all. The HTTP
 * calls never run in that transaction. `drainAuth0Pushes` sends what is due: right after
 * the change (a nudge in the same process) and every minute from the job runner
 * (lib/jobs: pg-boss, shared by all instances), so a push survives a restart.
 *
 * The outbox runner (lib/outbox) claims each row with `FOR UPDATE SKIP LOCKED` and leases
 * it (next_attempt_at moved on) before the call, so two instances never send the same row
 * at once and a crash mid-call only delays it. Each outcome is written with its audit
 * entry (actor "system", action `auth0.push`, target the record or the person) in one
 * transaction: done; a refusal or outage is retried with exponential back-off (30 s
 * doubling, at most 6 h between tries, MAX_ATTEMPTS in all, about a day); then failed (a
 * request Auth0 refuses as malformed at once). An Auth0 user that no longer exists needs
 * nothing cleared: done, as "unknown user".
 */

export type PushCause = "revoke" | "erase" | "signal";
export const MAX_ATTEMPTS = 12;
const BACKOFF = { firstMs: 30_000, factor: 2, maxMs: 6 * 3_600_000, jitter: 0 };
/** How long a claimed row is left to the instance sending it before another may take it. */
const LEASE_MS = 2 * 60_000;
const SYSTEM = { id: "system:auth0-push", email: null, role: "system" as const };

/** The wait before try `attempts + 1`, after `attempts` failed tries. */
export function backoffMs(attempts: number): number {
  return backoffDelay(BACKOFF, attempts);
}

/**
 * Inside the change's transaction: remember to clear this Auth0 user's verification
 * metadata at Auth0. Nothing when the push is off. Returns whether a push was queued.
 */
export async function enqueueAuth0Push(
  tx: Tx,
  p: { auth0UserId: string; cause: PushCause; recordId?: string | null; personId?: string | null },
): Promise<boolean> {
  const config = pushConfig();
  if (!config || !p.auth0UserId || p.auth0UserId.startsWith("erased:")) return false;
  await tx.auth0Push.create({
    data: {
      auth0UserId: p.auth0UserId,
      cause: p.cause,
      recordId: p.recordId ?? null,
      personId: p.personId ?? null,
      revokeSessions: config.revokeSessions,
    },
  });
  nudge();
  return true;
}

/** This process's state of the push outbox (lib/outbox/kick.ts); a kick drains here, right after the commit. */
const STATE_KEY = "__idvAuth0Push";
const state = outboxState(STATE_KEY);
state.kicker ??= inProcessKicker(
  state,
  () => drainAuth0Pushes(),
  (err) => log("warn", "auth0 push drain failed", { step: "auth0.push", error: (err as Error)?.name }),
);

/**
 * Sends soon after the caller's transaction commits (it cannot be seen before): tries
 * shortly after, and again a little later in case the transaction took longer. The
 * minute job catches whatever this misses.
 */
function nudge() {
  kick(state, [250, 2_000]);
}

/** Tests that drive the drain themselves (and its clock): no nudge; pending ones are cancelled. */
export function pauseAuth0PushNudges(paused: boolean): void {
  pauseKicks(state, paused);
}

export interface DrainResult {
  done: number;
  retried: number;
  failed: number;
}

const PROBLEM_TEXT: Record<ManagementProblem, string> = {
  not_configured: "the push is not configured",
  credentials: "Auth0 refused the portal's Management API credentials",
  scope: "the portal's Auth0 application lacks a scope (update:users; delete:sessions, delete:refresh_tokens)",
  rate_limited: "Auth0 limited the portal's calls (429)",
  unavailable: "Auth0 did not answer",
  bad_query: "Auth0 refused the request (400)",
  unknown_user: "Auth0 has no such user",
};

type Claimed = Pick<Auth0Push, "id" | "auth0UserId" | "personId" | "recordId" | "cause" | "revokeSessions">;

interface Sent {
  verdict: Verdict;
  problem: ManagementProblem | null;
  ms: number;
}

/**
 * The push outbox (lib/outbox): a try clears the user's verification metadata at Auth0; an
 * Auth0 user that no longer exists needs nothing cleared (sent); a request Auth0 refuses as
 * malformed is not tried again. Each try is an audit entry.
 */
const outbox = defineOutbox<Claimed, Sent, Settled["outcome"]>({
  table: { name: "auth0_push", state: "status", done: "done", doneAt: "done_at", settledNext: "kept", updatedAt: false },
  leaseMs: LEASE_MS,
  maxAttempts: MAX_ATTEMPTS,
  backoff: backoffMs,
  stateKey: STATE_KEY,
  sender: {
    async load(id) {
      const db = await getDb();
      return db.auth0Push.findFirst({
        where: { id, status: "pending" },
        select: { id: true, auth0UserId: true, personId: true, recordId: true, cause: true, revokeSessions: true },
      });
    },
    async send(row, { now }) {
      const started = Date.now();
      const config = pushConfig();
      let problem: ManagementProblem | null = config ? null : "not_configured";
      try {
        if (config) await clearAuth0Verification(config, row.auth0UserId, row.revokeSessions, () => now().getTime());
      } catch (err) {
        problem = err instanceof ManagementError ? err.problem : "unavailable";
      }
      const verdict = problem === null || problem === "unknown_user" ? "sent" : problem === "bad_query" ? "give_up" : "retry";
      return { verdict, problem, ms: Date.now() - started };
    },
    columns: (row, { problem }, s) => [
      Prisma.sql`last_error = ${problem ? PROBLEM_TEXT[problem] : null}`,
      // An erased person's Auth0 id is not kept once Auth0 has been told.
      ...(s.outcome !== "retry" && row.cause === "erase" && row.personId ? [Prisma.sql`auth0_user_id = ${`erased:${row.personId}`}`] : []),
    ],
    async record(tx, row, { problem, ms }, s) {
      await writeAudit(tx, SYSTEM, "auth0.push", {
        target: row.recordId ?? row.personId ?? null,
        reason:
          s.outcome === "done"
            ? problem === "unknown_user"
              ? "Auth0 has no such user: nothing to clear"
              : `Auth0 updated: verification metadata cleared${row.revokeSessions ? ", sessions and refresh tokens revoked" : ""}`
            : s.outcome === "retry"
              ? `Auth0 not updated (${PROBLEM_TEXT[problem!]}); next try at ${s.next!.toISOString()}`
              : `Auth0 not updated (${PROBLEM_TEXT[problem!]}); gave up after ${s.tries} tries`,
        details: {
          push: String(row.id),
          cause: row.cause,
          outcome: s.outcome,
          attempt: s.tries,
          ...(problem ? { problem } : {}),
          sessions: row.revokeSessions,
          ms,
          ...(s.next ? { nextAttemptAt: s.next.toISOString() } : {}),
        },
      });
    },
    report(_row, { problem }, s) {
      log(s.outcome === "done" ? "info" : "warn", "auth0 push", {
        step: "auth0.push",
        outcome: s.outcome,
        code: problem ?? undefined,
        status: s.tries,
      });
      return s.outcome;
    },
  },
});

/**
 * Sends every push due at `now` (one at a time, each claimed first). In a single process
 * one drain runs at a time; across instances SKIP LOCKED and the lease keep rows apart.
 */
export async function drainAuth0Pushes(opts: { now?: () => Date; limit?: number } = {}): Promise<DrainResult> {
  const result: DrainResult = { done: 0, retried: 0, failed: 0 };
  if (!pushConfig()) return result;
  for (const outcome of await outbox.drain({ now: opts.now, batch: 1, rounds: opts.limit ?? 50 }))
    result[outcome === "retry" ? "retried" : outcome]++;
  return result;
}

export interface PushState {
  status: "pending" | "done" | "failed";
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date;
  doneAt: Date | null;
  sessions: boolean;
}

/** The latest push for a record (its page shows "Auth0 updated at …" or the failure); null without one. */
export async function pushOfRecord(recordId: string): Promise<PushState | null> {
  const db = await getDb();
  const p = await db.auth0Push.findFirst({ where: { recordId }, orderBy: { id: "desc" } });
  if (!p) return null;
  return {
    status: p.status as PushState["status"],
    attempts: p.attempts,
    lastError: p.lastError,
    nextAttemptAt: p.nextAttemptAt,
    doneAt: p.doneAt,
    sessions: p.revokeSessions,
  };
}
