import { getDb, transaction, type Tx } from "../db/client";
import { Prisma } from "../db/generated/client";
import { outboxState, type OutboxState } from "./kick";

/**
 * The outbox runner: what the portal owes another system (a webhook delivery, lib/events/deliver.ts;
 * a revocation pushed to Auth0, lib/auth0/push.ts) is a row written in the change's own
 * transaction; this sends it afterwards, at least once, and keeps what each try did.
 *
 * A drain claims due rows with `FOR UPDATE SKIP LOCKED` and a lease (attempts + 1, and
 * next_attempt_at moved past the send), so two instances never send the same row at once and
 * one that dies mid-send only delays it until the lease ends. Each claimed row is sent by its
 * sender; then, in one transaction, the row is settled (sent; retried after the back-off; or
 * given up after `maxAttempts` tries, or at once when the sender says another try cannot
 * help) and the sender records the try (the delivery log, the audit entry). The settling
 * UPDATE only touches the lease this run holds (the same count of tries, still pending): an
 * admin's redelivery asked meanwhile starts its own count. In one process one drain runs at
 * a time; the job runner (lib/jobs) runs it on a schedule, and a kick (./kick.ts) right after
 * the change commits.
 *
 * Here rather than in lib/jobs: lib/jobs schedules runs (pg-boss or a timer) and imports the
 * senders; the senders use this, so it cannot depend on either.
 */

/** The outbox's table: the columns the runner reads and writes (names are constants of the code, never input). */
export interface OutboxTable {
  name: "webhook_delivery" | "auth0_push";
  /** The state column: 'pending', `done` once sent, 'failed' once given up. */
  state: "state" | "status";
  done: "delivered" | "done";
  /** Set to the try's end when sent. */
  doneAt: "delivered_at" | "done_at";
  /** next_attempt_at once settled: NULL, or kept as the last lease (a NOT NULL column). */
  settledNext: "null" | "kept";
  /** The table has an updated_at that every change sets. */
  updatedAt: boolean;
}

export interface Backoff {
  firstMs: number;
  factor: number;
  maxMs: number;
  /** ± this share of the wait at random, so retries spread (0: none). */
  jitter: number;
}

/** The wait after the `tries`-th failed try (1-based): firstMs × factor^(tries − 1), at most maxMs, with the jitter. */
export function backoffDelay(b: Backoff, tries: number, random: () => number = Math.random): number {
  const base = Math.min(b.firstMs * b.factor ** Math.max(0, tries - 1), b.maxMs);
  return b.jitter ? Math.round(base * (1 - b.jitter + 2 * b.jitter * random())) : base;
}

/** What a sender says of its try: sent; worth another try; or another try cannot help. */
export type Verdict = "sent" | "retry" | "give_up";

/** How the runner settled a try. */
export interface Settled {
  outcome: "done" | "retry" | "failed";
  /** This try's number (1-based). */
  tries: number;
  /** When the try ended. */
  at: Date;
  /** When the next try is due (retry only). */
  next: Date | null;
}

export interface TryOptions {
  now: () => Date;
  /** The sender's own time limit for its call, where it has one. */
  timeoutMs?: number;
}

/** What differs between outboxes: how a row is sent and what a try records. */
export interface Sender<Row, Try extends { verdict: Verdict }, Result> {
  /** The claimed row and what sending it needs; null when it is gone or no longer pending. */
  load(id: bigint): Promise<Row | null>;
  /** The call itself, outside any transaction. */
  send(row: Row, opts: TryOptions): Promise<Try>;
  /** Columns of the row this try sets besides the runner's (e.g. the last error). */
  columns?(row: Row, t: Try, s: Settled): Prisma.Sql[];
  /** What the try records, in the transaction that settles the row. */
  record(tx: Tx, row: Row, t: Try, s: Settled): Promise<void>;
  /** After the commit: the log line, and what the caller is told. */
  report(row: Row, t: Try, s: Settled): Result;
}

export interface OutboxConfig<Row, Try extends { verdict: Verdict }, Result> {
  table: OutboxTable;
  /** How long a claimed row is left to the instance sending it before another may take it. */
  leaseMs: number;
  maxAttempts: number;
  /** The wait after the `tries`-th failed try. */
  backoff: (tries: number) => number;
  /** globalThis key of this outbox's state in the process (./kick.ts). */
  stateKey: string;
  sender: Sender<Row, Try, Result>;
}

export interface DrainOptions {
  now?: () => Date;
  /** Rows claimed together (and sent at once); default 1. */
  batch?: number;
  /** Claims at the most before the drain ends (more are left to the next run); default 1. */
  rounds?: number;
  timeoutMs?: number;
}

export interface Outbox<Result> {
  state: OutboxState;
  /** Claims what is due and sends it, `rounds` times or until nothing is due; what each try did. */
  drain(opts?: DrainOptions): Promise<Result[]>;
  /** Sends one claimed row (`tries` counts this try) and settles it; null when it is no longer pending. */
  tryOne(id: bigint, tries: number, opts: TryOptions): Promise<Result | null>;
  /** When the earliest pending row is due; null when none is. */
  nextDue(): Promise<Date | null>;
}

export function defineOutbox<Row, Try extends { verdict: Verdict }, Result>(config: OutboxConfig<Row, Try, Result>): Outbox<Result> {
  const { table, sender } = config;
  const t = Prisma.raw(table.name);
  const state = Prisma.raw(table.state);
  const touched = (at: Date) => (table.updatedAt ? Prisma.sql`, updated_at = ${at}` : Prisma.empty);
  const holder = outboxState(config.stateKey);

  async function claim(at: Date, batch: number): Promise<{ id: bigint; attempts: number }[]> {
    const db = await getDb();
    return db.$queryRaw<{ id: bigint; attempts: number }[]>`
      UPDATE ${t} SET attempts = attempts + 1, next_attempt_at = ${new Date(at.getTime() + config.leaseMs)}${touched(at)}
      WHERE id IN (
        SELECT id FROM ${t} WHERE ${state} = 'pending' AND next_attempt_at <= ${at}
        ORDER BY next_attempt_at, id LIMIT ${batch} FOR UPDATE SKIP LOCKED)
      RETURNING id, attempts`;
  }

  function settle(verdict: Verdict, tries: number, at: Date): Settled {
    if (verdict === "sent") return { outcome: "done", tries, at, next: null };
    if (verdict === "give_up" || tries >= config.maxAttempts) return { outcome: "failed", tries, at, next: null };
    return { outcome: "retry", tries, at, next: new Date(at.getTime() + config.backoff(tries)) };
  }

  async function tryOne(id: bigint, tries: number, opts: TryOptions): Promise<Result | null> {
    const row = await sender.load(id);
    if (!row) return null;
    const sent = await sender.send(row, opts);
    const s = settle(sent.verdict, tries, opts.now());
    const newState = s.outcome === "done" ? table.done : s.outcome === "retry" ? "pending" : "failed";
    const next = s.next ?? (table.settledNext === "kept" ? Prisma.raw("next_attempt_at") : null);
    const set = [
      Prisma.sql`${state} = ${newState}, next_attempt_at = ${next}`,
      ...(s.outcome === "done" ? [Prisma.sql`${Prisma.raw(table.doneAt)} = ${s.at}`] : []),
      ...(sender.columns?.(row, sent, s) ?? []),
    ];
    await transaction(async (tx) => {
      // Only the lease this run holds: a redelivery asked meanwhile starts its own count.
      await tx.$executeRaw`
        UPDATE ${t} SET ${Prisma.join(set)}${touched(new Date())}
        WHERE id = ${id} AND attempts = ${tries} AND ${state} = 'pending'`;
      await sender.record(tx, row, sent, s);
    });
    return sender.report(row, sent, s);
  }

  async function drain(opts: DrainOptions = {}): Promise<Result[]> {
    while (holder.running) await holder.running.catch(() => undefined);
    const now = opts.now ?? (() => new Date());
    const run = (async () => {
      const results: Result[] = [];
      for (let round = 0; round < (opts.rounds ?? 1); round++) {
        const claimed = await claim(now(), opts.batch ?? 1);
        if (claimed.length === 0) break;
        const tried = await Promise.all(claimed.map((c) => tryOne(c.id, c.attempts, { now, timeoutMs: opts.timeoutMs })));
        results.push(...tried.filter((r): r is Awaited<Result> => r !== null));
      }
      return results;
    })();
    holder.running = run;
    try {
      return await run;
    } finally {
      if (holder.running === run) holder.running = undefined;
    }
  }

  async function nextDue(): Promise<Date | null> {
    const db = await getDb();
    const [row] = await db.$queryRaw<{ at: Date | null }[]>`SELECT min(next_attempt_at) AS at FROM ${t} WHERE ${state} = 'pending'`;
    return row?.at ?? null;
  }

  return { state: holder, drain, tryOne, nextDue };
}
