import { getDb, transaction, type DbClient } from "../db/client";
import { emitAttemptEnded } from "../events/emit";
import type { Attempt, EventOutcome } from "../db/generated/client";
import { log } from "../log";
import { observeEvent, observeMove } from "../metrics/observe";
import { newId, newReferenceCode } from "./reference";
import { FAILURES, FlowError, canMove, returnStatusFor, type AttemptState, type FailureCode, type Step } from "./states";

/**
 * Attempts and their timelines: the only code that moves an attempt between
 * states. A move and the event that says why are written together: each
 * function takes the caller's transaction client, or opens its own.
 */

export type { Attempt };

export interface OpenAttempt {
  auth0UserId?: string | null;
  auth0ClientId?: string | null;
  auth0State?: string | null;
  personId?: string | null;
  provider: string;
  policy: Attempt["policy"];
  scopes: string[];
  requiredGroup?: string | null;
  /** The browser binding and the consent page's hints (lib/flow/binding.ts). */
  browserHash?: string | null;
  accountHint?: string | null;
  appLabel?: string | null;
}

export async function openAttempt(data: OpenAttempt, client?: DbClient): Promise<Attempt> {
  const db = client ?? (await getDb());
  for (let tries = 0; tries < 4; tries++) {
    // ON CONFLICT DO NOTHING: a reference code collision (astronomically rare) returns
    // nothing instead of failing, so this also works inside a caller's transaction.
    const [created] = await db.attempt.createManyAndReturn({
      data: [
        {
          id: newId("att"),
          referenceCode: newReferenceCode(),
          auth0UserId: data.auth0UserId ?? null,
          auth0ClientId: data.auth0ClientId ?? null,
          auth0State: data.auth0State ?? null,
          personId: data.personId ?? null,
          provider: data.provider,
          policy: data.policy,
          scopes: data.scopes,
          requiredGroup: data.requiredGroup ?? null,
          browserHash: data.browserHash ?? null,
          accountHint: data.accountHint ?? null,
          appLabel: data.appLabel ?? null,
        },
      ],
      skipDuplicates: true,
    });
    if (created) return created;
  }
  throw new Error("no free reference code after four tries");
}

export async function findAttempt(id: string | undefined | null): Promise<Attempt | null> {
  if (!id || id.length > 64) return null;
  const db = await getDb();
  return db.attempt.findUnique({ where: { id } });
}

type EventStep = Step | "callback_replayed" | "start_repeated" | "browser_refused" | "retried" | "sent_to_chooser" | "chosen";

export interface EventEntry {
  step: EventStep;
  outcome: EventOutcome;
  code?: string;
  description?: string;
}

export async function addEvent(
  attempt: Pick<Attempt, "id" | "referenceCode">,
  step: EventStep,
  outcome: EventOutcome,
  detail: { code?: string; description?: string } = {},
  client?: DbClient,
) {
  await addEvents(attempt, [{ step, outcome, ...detail }], client);
}

/** Several events of one attempt in one statement (in order: ids ascend). */
export async function addEvents(attempt: Pick<Attempt, "id" | "referenceCode">, events: EventEntry[], client?: DbClient) {
  const db = client ?? (await getDb());
  await db.attemptEvent.createMany({
    data: events.map((e) => ({
      attemptId: attempt.id,
      step: e.step,
      outcome: e.outcome,
      errorCode: e.code ?? null,
      errorDescription: e.description?.slice(0, 500) ?? null,
    })),
  });
  for (const { step, outcome, code } of events) {
    log(outcome === "error" ? "warn" : "info", "attempt event", { ref: attempt.referenceCode, step, outcome, code });
    observeEvent(attempt.referenceCode, step, outcome, code);
  }
}

export type AttemptData = Partial<
  Pick<
    Attempt,
    "oauthState" | "nonce" | "codeVerifier" | "recordId" | "checkedAt" | "failureCode" | "failureStep" | "personId" | "providerUuid"
  >
>;

/**
 * Moves the attempt from one of `from` to `to`, atomically: when another
 * request (a reload, a double submit) moved it first, nothing happens and
 * false is returned.
 */
export async function move(
  attempt: Attempt,
  to: AttemptState,
  data: AttemptData = {},
  from: AttemptState[] = [attempt.status],
  client?: DbClient,
): Promise<boolean> {
  for (const f of from) if (!canMove(f, to)) throw new Error(`illegal transition ${f} → ${to}`);
  const db = client ?? (await getDb());
  const terminal = to === "verified" || to === "failed" || to === "declined" || to === "error";
  const { count } = await db.attempt.updateMany({
    where: { id: attempt.id, status: { in: from } },
    data: { ...data, status: to, ...(terminal ? { returnStatus: returnStatusFor(to) } : {}) },
  });
  if (count === 1) Object.assign(attempt, data, { status: to });
  if (count === 1) observeMove(attempt, to);
  return count === 1;
}

/** Ends the attempt with a failure code and its event, together; returns false when it had already ended. */
export async function fail(attempt: Attempt, err: FlowError, client?: DbClient): Promise<boolean> {
  if (!client) return transaction((tx) => fail(attempt, err, tx));
  const def = FAILURES[err.code];
  const from = (["started", "at_provider", "returned"] as AttemptState[]).filter((s) => canMove(s, def.state));
  const moved = await move(attempt, def.state, { failureCode: err.code, failureStep: def.step }, from, client);
  if (moved) await addEvent(attempt, def.step, "error", { code: err.code, description: err.description }, client);
  if (moved) await emitAttemptEnded(client, attempt.id, err.code);
  return moved;
}

/** A failure before any attempt could be tied to the request (no cookie, unknown state, bad token): opened and ended together. */
export async function openFailedAttempt(data: OpenAttempt, code: FailureCode, description: string): Promise<Attempt> {
  return transaction(async (tx) => {
    const attempt = await openAttempt(data, tx);
    await fail(attempt, new FlowError(code, description), tx);
    return attempt;
  });
}

/** Notes the return to Auth0 (once; a repeat is an "again" event), in one statement: the mark and its event land together. */
export async function markResumed(attempt: Attempt): Promise<void> {
  const db = await getDb();
  const said = `returned to Auth0 with status ${attempt.returnStatus ?? returnStatusFor(attempt.status)}`;
  const [row] = await db.$queryRaw<{ outcome: EventOutcome }[]>`
    WITH moved AS (
      UPDATE attempt SET resumed_at = ${new Date().toISOString()}::timestamptz WHERE id = ${attempt.id} AND resumed_at IS NULL RETURNING id
    )
    INSERT INTO attempt_event (attempt_id, step, outcome, error_description)
    SELECT ${attempt.id}, 'resumed',
           (CASE WHEN EXISTS (SELECT 1 FROM moved) THEN 'ok' ELSE 'info' END)::"EventOutcome",
           ${said} || CASE WHEN EXISTS (SELECT 1 FROM moved) THEN '' ELSE ' (again)' END
    RETURNING outcome`;
  const outcome = row?.outcome ?? "info";
  log("info", "attempt event", { ref: attempt.referenceCode, step: "resumed", outcome });
  observeEvent(attempt.referenceCode, "resumed", outcome);
}
