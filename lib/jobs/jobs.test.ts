import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import type { Jobs } from ".";

/**
 * The scheduled purge on pg-boss with two instances on one database (two job runners, as two
 * portal instances start them): a tick of the schedule is one purge run, whichever instance
 * takes it, never one per instance.
 */

let tdb: TestDatabase;
let jobs: typeof import(".");
let disconnect: () => Promise<void>;
const started: Jobs[] = [];

beforeAll(async () => {
  tdb = await openTestDatabase();
  jobs = await import(".");
  const { getDb } = await import("../db/client");
  disconnect = async () => (await getDb()).$disconnect();
});

afterAll(async () => {
  for (const j of started) await j.stop().catch(() => undefined);
  await disconnect?.();
  await tdb?.close();
});

const runs = async () =>
  (await tdb.pool.query(`SELECT at, actor_id FROM audit_event WHERE action = 'retention.purge' ORDER BY id`)).rows as {
    at: Date;
    actor_id: string;
  }[];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the scheduled purge on pg-boss", () => {
  it("two instances on one database: each tick purges once", async () => {
    // Every minute, and pg-boss sends a minute's job at once when started inside that minute. Start early
    // in a minute, so that the whole observation below sits inside one tick.
    const second = new Date().getUTCSeconds();
    if (second > 30) await sleep((62 - second) * 1000);
    const opts = { cron: "* * * * *", cronMonitorIntervalSeconds: 1, pollingIntervalSeconds: 0.5 };
    const [a, b] = await Promise.all([jobs.startPgBoss(tdb.url, opts), jobs.startPgBoss(tdb.url, opts)]);
    started.push(a, b);
    expect([a.kind, b.kind]).toEqual(["pg-boss", "pg-boss"]);

    const deadline = Date.now() + 20_000;
    while (!(await runs()).length && Date.now() < deadline) await sleep(250);
    // Both instances keep checking the clock and polling for a while longer: still one run for this tick.
    await sleep(6_000);
    expect(await runs()).toMatchObject([{ actor_id: "system:schedule" }]);
    // One job was made for the tick (not one per instance), and it is done.
    const { rows: made } = await tdb.pool.query(`SELECT state::text AS state FROM pgboss.job WHERE name = $1`, [jobs.PURGE_QUEUE]);
    expect(made).toEqual([{ state: "completed" }]);

    // Stopping is clean: both runners close their connections.
    await Promise.all([a.stop(), b.stop()]);
    // Ours only (other portals on this server run job runners too); the server notices a closed connection a moment after.
    const open = async () =>
      (
        await tdb.pool.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'idv-portal jobs' AND datname = current_database()`,
        )
      ).rows[0].n;
    await expect.poll(open, { timeout: 5_000 }).toBe(0);
  }, 90_000);
});
