import PgBoss from "pg-boss";
import { env } from "../env";
import { log } from "../log";
import { runPurge } from "../lifecycle/purge";
import { closeAbandonedAttempts } from "../flow/auth0-transaction";
import { getDb } from "../db/client";
import { registerJobQueue, type QueueFigures } from "../metrics";
import { drainAuth0Pushes } from "../auth0/push";
import { deliveryOutbox, runDeliveries } from "../events/deliver";
import { inProcessKicker, setKicker, type OutboxState } from "../outbox/kick";
import { rollUpAttemptFunnel } from "../insight/funnel-rollup";

/**
 * The portal's scheduled jobs (the retention purge, lib/lifecycle/purge.ts, and the minute
 * sweep of revocations pushed to Auth0, lib/auth0/push.ts),
 * started with the portal (lib/startup.ts) and stopped at shutdown (lib/shutdown.ts).
 *
 * On PostgreSQL they run on pg-boss: its cron is kept in the database and turned into one job
 * per tick whatever the number of instances (the instances take turns checking the clock,
 * and a tick's job is a singleton), any one instance's worker takes it (`SKIP LOCKED`), and
 * the queue's `singleton` policy lets only one be active at a time. An instance that dies
 * mid-run leaves the job to expire and the next tick to start afresh. On the embedded
 * database there is one process: a timer in it does the same.
 */

export const PURGE_QUEUE = "idv-retention-purge";
/**
 * Outgoing webhooks (lib/events/deliver.ts): a run sends the due deliveries of the outbox.
 * Each event written asks for a run a moment later; the minute schedule is the safety net
 * (a kick lost, retries, expiries to tell).
 */
export const WEBHOOK_QUEUE = "idv-webhooks";
export const WEBHOOK_CRON = "* * * * *";
/** Every day at 03:17 UTC (a quiet hour in most places the portal serves; not on the hour, where other cron jobs crowd). */
export const PURGE_CRON = "17 3 * * *";
const PGBOSS_SCHEMA = "pgboss";
/** Revocations pushed to Auth0 (lib/auth0/push.ts): what the post-change nudge missed, and the retries, every minute. */
export const AUTH0_PUSH_QUEUE = "idv-auth0-push";
export const AUTH0_PUSH_CRON = "* * * * *";
/** The dashboard's funnel rolled up per settled hour (lib/insight/funnel-rollup.ts); the dashboard is exact whether or not it has run. */
export const FUNNEL_ROLLUP_QUEUE = "idv-funnel-rollup";
export const FUNNEL_ROLLUP_CRON = "*/5 * * * *";

/**
 * The outboxes (lib/outbox), each run as a job: a pg-boss queue on a minute schedule (the safety
 * net: a kick lost, retries due) or, on the embedded database, a timer. Kicks of an outbox with
 * `kicks` go through its queue (any instance takes them) and a run at start sends what was
 * written while no instance ran; the Auth0 push kicks a drain in the writing process itself.
 */
interface OutboxJob {
  queue: string;
  cron: string;
  queueOptions: Omit<PgBoss.Queue, "name">;
  /** How often (seconds) the pg-boss worker asks for a job. */
  pollingSeconds: (opts: JobOptions) => number;
  /** The embedded database's timer (seconds). */
  everySeconds: (opts: JobOptions) => number;
  run: () => Promise<unknown>;
  kicks?: OutboxState;
  failed: { level: "warn" | "error"; msg: string; step: string };
}

const OUTBOX_JOBS: OutboxJob[] = [
  {
    queue: WEBHOOK_QUEUE,
    cron: WEBHOOK_CRON,
    queueOptions: { policy: "standard", retryLimit: 0, expireInMinutes: 15 },
    pollingSeconds: (opts) => opts.webhookPollingSeconds ?? 2,
    everySeconds: (opts) => opts.webhookPollingSeconds ?? 5,
    run: runDeliveries,
    kicks: deliveryOutbox.state,
    failed: { level: "error", msg: "webhook run failed", step: "webhook.delivery" },
  },
  {
    queue: AUTH0_PUSH_QUEUE,
    cron: AUTH0_PUSH_CRON,
    queueOptions: { policy: "singleton", retryLimit: 0, expireInHours: 1 },
    pollingSeconds: (opts) => opts.pollingIntervalSeconds ?? 10,
    everySeconds: () => 60,
    run: () => drainAuth0Pushes(),
    failed: { level: "warn", msg: "auth0 push drain failed", step: "auth0.push" },
  },
];

export interface Jobs {
  kind: "pg-boss" | "in-process";
  stop(): Promise<void>;
}

export interface JobOptions {
  /** A cron expression (UTC) for the purge; tests use a short one. */
  cron?: string;
  /** How often (seconds) each instance asks for webhook runs; default 2. */
  webhookPollingSeconds?: number;
  /** pg-boss's own polling (seconds), for tests; the defaults suit production. */
  pollingIntervalSeconds?: number;
  cronMonitorIntervalSeconds?: number;
}

const holder: { jobs?: Promise<Jobs>; metrics?: boolean } = ((globalThis as { __idvJobs?: { jobs?: Promise<Jobs> } }).__idvJobs ??= {});

/** The purge queue's jobs by state, for idv_job_queue_jobs (read from pg-boss's table; none before it exists). */
async function queueFigures(): Promise<QueueFigures[]> {
  try {
    const rows = await (
      await getDb()
    ).$queryRawUnsafe<{ state: string; n: number }[]>(
      `SELECT state::text AS state, count(*)::int AS n FROM ${PGBOSS_SCHEMA}.job WHERE name = $1 AND state IN ('created', 'retry', 'active', 'failed') GROUP BY state`,
      PURGE_QUEUE,
    );
    const n = (...states: string[]) => rows.filter((r) => states.includes(r.state)).reduce((sum, r) => sum + r.n, 0);
    return [{ queue: PURGE_QUEUE, waiting: n("created", "retry"), active: n("active"), failed: n("failed") }];
  } catch {
    return [];
  }
}

/** Starts the jobs once per process (the same handle for every caller). */
export function startJobs(opts: JobOptions = {}): Promise<Jobs> {
  if (env().DATABASE_URL && !holder.metrics) {
    holder.metrics = true;
    registerJobQueue(queueFigures);
  }
  holder.jobs ??= (env().DATABASE_URL ? startPgBoss(env().DATABASE_URL!, opts) : startInProcess(opts)).catch((err: unknown) => {
    holder.jobs = undefined;
    throw err;
  });
  return holder.jobs;
}

/** Stops what startJobs started, letting a purge batch in flight finish (lib/shutdown.ts). */
export async function stopJobs(): Promise<void> {
  const jobs = holder.jobs;
  holder.jobs = undefined;
  if (jobs) await (await jobs.catch(() => null))?.stop();
}

async function purgeJob(): Promise<void> {
  // Attempts left unfinished past Auth0's one-hour transaction get their own code (lib/flow/auth0-transaction.ts).
  const abandoned = await closeAbandonedAttempts();
  if (abandoned > 0) log("info", `${abandoned} abandoned attempts closed`, { step: "maintenance", code: "attempt_abandoned" });
  const run = await runPurge({ trigger: "schedule" });
  if (!run.ran) log("info", "purge skipped: another run holds the lock", { step: "retention.purge", outcome: "busy" });
}

/** A pg-boss instance running the purge on `cron`; exported for the test that starts two "instances" in one process. */
export async function startPgBoss(connectionString: string, opts: JobOptions = {}): Promise<Jobs> {
  const boss = new PgBoss({
    connectionString,
    schema: PGBOSS_SCHEMA,
    application_name: "idv-portal jobs",
    // Its own small pool: a cron check, a worker poll and its maintenance.
    max: 2,
    ...(opts.cronMonitorIntervalSeconds ? { cronMonitorIntervalSeconds: opts.cronMonitorIntervalSeconds } : {}),
  });
  // pg-boss reports connection trouble as events; unhandled, an event would end the process.
  boss.on("error", (err: Error) => log("warn", "job runner error", { step: "jobs", error: err?.name }));
  await boss.start();
  await ensureQueue(boss);
  await boss.schedule(PURGE_QUEUE, opts.cron ?? PURGE_CRON, {}, { tz: "UTC" });
  await boss.work(PURGE_QUEUE, { pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 30, batchSize: 1 }, async () => purgeJob());
  for (const job of OUTBOX_JOBS) {
    await ensureQueue(boss, job.queue, { name: job.queue, ...job.queueOptions });
    await boss.schedule(job.queue, job.cron, {}, { tz: "UTC" });
    await boss.work(job.queue, { pollingIntervalSeconds: job.pollingSeconds(opts), batchSize: 1 }, async () => {
      await job.run();
    });
    if (!job.kicks) continue;
    setKicker(job.kicks, (ms) => {
      boss.send(job.queue, {}, { startAfter: Math.ceil(ms / 1000) }).catch(() => undefined);
    });
    // What was written while no instance ran (a restart, a deploy) goes now, not at the next minute.
    await boss.send(job.queue, {});
  }
  await ensureQueue(boss, FUNNEL_ROLLUP_QUEUE, { name: FUNNEL_ROLLUP_QUEUE, policy: "singleton", retryLimit: 0, expireInMinutes: 30 });
  await boss.schedule(FUNNEL_ROLLUP_QUEUE, FUNNEL_ROLLUP_CRON, {}, { tz: "UTC" });
  await boss.work(FUNNEL_ROLLUP_QUEUE, { pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 30, batchSize: 1 }, async () => {
    await rollUpAttemptFunnel();
  });
  log("info", "jobs started", { step: "jobs", outcome: "pg-boss" });
  return {
    kind: "pg-boss",
    // graceful: a purge in flight finishes its batch loop (bounded by the timeout) before the pool closes.
    stop: () => {
      for (const job of OUTBOX_JOBS) if (job.kicks) setKicker(job.kicks, undefined);
      return boss.stop({ graceful: true, wait: true, timeout: 20_000 });
    },
  };
}

/**
 * Creates a queue (the purge's by default) unless it exists. Instances starting together may both try, and
 * pg-boss's creation (a table partition) can then fail one of them with a deadlock: that one
 * waits a moment and looks again, until the other's creation is committed.
 */
async function ensureQueue(
  boss: PgBoss,
  name = PURGE_QUEUE,
  options: PgBoss.Queue = { name: PURGE_QUEUE, policy: "singleton", retryLimit: 0, expireInHours: 6 },
  attempts = 8,
): Promise<void> {
  for (let i = 1; ; i++) {
    if (await boss.getQueue(name)) return;
    try {
      await boss.createQueue(name, options);
      return;
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 100 * i + Math.random() * 200));
    }
  }
}

/** The embedded database's scheduler: a timer for the next tick of a daily "M H * * *" cron (the only shape PURGE_CRON has). */
function startInProcess(opts: JobOptions): Promise<Jobs> {
  const [minute, hour] = (opts.cron ?? PURGE_CRON).split(/\s+/).map(Number);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let stopped = false;
  const arm = () => {
    if (stopped) return;
    const now = new Date();
    const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hour ?? 3, minute ?? 17));
    if (next.getTime() <= now.getTime()) next.setUTCDate(next.getUTCDate() + 1);
    timer = setTimeout(() => {
      running = purgeJob()
        .catch((err: unknown) => log("error", "purge job failed", { step: "retention.purge", error: (err as Error)?.name }))
        .finally(() => {
          running = null;
          arm();
        });
    }, next.getTime() - now.getTime());
    timer.unref(); // never what keeps the process alive
  };
  arm();
  // The outboxes: a run on their timer, and (where kicks go through the runner) soon after a kick; one at a time.
  const outboxes = OUTBOX_JOBS.map((job) => {
    let current: Promise<unknown> | null = null;
    const run = () => {
      if (!stopped)
        current ??= job
          .run()
          .catch((err: unknown) => log(job.failed.level, job.failed.msg, { step: job.failed.step, error: (err as Error)?.name }))
          .finally(() => (current = null));
      return Promise.resolve();
    };
    const poll = setInterval(run, job.everySeconds(opts) * 1000);
    poll.unref();
    if (job.kicks)
      setKicker(
        job.kicks,
        inProcessKicker(job.kicks, run, () => undefined),
      );
    return { job, poll, current: () => current };
  });
  // The dashboard's funnel rollup: soon after start, then every five minutes.
  let rolling: Promise<unknown> | null = null;
  const rollUp = () => {
    if (stopped) return;
    rolling ??= rollUpAttemptFunnel()
      .catch((err: unknown) => log("warn", "funnel rollup failed", { step: "insight.rollup", error: (err as Error)?.name }))
      .finally(() => (rolling = null));
  };
  const rollupStart = setTimeout(rollUp, 30_000);
  rollupStart.unref();
  const rollupTimer = setInterval(rollUp, 5 * 60_000);
  rollupTimer.unref();
  log("info", "jobs started", { step: "jobs", outcome: "in-process" });
  return Promise.resolve({
    kind: "in-process",
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      for (const o of outboxes) {
        clearInterval(o.poll);
        if (o.job.kicks) setKicker(o.job.kicks, undefined);
      }
      clearTimeout(rollupStart);
      clearInterval(rollupTimer);
      await Promise.all([running, rolling, ...outboxes.map((o) => o.current())]);
    },
  });
}
