import { getDb } from "../db/client";
import { readMigrations } from "../db/migrate";
import { providerFor } from "../providers";
import { connectionOf, globalSettings } from "../settings";
import { env } from "../env";
import { refusalsSince } from "../ratelimit";
import { singleFlight } from "./cache";
import { keyUsage } from "../rotation";

/**
 * Three answers about this instance:
 * - live (/api/health/live, public): the process answers. Nothing else.
 * - ready (/api/health/ready, public, for load balancers): the database answers
 *   and every migration is applied. No outbound calls, so a provider outage
 *   never takes instances out of rotation.
 * - the report (/api/health, staff only): the same with details, each provider
 *   in use (checked at most every 30 s, one check at a time, whoever asks), and
 *   the requests refused by the rate limits in the last 24 hours, and how many
 *   sealed values still use a key other than the active one (a key rotation's
 *   progress; counted at most every 30 s, as it reads every record).
 */

export interface Check {
  ok: boolean;
  detail: string;
  ms: number;
}

async function timed(fn: () => Promise<string>): Promise<Check> {
  const t = performance.now();
  try {
    const detail = await fn();
    return { ok: true, detail, ms: Math.round(performance.now() - t) };
  } catch (err) {
    return { ok: false, detail: (err as Error)?.message?.slice(0, 200) ?? "failed", ms: Math.round(performance.now() - t) };
  }
}

const database = () =>
  timed(async () => {
    const db = await getDb();
    await db.$queryRawUnsafe("SELECT 1");
    return "reachable";
  });

// The migration files do not change while the process runs.
let expected: Promise<string[]> | undefined;

const migrations = () =>
  timed(async () => {
    expected ??= readMigrations().then((all) => all.map((m) => m.name));
    const db = await getDb();
    const rows = await db.$queryRawUnsafe<{ migration_name: string }[]>(
      `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const applied = new Set(rows.map((r) => r.migration_name));
    const missing = (await expected).filter((name) => !applied.has(name));
    if (missing.length) throw new Error(`not applied: ${missing.join(", ")}`);
    return `${applied.size} applied`;
  });

export async function readiness(): Promise<{ ready: boolean; checks: { database: boolean; migrations: boolean } }> {
  const [db, mig] = await Promise.all([database(), migrations()]);
  return { ready: db.ok && mig.ok, checks: { database: db.ok, migrations: mig.ok } };
}

export const PROVIDER_CHECK_TTL_MS = 30_000;

/** Every provider in use: the global one and any an application overrides it with. */
async function checkProviders(): Promise<Record<string, Check>> {
  const providers: Record<string, Check> = {};
  try {
    const db = await getDb();
    const g = await globalSettings();
    const apps = await db.application.findMany({ where: { provider: { not: null } }, select: { provider: true }, distinct: ["provider"] });
    for (const id of new Set([g.provider, ...apps.map((a) => a.provider!)])) {
      providers[`provider:${id}`] = await timed(async () => {
        const conn = await connectionOf(id);
        if (!conn) throw new Error("no client configured");
        return providerFor(id).check({ ...conn, timeoutMs: Math.min(env().PROVIDER_TIMEOUT_MS, 5_000) });
      });
    }
  } catch (err) {
    providers.provider = { ok: false, detail: (err as Error)?.message?.slice(0, 200) ?? "failed", ms: 0 };
  }
  return providers;
}

type Holder = {
  providers?: ReturnType<typeof singleFlight<Record<string, Check>>>;
  keys?: ReturnType<typeof singleFlight<Awaited<ReturnType<typeof keyUsage>> | null>>;
};
const holder: Holder = ((globalThis as { __idvHealth?: Holder }).__idvHealth ??= {});

export async function health(): Promise<{
  ok: boolean;
  checks: Record<string, Check>;
  providersCheckedAt: string;
  rateLimitRefusals24h: Record<string, number> | null;
  encryptionKeys: { activeKey: string; valuesOnOldKeys: number } | null;
}> {
  holder.providers ??= singleFlight(checkProviders, PROVIDER_CHECK_TTL_MS);
  const [db, mig, providers] = await Promise.all([database(), migrations(), holder.providers.get()]);
  const checks = { database: db, migrations: mig, ...providers.value };
  const refusals = await refusalsSince(new Date(Date.now() - 24 * 3_600_000)).catch(() => null);
  holder.keys ??= singleFlight(() => keyUsage().catch(() => null), PROVIDER_CHECK_TTL_MS);
  const keys = await holder.keys.get();
  return {
    ok: Object.values(checks).every((c) => c.ok),
    checks,
    providersCheckedAt: new Date(providers.at).toISOString(),
    rateLimitRefusals24h: refusals,
    encryptionKeys: keys.value,
  };
}
