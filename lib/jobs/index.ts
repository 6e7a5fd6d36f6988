import PgBoss from "pg-boss";
import { env } from "../env";
import { log } from "../log";
import { runPurge } from "../lifecycle/purge";
import { closeAbandonedAttempts } from "../flow/auth0-transaction";
import { getDb } from "../db/client";
import { registerJobQueue, type QueueFigures } from "../metrics";
import { drainAuth0Pushes } from "../auth0/push";
import { runDeliveries } from "../events/deliver";
import { setDeliveryKicker } from "../events/kick";
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
  await ensureQueue(boss, AUTH0_PUSH_QUEUE, { name: AUTH0_PUSH_QUEUE, policy: "singleton", retryLimit: 0, expireInHours: 1 });
  await ensureQueue(boss, WEBHOOK_QUEUE, { name: WEBHOOK_QUEUE, policy: "standard", retryLimit: 0, expireInMinutes: 15 });
  await boss.schedule(PURGE_QUEUE, opts.cron ?? PURGE_CRON, {}, { tz: "UTC" });
  await boss.schedule(WEBHOOK_QUEUE, WEBHOOK_CRON, {}, { tz: "UTC" });
  await boss.work(PURGE_QUEUE, { pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 30, batchSize: 1 }, async () => purgeJob());
  await boss.schedule(AUTH0_PUSH_QUEUE, AUTH0_PUSH_CRON, {}, { tz: "UTC" });
  await ensureQueue(boss, FUNNEL_ROLLUP_QUEUE, { name: FUNNEL_ROLLUP_QUEUE, policy: "singleton", retryLimit: 0, expireInMinutes: 30 });
  await boss.schedule(FUNNEL_ROLLUP_QUEUE, FUNNEL_ROLLUP_CRON, {}, { tz: "UTC" });
  await boss.work(FUNNEL_ROLLUP_QUEUE, { pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 30, batchSize: 1 }, async () => {
    await rollUpAttemptFunnel();
  });
  await boss.work(AUTH0_PUSH_QUEUE, { pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 10, batchSize: 1 }, async () => {
    await drainAuth0Pushes();
  });
  await boss.work(WEBHOOK_QUEUE, { pollingIntervalSeconds: opts.webhookPollingSeconds ?? 2, batchSize: 1 }, async () => {
    await runDeliveries();
  });
  setDeliveryKicker((seconds) => {
    boss.send(WEBHOOK_QUEUE, {}, { startAfter: seconds }).catch(() => undefined);
  });
  // What was written while no instance ran (a restart, a deploy) goes now, not at the next minute.
  await boss.send(WEBHOOK_QUEUE, {});
  log("info", "jobs started", { step: "jobs", outcome: "pg-boss" });
  return {
    kind: "pg-boss",
    // graceful: a purge in flight finishes its batch loop (bounded by the timeout) before the pool closes.
    stop: () => {
      setDeliveryKicker(undefined);
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
  // Revocations pushed to Auth0: the minute sweep (lib/auth0/push.ts).
  let pushing: Promise<unknown> | null = null;
  const pushTimer = setInterval(() => {
    pushing ??= drainAuth0Pushes()
      .catch((err: unknown) => log("warn", "auth0 push drain failed", { step: "auth0.push", error: (err as Error)?.name }))
      .finally(() => (pushing = null));
  }, 60_000);
  pushTimer.unref();
  // The dashboard's funnel rollup: soon after start, then every five minutes.
  let rolling: Promise<unknown> | null = null;
  const rollUp = () => {
    rolling ??= rollUpAttemptFunnel()
      .catch((err: unknown) => log("warn", "funnel rollup failed", { step: "insight.rollup", error: (err as Error)?.name }))
      .finally(() => (rolling = null));
  };
  const rollupStart = setTimeout(rollUp, 30_000);
  rollupStart.unref();
  const rollupTimer = setInterval(rollUp, 5 * 60_000);
  rollupTimer.unref();
  // Webhook deliveries: a run every few seconds, and soon after an event is written.
  let delivering: Promise<unknown> | null = null;
  const deliver = () => {
    if (stopped || delivering) return;
    delivering = runDeliveries()
      .catch((err: unknown) => log("error", "webhook run failed", { step: "webhook.delivery", error: (err as Error)?.name }))
      .finally(() => (delivering = null));
  };
  const poll = setInterval(deliver, (opts.webhookPollingSeconds ?? 5) * 1000);
  poll.unref();
  setDeliveryKicker((seconds) => setTimeout(deliver, seconds * 1000).unref());
  log("info", "jobs started", { step: "jobs", outcome: "in-process" });
  return Promise.resolve({
    kind: "in-process",
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      clearInterval(pushTimer);
      clearTimeout(rollupStart);
      clearInterval(rollupTimer);
      clearInterval(poll);
      setDeliveryKicker(undefined);
      await Promise.all([running, pushing, delivering, rolling]);
    },
  });
}
