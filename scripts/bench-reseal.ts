/**
 * The re-seal figure (not part of `npm test`): seeds N records (default
 * 1,000,000) with real sealed data under the old unnamed key (ENCRYPTION_KEY),
 * then runs `scripts/reseal.ts` in a child process with ENCRYPTION_KEYS naming a
 * new active key, while this process keeps doing what logins do: the status
 * check (lib/access accessFor, what GET /api/verification/status answers) and the
 * save of a check (ensurePerson + saveVerification in a transaction) on seeded
 * people. Prints the time taken, and the login-path latency during the re-seal as
 * a ratio to the same work measured just before it (the floor), with any errors.
 *
 *   DATABASE_URL=postgresql://…/empty_db ENCRYPTION_KEY=<old> ENCRYPTION_KEYS=k2:<new> \
 *     AUTH0_DOMAIN=… AUTH0_TOKEN_SECRET=… PORTAL_URL=… IDME_CLIENT_ID=… IDME_CLIENT_SECRET=… \
 *     npx tsx scripts/bench-reseal.ts [--count 1000000]
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { seedRecords } from "./seed-records";
import { sealSeeded, sealedSeedContent } from "./sealed-seed";
import { singleKeyRing } from "../lib/crypto/seal";
import { env } from "../lib/env";

const root = path.resolve(import.meta.dirname, "..");

interface Sample {
  ms: number[];
  errors: number;
}

function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function main() {
  const { values } = parseArgs({ options: { count: { type: "string", default: "1000000" }, batch: { type: "string", default: "1000" } } });
  const count = Number(values.count);
  const e = env();
  if (!e.DATABASE_URL) throw new Error("set DATABASE_URL to an empty PostgreSQL database");
  if (!e.keyRing.legacy || !e.keyRing.active) throw new Error("set ENCRYPTION_KEY (the old key) and ENCRYPTION_KEYS=k2:<new key>");
  const old = e.keyRing.legacy;
  const pool = new pg.Pool({ connectionString: e.DATABASE_URL, max: 2 });

  let t = performance.now();
  const seeded = await seedRecords({ url: e.DATABASE_URL, count, log: () => {} });
  const sealed = await sealSeeded(pool, () => ({ ring: singleKeyRing(old), lookupKey: old }), { batch: 10_000 });
  console.log(
    `seeded ${seeded.seeded.toLocaleString("en")} records, sealed ${sealed.toLocaleString("en")} under the old key in ${((performance.now() - t) / 1000).toFixed(0)} s`,
  );

  const { accessFor } = await import("../lib/access");
  const { ensurePerson, saveVerification } = await import("../lib/records/index");
  const { transaction } = await import("../lib/db/client");
  const { rows: people } = await pool.query<{
    id: string;
    provider: string;
    provider_uuid: string;
    auth0_user_id: string;
    policy: "identity" | "community";
    policy_key: string;
  }>(`SELECT id, provider, provider_uuid, auth0_user_id, policy, policy_key FROM verification_record TABLESAMPLE SYSTEM (1) LIMIT 2000`);

  // One login's database work: the status check, and every fourth login a fresh check saved.
  let n = 0;
  async function login(s: Sample) {
    const r = people[n++ % people.length]!;
    const t0 = performance.now();
    try {
      await accessFor(r.auth0_user_id, "sample-bank");
      if (n % 4 === 0) {
        const c = sealedSeedContent(r.id);
        await transaction(async (tx) => {
          const person = await ensurePerson(r.auth0_user_id, tx);
          await saveVerification(
            {
              personId: person.id,
              auth0UserId: r.auth0_user_id,
              auth0ClientId: "sample-bank",
              provider: r.provider,
              policy: r.policy,
              requiredGroup: r.policy === "community" ? r.policy_key.slice("community:".length) : null,
              intervalHours: 720,
              parsed: { uuid: r.provider_uuid, normalized: { uuid: r.provider_uuid, ...c.attributes }, groups: [] },
              rawUserinfo: c.raw,
              idTokenClaims: c.claims,
              verified: true,
              checkedAt: new Date(),
            },
            tx,
          );
        });
      }
      s.ms.push(performance.now() - t0);
    } catch (err) {
      s.errors++;
      if (s.errors < 5) console.error(`login-path error: ${(err as Error).message}`);
    }
  }
  async function loadFor(s: Sample, until: () => boolean, concurrency = 4) {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (!until()) await login(s);
      }),
    );
  }

  const floor: Sample = { ms: [], errors: 0 };
  const floorEnd = performance.now() + 15_000;
  await loadFor(floor, () => performance.now() > floorEnd);

  const during: Sample = { ms: [], errors: 0 };
  let finished = false;
  t = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/reseal.ts", "--batch", values.batch!], {
    cwd: root,
    env: process.env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  child.stdout.on("data", (c: Buffer) => process.stdout.write(c));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => ((finished = true), resolve(code))));
  await loadFor(during, () => finished);
  const code = await exited;
  const seconds = (performance.now() - t) / 1000;

  const line = (name: string, s: Sample) =>
    `${name}: ${s.ms.length} logins, p50 ${pct(s.ms, 50).toFixed(1)} ms, p95 ${pct(s.ms, 95).toFixed(1)} ms, errors ${s.errors}`;
  console.log(
    `\nre-seal of ${count.toLocaleString("en")} records: ${seconds.toFixed(1)} s (${Math.round(count / seconds)} records/s), exit ${code}`,
  );
  console.log(line("login path before (floor)", floor));
  console.log(line("login path during re-seal", during));
  console.log(
    `ratio during/floor: p50 ${(pct(during.ms, 50) / pct(floor.ms, 50)).toFixed(2)}, p95 ${(pct(during.ms, 95) / pct(floor.ms, 95)).toFixed(2)}; login throughput ${(during.ms.length / seconds / (floor.ms.length / 15)).toFixed(2)} of the floor`,
  );
  await pool.end();
  process.exit(code === 0 && during.errors === 0 ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
