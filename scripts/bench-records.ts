/**
 * Benchmark of the records pages' queries on a large table (a benchmark, not a test).
 *
 *   DATABASE_URL=postgresql://…/<throwaway db> npx tsx scripts/bench-records.ts [--count 1000000] [--runs 9] [--facets-index | --no-facets-index]
 *
 * Seeds `count` records (scripts/seed-records.ts; skipped when the table
 * already holds that many), then runs each common query of the records list,
 * record page and attempt lookup: one warm-up and `runs` timed runs through
 * the portal's own code (lib/records/list.ts over Prisma), and prints the
 * median and worst in milliseconds, the rows returned, and what EXPLAIN says
 * (the indexes used; "SEQ SCAN" when a table is read whole). `--facets-index`
 * creates the index proposed in lib/records/planner.ts (FACETS_INDEX_DDL) first,
 * `--no-facets-index` drops it, to compare.
 */
import pg from "pg";
import { arg, benchEnvironment } from "./bench-env";
import { seedRecords, seedEmail, portalEmailLookup } from "./seed-records";

benchEnvironment({ IDV_SILENT: "1" });

interface PlanInfo {
  indexes: string[];
  seqScans: string[];
  nodes: string[];
}

function walk(node: Record<string, unknown>, out: PlanInfo) {
  const type = String(node["Node Type"]);
  out.nodes.push(type);
  if (typeof node["Index Name"] === "string") out.indexes.push(node["Index Name"] as string);
  if (type === "Seq Scan") out.seqScans.push(String(node["Relation Name"]));
  for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child, out);
}

async function explain(client: pg.Client, sql: { text: string; values: unknown[] }): Promise<PlanInfo> {
  const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${sql.text}`, sql.values);
  const info: PlanInfo = { indexes: [], seqScans: [], nodes: [] };
  walk((rows[0]["QUERY PLAN"] as { Plan: Record<string, unknown> }[])[0]!.Plan, info);
  return info;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main() {
  const url = process.env.DATABASE_URL;
  if (!url || !/^postgres(ql)?:\/\//.test(url)) {
    console.error("Set DATABASE_URL to a PostgreSQL database (postgresql://…); use a throwaway database.");
    process.exit(2);
  }
  const count = Number(arg("count") ?? 1_000_000);
  const runs = Math.max(1, Number(arg("runs") ?? 9));

  console.log(`Seeding ${count.toLocaleString("en")} records (skipped if already there) …`);
  const seeded = await seedRecords({ url, count, emailLookup: await portalEmailLookup() });
  if (!seeded.skipped) console.log(`Seeded in ${(seeded.ms / 1000).toFixed(1)} s.`);

  const q = await import("../lib/records");
  const { getDb } = await import("../lib/db/client");
  const db = await getDb();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // --facets-index creates the index proposed for a migration (FACETS_INDEX_DDL); --no-facets-index drops it.
  if (process.argv.includes("--facets-index")) {
    const t = performance.now();
    await client.query(q.FACETS_INDEX_DDL.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS"));
    await client.query("ANALYZE verification_record");
    console.log(`facets index ready in ${Math.round(performance.now() - t)} ms`);
  }
  if (process.argv.includes("--no-facets-index")) await client.query(`DROP INDEX IF EXISTS "${q.FACETS_INDEX}"`);
  q.forgetPlannerFacts();
  const facets = await q.hasFacetsIndex();

  // Sample values from the data.
  const total = Number((await client.query(`SELECT reltuples::bigint AS n FROM pg_class WHERE relname = 'verification_record'`)).rows[0].n);
  const sample = (
    await client.query(`SELECT r.id, r.provider, r.provider_uuid, r.auth0_user_id, r.person_id FROM verification_record r
      WHERE r.attributes_enc LIKE 'v1.seed%' ORDER BY r.last_checked_at DESC OFFSET 5000 LIMIT 1`)
  ).rows[0] as { id: string; provider: string; provider_uuid: string; auth0_user_id: string; person_id: string };
  const ref = (await client.query(`SELECT reference_code FROM attempt WHERE record_id = $1 LIMIT 1`, [sample.id])).rows[0]
    ?.reference_code as string;
  const email = seedEmail(seeded.firstIndex + 6);
  const first = await q.listRecords({});
  const militaryFirst = await q.listRecords({ group: "military" });
  const day = 86_400_000;
  const now = Date.now();
  const midnight = (t: number) => new Date(Math.floor(t / day) * day);
  const allFilters = {
    status: "verified",
    policy: "community",
    provider: "idme",
    group: "military",
    application: "sample-veterans",
    from: midnight(now - 365 * day),
  } as const;
  const allFirst = await q.listRecords(allFilters);

  type Case = { name: string; filter: import("../lib/records").RecordFilter; page?: import("../lib/records").PageRequest };
  const cases: Case[] = [
    { name: "no filter (page 1)", filter: {} },
    { name: "page 2 via cursor", filter: {}, page: { cursor: first.nextCursor } },
    { name: "status = verified", filter: { status: "verified" } },
    { name: "status = revoked", filter: { status: "revoked" } },
    { name: "policy = community", filter: { policy: "community" } },
    { name: "provider = idpartner", filter: { provider: "idpartner" } },
    { name: "group = military", filter: { group: "military" } },
    { name: "group = military, page 2", filter: { group: "military" }, page: { cursor: militaryFirst.nextCursor } },
    { name: "group = nurse", filter: { group: "nurse" } },
    { name: "group = nobody (empty)", filter: { group: "astronaut" } },
    { name: "application = sample-veterans", filter: { application: "sample-veterans" } },
    { name: "application = app-travel", filter: { application: "app-travel" } },
    { name: "application = unknown (empty)", filter: { application: "app-none" } },
    { name: "date range: last 30 days", filter: { from: midnight(now - 30 * day), to: midnight(now + day) } },
    { name: "date range: one day, 2 years ago", filter: { from: midnight(now - 730 * day), to: midnight(now - 729 * day) } },
    { name: "status = revoked + group = military", filter: { status: "revoked", group: "military" } },
    { name: "status = not_verified + app-campus", filter: { status: "not_verified", application: "app-campus" } },
    { name: "policy = community + status = revoked", filter: { policy: "community", status: "revoked" } },
    {
      name: "provider = idpartner + revoked + app-travel",
      filter: { provider: "idpartner", status: "revoked", application: "app-travel" },
    },
    { name: "group = student + application = app-campus", filter: { group: "student", application: "app-campus" } },
    { name: "group = nurse + application = sample-app", filter: { group: "nurse", application: "sample-app" } },
    // Contradictions: each filter matches 100,000s of rows, together none (proved through the indexes).
    { name: "contradiction: not_verified + group military", filter: { status: "not_verified", group: "military" } },
    { name: "contradiction: sample-bank + group military", filter: { application: "sample-bank", group: "military" } },
    { name: "contradiction: sample-veterans + identity", filter: { application: "sample-veterans", policy: "identity" } },
    { name: "contradiction: app-campus + identity + idme", filter: { application: "app-campus", policy: "identity", provider: "idme" } },
    {
      name: "group = military + app-travel + 90 days",
      filter: { group: "military", application: "app-travel", from: midnight(now - 90 * day) },
    },
    {
      name: "policy = identity + one day 1y ago",
      filter: { policy: "identity", from: midnight(now - 365 * day), to: midnight(now - 364 * day) },
    },
    { name: "all filters at once", filter: allFilters },
    { name: "all filters at once, page 2", filter: allFilters, page: { cursor: allFirst.nextCursor } },
    { name: "search: provider uuid", filter: { q: sample.provider_uuid } },
    { name: "search: auth0 user id", filter: { q: sample.auth0_user_id } },
    { name: "search: email", filter: { q: email } },
    { name: "search: reference code", filter: { q: ref } },
    { name: "search: person id", filter: { q: sample.person_id } },
    { name: "search: record id", filter: { q: sample.id } },
    { name: "search: no match", filter: { q: "nobody@example.test" } },
    { name: "search + status filter", filter: { q: sample.auth0_user_id, status: "verified" } },
  ];

  type Result = { name: string; median: number; max: number; rows: number; plan: string; ok: boolean };
  const results: Result[] = [];
  const time = async (fn: () => Promise<unknown>) => {
    await fn(); // warm-up
    const ms: number[] = [];
    let out: unknown;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      out = await fn();
      ms.push(performance.now() - t);
    }
    return { ms, out };
  };

  for (const c of cases) {
    const { ms, out } = await time(() => q.listRecords(c.filter, c.page ?? {}));
    const page = out as import("../lib/records").RecordPage;
    // EXPLAIN every query the page ran (the window query, then the sorted one when the window did not fill the page).
    const modes: import("../lib/records").ListQueryMode[] =
      page.strategy === "direct" ? ["direct"] : page.strategy === "window" ? ["window"] : ["window", "sorted"];
    const plans = [];
    const lead = await q.chooseLead(c.filter);
    for (const mode of modes)
      plans.push(
        await explain(
          client,
          q.buildListQuery(c.filter, c.page ?? {}, mode, { lead, facets }) as unknown as { text: string; values: unknown[] },
        ),
      );
    const indexes = [...new Set(plans.flatMap((p) => p.indexes))].map((i) =>
      i.replace(/^verification_record_/, "").replace(/_idx$|_key$/, ""),
    );
    const seq = plans.flatMap((p) => p.seqScans).filter((t) => t !== "providers");
    const nodes = plans.flatMap((p) => p.nodes);
    results.push({
      name: c.name,
      median: median(ms),
      max: Math.max(...ms),
      rows: page.rows.length,
      plan: `[${page.strategy}] ${indexes.join(", ") || "-"}${seq.length ? `  SEQ SCAN ${seq.join(", ")}` : ""}${nodes.includes("BitmapAnd") ? " (bitmap and)" : ""}${nodes.includes("Sort") ? " +sort" : ""}${nodes.includes("Incremental Sort") ? " +incremental sort" : ""}`,
      ok: seq.length === 0 && indexes.length > 0,
    });
  }

  // The record page and the attempt page.
  {
    const { ms, out } = await time(() => q.getRecordDetail(sample.id));
    const plans = [
      await explain(client, { text: `SELECT * FROM verification_record WHERE id = $1`, values: [sample.id] }),
      await explain(client, {
        text: `SELECT * FROM attempt WHERE record_id = $2 OR (auth0_user_id = $1 AND record_id IS NULL) ORDER BY created_at DESC, id DESC LIMIT 200`,
        values: [sample.auth0_user_id, sample.id],
      }),
      // The same provider identity's other policies, its link, and the refused claims on it.
      await explain(client, {
        text: `SELECT id, policy_key, status, last_checked_at FROM verification_record WHERE provider = $1 AND provider_uuid = $2 AND id <> $3`,
        values: [sample.provider, sample.provider_uuid, sample.id],
      }),
      await explain(client, {
        text: `SELECT created_at FROM provider_identity WHERE provider = $1 AND provider_uuid = $2`,
        values: [sample.provider, sample.provider_uuid],
      }),
      await explain(client, {
        text: `SELECT count(*) FROM attempt WHERE provider = $1 AND provider_uuid = $2 AND failure_code = 'uuid_linked_to_other_user'`,
        values: [sample.provider, sample.provider_uuid],
      }),
      await explain(client, {
        text: `SELECT * FROM attempt_event WHERE attempt_id = ANY($1) ORDER BY at, id`,
        values: [["att_x", "att_y"]],
      }),
    ];
    const seq = plans.flatMap((p) => p.seqScans);
    results.push({
      name: "record detail (+ attempts, timelines)",
      median: median(ms),
      max: Math.max(...ms),
      rows: (out as { attempts: unknown[] } | null)?.attempts.length ?? 0,
      plan: `${[...new Set(plans.flatMap((p) => p.indexes))].join(", ")}${seq.length ? `  SEQ SCAN ${seq.join(", ")}` : ""}`,
      ok: seq.length === 0,
    });
  }
  {
    const { ms, out } = await time(() => q.findAttemptByReference(ref.toLowerCase()));
    const plan = await explain(client, { text: `SELECT * FROM attempt WHERE reference_code = $1`, values: [ref] });
    results.push({
      name: "attempt by reference code",
      median: median(ms),
      max: Math.max(...ms),
      rows: out ? 1 : 0,
      plan: plan.indexes.join(", "),
      ok: plan.seqScans.length === 0,
    });
  }
  {
    const { ms } = await time(() => q.recordProviders());
    results.push({
      name: "providers (filter menu)",
      median: median(ms),
      max: Math.max(...ms),
      rows: (await q.recordProviders()).length,
      plan: "loose index scan",
      ok: true,
    });
  }

  const w = Math.max(...results.map((r) => r.name.length));
  console.log(
    `\n${total.toLocaleString("en")} records · median and worst of ${runs} runs (ms) · PostgreSQL ${(await client.query("SHOW server_version")).rows[0].server_version} · facets index ${facets ? "present" : "absent"}\n`,
  );
  console.log(`${"query".padEnd(w)}  ${"median".padStart(7)}  ${"worst".padStart(7)}  ${"rows".padStart(4)}  index?  plan`);
  console.log(`${"-".repeat(w)}  -------  -------  ----  ------  ----`);
  for (const r of results) {
    const flag = r.median > 50 ? " SLOW" : "";
    console.log(
      `${r.name.padEnd(w)}  ${r.median.toFixed(1).padStart(7)}  ${r.max.toFixed(1).padStart(7)}  ${String(r.rows).padStart(4)}  ${(r.ok ? "yes" : "NO").padEnd(6)}  ${r.plan}${flag}`,
    );
  }
  await client.end();
  await db.$disconnect();
  const bad = results.filter((r) => !r.ok || r.median > 50);
  if (bad.length) console.log(`\n${bad.length} quer${bad.length === 1 ? "y" : "ies"} without an index or slower than 50 ms.`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
