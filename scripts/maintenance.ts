/**
 * Maintenance commands for operators, with the portal's configuration (the same environment
 * as the portal; the database is migrated first, as at the portal's start).
 *
 *   npm run maintenance -- [purge] [--dry-run] [--batch-size 500]
 *
 * purge (the default): applies the retention settings now (lib/lifecycle/purge.ts), the same
 *   run as the daily job, audited with its counts. `--dry-run` prints what would go, per
 *   category, and changes nothing. Exit 0 when done, 3 when another purge is running
 *   (the job on an instance, or another maintenance command), 2 for bad arguments.
 */
import { parseArgs } from "node:util";
import { z } from "zod";

type Command = (args: string[]) => Promise<number>;

// One line per command: `reseal: (args) => …` goes here.
const COMMANDS: Record<string, Command> = {
  purge: purgeCommand,
};

const purgeArgs = z.object({
  "dry-run": z.boolean().default(false),
  "batch-size": z.coerce
    .number({ error: "--batch-size must be a whole number" })
    .int("--batch-size must be a whole number")
    .min(1, "--batch-size must be at least 1")
    .max(10_000, "--batch-size must be at most 10000")
    .default(500),
});

async function purgeCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { "dry-run": { type: "boolean" }, "batch-size": { type: "string" } }, strict: true });
  const parsed = purgeArgs.safeParse(values);
  if (!parsed.success) return usage(parsed.error.issues.map((i) => i.message).join("; "));
  const { runPurge, CATEGORIES, CATEGORY_LABELS } = await import("../lib/lifecycle/purge");
  const { getDb } = await import("../lib/db/client");
  const dryRun = parsed.data["dry-run"];
  try {
    const run = await runPurge({ dryRun, batchSize: parsed.data["batch-size"], trigger: "maintenance" });
    if (!run.ran) {
      console.error("Another purge is running (the scheduled job, or another maintenance command): nothing done.");
      return 3;
    }
    console.log(dryRun ? "Dry run: nothing was changed. A purge now would remove:" : "Purged:");
    const width = Math.max(...CATEGORIES.map((c) => CATEGORY_LABELS[c].length));
    for (const c of CATEGORIES) console.log(`  ${CATEGORY_LABELS[c].padEnd(width)}  ${run.counts[c]}`);
    console.log(`(${duration(run.durationMs)}; counts as JSON: ${JSON.stringify(run.counts)})`);
    return 0;
  } finally {
    await (await getDb()).$disconnect();
  }
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function usage(problem?: string): number {
  if (problem) console.error(problem);
  console.error(`usage: npm run maintenance -- [${Object.keys(COMMANDS).join("|")}] [--dry-run] [--batch-size N]`);
  return 2;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const name = argv[0] && !argv[0].startsWith("-") ? argv[0] : "purge";
  const command = COMMANDS[name];
  if (!command) return usage(`unknown command: ${name}`);
  const { ConfigError, env } = await import("../lib/env");
  try {
    env();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  return command(argv[0] === name ? argv.slice(1) : argv);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Codes only: an error message could carry a value from the database.
    console.error(
      `maintenance failed: ${(err as Error)?.name ?? "error"}${(err as { code?: string })?.code ? ` (${(err as { code?: string }).code})` : ""}`,
    );
    process.exit(1);
  },
);
