import { getDb, transaction, type DbClient } from "../db/client";
import { emitAttemptEnded } from "../events/emit";
import { Prisma, type Attempt, type EventOutcome } from "../db/generated/client";
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

/** Every column of `attempt` under its Prisma field name: a raw statement's row is an Attempt. */
const ATTEMPT_ROW = Prisma.raw(
  [
    "id",
    'reference_code AS "referenceCode"',
    'person_id AS "personId"',
    'record_id AS "recordId"',
    'auth0_user_id AS "auth0UserId"',
    'auth0_client_id AS "auth0ClientId"',
    'auth0_state AS "auth0State"',
    "provider",
    "policy::text AS policy",
    "scopes",
    'required_group AS "requiredGroup"',
    "status::text AS status",
    'oauth_state AS "oauthState"',
    "nonce",
    'code_verifier AS "codeVerifier"',
    'chooser_state AS "chooserState"',
    'chooser_expires_at AS "chooserExpiresAt"',
    'provider_choice AS "providerChoice"',
    'provider_uuid AS "providerUuid"',
    'return_status AS "returnStatus"',
    'failure_step AS "failureStep"',
    'failure_code AS "failureCode"',
    'checked_at AS "checkedAt"',
    'resumed_at AS "resumedAt"',
    'created_at AS "createdAt"',
    'updated_at AS "updatedAt"',
    'browser_hash AS "browserHash"',
    'account_hint AS "accountHint"',
    'app_label AS "appLabel"',
  ].join(", "),
);

/** Rows of attempt_event for a statement's VALUES, in order (`ord`). */
function eventValues(events: EventEntry[]): Prisma.Sql {
  return Prisma.sql`(VALUES ${Prisma.join(
    events.map(
      (e, i) =>
        Prisma.sql`(${i}::int, ${e.step}::text, ${e.outcome}::text, ${e.code ?? null}::text, ${e.description?.slice(0, 500) ?? null}::text)`,
    ),
  )}) AS v (ord, step, outcome, code, description)`;
}

/**
 * Opens an attempt (status started) with its first events, in one statement. `data.id`: an
 * id chosen beforehand (the entry token's claim names it).
 */
export async function openAttempt(data: OpenAttempt & { id?: string }, client?: DbClient, events: EventEntry[] = []): Promise<Attempt> {
  const db = client ?? (await getDb());
  const id = data.id ?? newId("att");
  const now = new Date().toISOString();
  const logged = events.length
    ? Prisma.sql`, logged AS (
        INSERT INTO attempt_event (attempt_id, step, outcome, error_code, error_description, at)
        SELECT a.id, v.step, v.outcome::"EventOutcome", v.code, v.description, ${now}::timestamptz
        FROM a CROSS JOIN ${eventValues(events)} ORDER BY v.ord
      )`
    : Prisma.empty;
  for (let tries = 0; tries < 4; tries++) {
    // ON CONFLICT DO NOTHING: a reference code collision (astronomically rare) returns
    // nothing (and writes no event) instead of failing, so this also works inside a caller's transaction.
    const [created] = await db.$queryRaw<Attempt[]>`
      WITH a AS (
        INSERT INTO attempt (id, reference_code, auth0_user_id, auth0_client_id, auth0_state, person_id, provider, policy,
          scopes, required_group, browser_hash, account_hint, app_label, created_at, updated_at)
        VALUES (${id}, ${newReferenceCode()}, ${data.auth0UserId ?? null}::text, ${data.auth0ClientId ?? null}::text,
          ${data.auth0State ?? null}::text, ${data.personId ?? null}::text, ${data.provider}, ${data.policy}::"Policy",
          ${data.scopes}::text[], ${data.requiredGroup ?? null}::text, ${data.browserHash ?? null}::text,
          ${data.accountHint ?? null}::text, ${data.appLabel ?? null}::text, ${now}::timestamptz, ${now}::timestamptz)
        ON CONFLICT DO NOTHING
        RETURNING ${ATTEMPT_ROW}
      )${logged}
      SELECT * FROM a`;
    if (created) {
      noted(created, events);
      return created;
    }
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
  noted(attempt, events);
}

/** Events written: in the log (reference, step, outcome, code: never personal data) and the metrics. */
function noted(attempt: Pick<Attempt, "referenceCode">, events: EventEntry[]) {
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

/** The column of each field a move may set (AttemptData). */
const MOVE_COLUMNS: Record<keyof AttemptData, string> = {
  oauthState: "oauth_state",
  nonce: "nonce",
  codeVerifier: "code_verifier",
  recordId: "record_id",
  checkedAt: "checked_at",
  failureCode: "failure_code",
  failureStep: "failure_step",
  personId: "person_id",
  providerUuid: "provider_uuid",
};

/** The events of a move: written only when it moved (the default), or whether it moved or not. */
export interface MoveEvents {
  events: EventEntry[];
  when?: "moved" | "always";
}

/**
 * Moves the attempt from one of `from` to `to`, atomically: when another
 * request (a reload, a double submit) moved it first, nothing happens and
 * false is returned. With `withEvents`, the events that say why are written by the
 * same statement (one round trip: the move and its events land together).
 */
export async function move(
  attempt: Attempt,
  to: AttemptState,
  data: AttemptData = {},
  from: AttemptState[] = [attempt.status],
  client?: DbClient,
  withEvents?: MoveEvents,
): Promise<boolean> {
  for (const f of from) if (!canMove(f, to)) throw new Error(`illegal transition ${f} → ${to}`);
  const db = client ?? (await getDb());
  const terminal = to === "verified" || to === "failed" || to === "declined" || to === "error";
  const now = new Date().toISOString();
  const sets = [
    Prisma.sql`status = ${to}::"AttemptStatus"`,
    Prisma.sql`updated_at = ${now}::timestamptz`,
    ...(terminal ? [Prisma.sql`return_status = ${returnStatusFor(to)}`] : []),
    ...(Object.entries(data) as [keyof AttemptData, string | Date | null | undefined][])
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => {
        const column = Prisma.raw(`"${MOVE_COLUMNS[k]}"`);
        return v instanceof Date ? Prisma.sql`${column} = ${v.toISOString()}::timestamptz` : Prisma.sql`${column} = ${v ?? null}::text`;
      }),
  ];
  const events = withEvents?.events ?? [];
  const eventRows = events.length
    ? Prisma.sql`, logged AS (
        INSERT INTO attempt_event (attempt_id, step, outcome, error_code, error_description, at)
        SELECT ${attempt.id}, v.step, v.outcome::"EventOutcome", v.code, v.description, ${now}::timestamptz
        FROM ${eventValues(events)}
        ${withEvents?.when === "always" ? Prisma.empty : Prisma.sql`WHERE EXISTS (SELECT 1 FROM moved)`}
        ORDER BY v.ord
      )`
    : Prisma.empty;
  const [row] = await db.$queryRaw<{ n: number }[]>`
    WITH moved AS (
      UPDATE attempt SET ${Prisma.join(sets)}
      WHERE id = ${attempt.id} AND status::text = ANY(${from}::text[])
      RETURNING id
    )${eventRows}
    SELECT count(*)::int AS n FROM moved`;
  const moved = row?.n === 1;
  if (moved) Object.assign(attempt, data, { status: to });
  if (moved) observeMove(attempt, to);
  if (moved || withEvents?.when === "always") noted(attempt, events);
  return moved;
}

/** Ends the attempt with a failure code and its event, together; returns false when it had already ended. */
export async function fail(attempt: Attempt, err: FlowError, client?: DbClient): Promise<boolean> {
  if (!client) return transaction((tx) => fail(attempt, err, tx));
  const def = FAILURES[err.code];
  const from = (["started", "at_provider", "returned"] as AttemptState[]).filter((s) => canMove(s, def.state));
  const moved = await move(attempt, def.state, { failureCode: err.code, failureStep: def.step }, from, client, {
    events: [{ step: def.step, outcome: "error", code: err.code, description: err.description }],
  });
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
