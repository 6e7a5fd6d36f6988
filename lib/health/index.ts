import { getDb } from "../db/client";
import { readMigrations } from "../db/migrate";
import { providerFor } from "../providers";
import { effectiveSettings } from "../settings";
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
  const provider = await timed(async () => {
    const s = await effectiveSettings(null);
    return providerFor(s.provider).check({ baseUrl: s.baseUrl, clientId: s.clientId, clientSecret: s.clientSecret, timeoutMs: Math.min(env().PROVIDER_TIMEOUT_MS, 5_000) });
  });
  const checks = { database, migrations, provider };
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}
