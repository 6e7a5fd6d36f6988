import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { dbPool } from "../db/client";

/**
 * The portal's Prometheus metrics (catalogue: README "Metrics"). Labels are codes,
 * step names and provider ids only: never a person, a reference code or a URL.
 * One registry per process, kept on globalThis because Next.js may load this module
 * once per bundle (instrumentation, each route).
 */

export interface QueueFigures {
  queue: string;
  waiting: number;
  active: number;
  failed: number;
}

type QueueSource = () => Promise<QueueFigures[]>;

interface Metrics {
  registry: Registry;
  loginsStarted: Counter;
  loginsFinished: Counter<"provider" | "outcome" | "code">;
  stepSeconds: Histogram<"step">;
  providerSeconds: Histogram<"provider" | "operation" | "result">;
  providerErrors: Counter<"provider" | "operation" | "code">;
  queueSources: QueueSource[];
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function create(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const queueSources: QueueSource[] = [];

  new Gauge({
    name: "idv_db_pool_connections",
    help: "PostgreSQL pool connections by state (total = open, idle = open and unused); absent on the embedded database",
    labelNames: ["state"],
    registers,
    collect() {
      this.reset();
      const pool = dbPool();
      if (!pool) return;
      this.set({ state: "total" }, pool.totalCount);
      this.set({ state: "idle" }, pool.idleCount);
    },
  });
  new Gauge({
    name: "idv_db_pool_waiting_requests",
    help: "Queries waiting for a free PostgreSQL pool connection",
    registers,
    collect() {
      this.set(dbPool()?.waitingCount ?? 0);
    },
  });
  new Gauge({
    name: "idv_db_pool_max_connections",
    help: "Size limit of the PostgreSQL pool (DATABASE_POOL_MAX)",
    registers,
    collect() {
      this.set(dbPool()?.options.max ?? 0);
    },
  });
  new Gauge({
    name: "idv_job_queue_jobs",
    help: "Jobs per queue and state (waiting, active, failed), from every queue registered with registerJobQueue",
    labelNames: ["queue", "state"],
    registers,
    async collect() {
      this.reset();
      for (const source of queueSources) {
        for (const q of await source()) {
          this.set({ queue: q.queue, state: "waiting" }, q.waiting);
          this.set({ queue: q.queue, state: "active" }, q.active);
          this.set({ queue: q.queue, state: "failed" }, q.failed);
        }
      }
    },
  });

  return {
    registry,
    queueSources,
    loginsStarted: new Counter({
      name: "idv_logins_started_total",
      help: "Logins that arrived at the portal from the Auth0 Action (good token or not)",
      registers,
    }),
    loginsFinished: new Counter({
      name: "idv_logins_finished_total",
      help: "Attempts that reached an end state, by provider, outcome (verified, failed, declined, error) and failure code (none when verified)",
      labelNames: ["provider", "outcome", "code"],
      registers,
    }),
    stepSeconds: new Histogram({
      name: "idv_flow_step_duration_seconds",
      help: "Time the portal takes to answer each step of the flow (begin, start, decline, callback, resume), provider calls included",
      labelNames: ["step"],
      buckets: SECONDS,
      registers,
    }),
    providerSeconds: new Histogram({
      name: "idv_provider_request_duration_seconds",
      help: "Calls to a verification provider by operation (authorize: discovery and the authorize URL; complete: code exchange and userinfo) and result",
      labelNames: ["provider", "operation", "result"],
      buckets: SECONDS,
      registers,
    }),
    providerErrors: new Counter({
      name: "idv_provider_errors_total",
      help: "Failed calls to a verification provider, by operation and failure code",
      labelNames: ["provider", "operation", "code"],
      registers,
    }),
  };
}

const holder = globalThis as { __idvMetrics?: Metrics };

export function metrics(): Metrics {
  return (holder.__idvMetrics ??= create());
}

/**
 * The hook for a job queue's figures (idv_job_queue_jobs): lib/jobs registers the purge
 * queue's at start (on PostgreSQL).
 */
export function registerJobQueue(source: QueueSource): void {
  metrics().queueSources.push(source);
}

export async function renderMetrics(): Promise<{ body: string; contentType: string }> {
  const { registry } = metrics();
  return { body: await registry.metrics(), contentType: registry.contentType };
}
