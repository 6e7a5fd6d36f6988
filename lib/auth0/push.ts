import { writeAudit } from "../audit";
import { getDb, transaction, type Tx } from "../db/client";
import { log } from "../log";
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
 * Each row is claimed with `FOR UPDATE SKIP LOCKED` and leased (next_attempt_at moved on)
 * before the call, so two instances never send the same row at once and a crash mid-call
 * only delays it. Each outcome is written with its audit entry (actor "system", action
 * `auth0.push`, target the record or the person) in one transaction: done; a refusal or
 * outage is retried with exponential back-off (30 s doubling, at most 6 h between tries,
 * MAX_ATTEMPTS in all, about a day); then failed. An Auth0 user that no longer exists
 * needs nothing cleared: done, as "unknown user".
 */

export type PushCause = "revoke" | "erase" | "signal";
export const MAX_ATTEMPTS = 12;
const BASE_DELAY_MS = 30_000;
const MAX_DELAY_MS = 6 * 3_600_000;
/** How long a claimed row is left to the instance sending it before another may take it. */
const LEASE_MS = 2 * 60_000;
const SYSTEM = { id: "system:auth0-push", email: null, role: "system" as const };

/** The wait before try `attempts + 1`, after `attempts` failed tries. */
export function backoffMs(attempts: number): number {
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
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

const holder = ((
  globalThis as { __idvAuth0Push?: { timers: Set<NodeJS.Timeout>; running?: Promise<unknown>; paused?: boolean } }
).__idvAuth0Push ??= { timers: new Set() });

/**
 * Sends soon after the caller's transaction commits (it cannot be seen before): tries
 * shortly after, and again a little later in case the transaction took longer. The
 * minute job catches whatever this misses.
 */
function nudge() {
  if (holder.paused) return;
  for (const delay of [250, 2_000]) {
    const timer = setTimeout(() => {
      holder.timers.delete(timer);
      void drainAuth0Pushes().catch((err: unknown) =>
        log("warn", "auth0 push drain failed", { step: "auth0.push", error: (err as Error)?.name }),
      );
    }, delay);
    timer.unref();
    holder.timers.add(timer);
  }
}

/** Tests that drive the drain themselves (and its clock): no nudge; pending ones are cancelled. */
export function pauseAuth0PushNudges(paused: boolean): void {
  holder.paused = paused;
  for (const t of holder.timers) clearTimeout(t);
  holder.timers.clear();
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

type Claimed = {
  id: bigint;
  auth0_user_id: string;
  person_id: string | null;
  record_id: string | null;
  cause: string;
  revoke_sessions: boolean;
  attempts: number;
};

/**
 * Sends every push due at `now` (one at a time, each claimed first). In a single process
 * one drain runs at a time; across instances SKIP LOCKED and the lease keep rows apart.
 */
export async function drainAuth0Pushes(opts: { now?: () => Date; limit?: number } = {}): Promise<DrainResult> {
  const result: DrainResult = { done: 0, retried: 0, failed: 0 };
  const config = pushConfig();
  if (!config) return result;
  while (holder.running) await holder.running.catch(() => undefined);
  const run = (async () => {
    const now = opts.now ?? (() => new Date());
    for (let i = 0; i < (opts.limit ?? 50); i++) {
      const at = now();
      const db = await getDb();
      const [row] = await db.$transaction(
        (tx) => tx.$queryRaw<Claimed[]>`
          UPDATE auth0_push SET attempts = attempts + 1, next_attempt_at = ${new Date(at.getTime() + LEASE_MS)}
          WHERE id = (
            SELECT id FROM auth0_push WHERE status = 'pending' AND next_attempt_at <= ${at}
            ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
          RETURNING id, auth0_user_id, person_id, record_id, cause, revoke_sessions, attempts`,
      );
      if (!row) break;
      const started = Date.now();
      let problem: ManagementProblem | null = null;
      try {
        await clearAuth0Verification(config, row.auth0_user_id, row.revoke_sessions, () => now().getTime());
      } catch (err) {
        problem = err instanceof ManagementError ? err.problem : "unavailable";
      }
      const ms = Date.now() - started;
      const finished = now();
      const gone = problem === "unknown_user";
      const outcome = problem === null || gone ? "done" : row.attempts >= MAX_ATTEMPTS || problem === "bad_query" ? "failed" : "retry";
      const next = outcome === "retry" ? new Date(finished.getTime() + backoffMs(row.attempts)) : null;
      await transaction(async (tx) => {
        await tx.auth0Push.update({
          where: { id: row.id },
          data: {
            status: outcome === "retry" ? "pending" : outcome,
            lastError: problem ? PROBLEM_TEXT[problem] : null,
            ...(next ? { nextAttemptAt: next } : {}),
            ...(outcome === "done" ? { doneAt: finished } : {}),
            // An erased person's Auth0 id is not kept once Auth0 has been told.
            ...(outcome !== "retry" && row.cause === "erase" && row.person_id ? { auth0UserId: `erased:${row.person_id}` } : {}),
          },
        });
        await writeAudit(tx, SYSTEM, "auth0.push", {
          target: row.record_id ?? row.person_id ?? null,
          reason:
            outcome === "done"
              ? gone
                ? "Auth0 has no such user: nothing to clear"
                : `Auth0 updated: verification metadata cleared${row.revoke_sessions ? ", sessions and refresh tokens revoked" : ""}`
              : outcome === "retry"
                ? `Auth0 not updated (${PROBLEM_TEXT[problem!]}); next try at ${next!.toISOString()}`
                : `Auth0 not updated (${PROBLEM_TEXT[problem!]}); gave up after ${row.attempts} tries`,
          details: {
            push: String(row.id),
            cause: row.cause,
            outcome,
            attempt: row.attempts,
            ...(problem ? { problem } : {}),
            sessions: row.revoke_sessions,
            ms,
            ...(next ? { nextAttemptAt: next.toISOString() } : {}),
          },
        });
      });
      result[outcome === "retry" ? "retried" : outcome]++;
      log(outcome === "done" ? "info" : "warn", "auth0 push", {
        step: "auth0.push",
        outcome,
        code: problem ?? undefined,
        status: row.attempts,
      });
    }
  })();
  holder.running = run;
  try {
    await run;
  } finally {
    if (holder.running === run) holder.running = undefined;
  }
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
