import { getDb } from "../db/client";
import { readMigrations } from "../db/migrate";
import { providerFor } from "../providers";
import { connectionFor, globalSettings } from "../settings";
import { env } from "../env";

/** What /api/health reports: each check with its outcome, nothing secret. */

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

export async function health(): Promise<{ ok: boolean; checks: Record<string, Check> }> {
  const database = await timed(async () => {
    const db = await getDb();
    await db.$queryRawUnsafe("SELECT 1");
    return "reachable";
  });
  const migrations = await timed(async () => {
    const db = await getDb();
    const rows = await db.$queryRawUnsafe<{ migration_name: string }[]>(
      `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const applied = new Set(rows.map((r) => r.migration_name));
    const missing = (await readMigrations()).filter((m) => !applied.has(m.name)).map((m) => m.name);
    if (missing.length) throw new Error(`not applied: ${missing.join(", ")}`);
    return `${applied.size} applied`;
  });
  // Every provider in use: the global one and any an application overrides it with.
  const providers: Record<string, Check> = {};
  try {
    const db = await getDb();
    const g = await globalSettings();
    const apps = await db.application.findMany({ where: { provider: { not: null } }, select: { provider: true }, distinct: ["provider"] });
    for (const id of new Set([g.provider, ...apps.map((a) => a.provider!)])) {
      providers[`provider:${id}`] = await timed(async () => {
        const conn = await connectionFor(id, g);
        if (!conn) throw new Error("no client configured");
        return providerFor(id).check({ ...conn, timeoutMs: Math.min(env().PROVIDER_TIMEOUT_MS, 5_000) });
      });
    }
  } catch (err) {
    providers.provider = { ok: false, detail: (err as Error)?.message?.slice(0, 200) ?? "failed", ms: 0 };
  }
  const checks = { database, migrations, ...providers };
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}
