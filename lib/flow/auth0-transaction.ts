import { getDb } from "../db/client";
import { addEvent, fail, findAttempt, type Attempt } from "./attempts";
import { FlowError, TERMINAL } from "./states";

/**
 * Auth0 keeps a login transaction for one hour (PROTOCOLS §6): a POST to /continue
 * after that fails on Auth0's side with Auth0's own error page. The portal knows when
 * the transaction began only roughly (it opened the attempt when the Action's redirect
 * arrived, after the authorization request and the sign-in), so it gives up five
 * minutes early and tells the person to sign in again, with the reference code,
 * instead of posting to a dead state.
 */

export const AUTH0_TRANSACTION_LIFETIME_MS = 60 * 60_000;
/** The sign-in before the attempt opened, and the way back to Auth0, take time too. */
export const TRANSACTION_SAFETY_MARGIN_MS = 5 * 60_000;

/** Whole minutes left (at least 1) before the portal stops sending this attempt back to Auth0. */
export function minutesLeft(attempt: Pick<Attempt, "createdAt">, now: Date = new Date()): number {
  const left = attempt.createdAt.getTime() + AUTH0_TRANSACTION_LIFETIME_MS - TRANSACTION_SAFETY_MARGIN_MS - now.getTime();
  return Math.max(1, Math.floor(left / 60_000));
}

export function auth0TransactionExpired(attempt: Pick<Attempt, "createdAt">, now: Date = new Date()): boolean {
  return now.getTime() - attempt.createdAt.getTime() >= AUTH0_TRANSACTION_LIFETIME_MS - TRANSACTION_SAFETY_MARGIN_MS;
}

/**
 * Called by resume() before it signs a return token: when Auth0's transaction has
 * ended, records auth0_transaction_expired (the timeline always; the attempt's failure
 * code when it has none yet, i.e. a verification that succeeded: an earlier failure
 * keeps its own code) and returns true, so no continue form is made.
 */
export async function refuseExpiredTransaction(attempt: Attempt, now: Date = new Date()): Promise<boolean> {
  if (!auth0TransactionExpired(attempt, now)) return false;
  const db = await getDb();
  const { count } = await db.attempt.updateMany({
    where: { id: attempt.id, failureCode: null },
    data: { failureCode: "auth0_transaction_expired", failureStep: "resumed" },
  });
  if (count === 1) Object.assign(attempt, { failureCode: "auth0_transaction_expired", failureStep: "resumed" });
  await addEvent(attempt, "resumed", "error", {
    code: "auth0_transaction_expired",
    description: "Auth0's login transaction is older than one hour: not sent back to /continue; the person was asked to sign in again",
  });
  return true;
}

/** What the person reads instead of a way back (lib/flow/view's OutcomeText shape). */
export function expiredTransactionText(attempt: Pick<Attempt, "status">) {
  return {
    title: "This sign-in has expired",
    body:
      "Auth0 ends a sign-in after one hour, so this one can no longer continue. Go back to the application and sign in again" +
      (attempt.status === "verified" ? ": your verification is saved, so you will not have to verify again." : ".") +
      " If it keeps happening, contact support with the reference code below.",
    tone: "warn" as const,
  };
}

/**
 * An attempt left unfinished (the person went Back from the provider, or never chose on
 * the portal's page) cannot go back to Auth0 once its transaction has ended: it is closed
 * with attempt_abandoned when next read (and by the maintenance job, lib/lifecycle).
 * Returns the attempt as it now is.
 */
export async function closeIfAbandoned(attempt: Attempt, now: Date = new Date()): Promise<Attempt> {
  if (TERMINAL.has(attempt.status) || !auth0TransactionExpired(attempt, now)) return attempt;
  await fail(
    attempt,
    new FlowError("attempt_abandoned", `left ${attempt.status} until Auth0's one-hour login transaction ended; closed by the portal`),
  );
  return (await findAttempt(attempt.id)) ?? attempt;
}

/**
 * The maintenance job's sweep (lib/jobs, with the retention purge): every attempt still
 * started or at the provider after Auth0's transaction ended is closed as abandoned,
 * in batches of `batch`, each attempt with its event. Returns how many were closed.
 */
export async function closeAbandonedAttempts(now: Date = new Date(), batch = 500): Promise<number> {
  const db = await getDb();
  const before = new Date(now.getTime() - (AUTH0_TRANSACTION_LIFETIME_MS - TRANSACTION_SAFETY_MARGIN_MS));
  let closed = 0;
  for (;;) {
    const stale = await db.attempt.findMany({
      where: { status: { in: ["started", "at_provider"] }, createdAt: { lte: before } },
      orderBy: { createdAt: "asc" },
      take: batch,
    });
    let batchClosed = 0;
    for (const attempt of stale) if ((await closeIfAbandoned(attempt, now)).status === "error") batchClosed += 1;
    closed += batchClosed;
    // A full batch of which none could be closed (moved meanwhile) would come back again: stop.
    if (stale.length < batch || batchClosed === 0) return closed;
  }
}
