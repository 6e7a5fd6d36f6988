import { ConfigError, env } from "./env";
import { getDb } from "./db/client";
import { log } from "./log";
import { startJobs } from "./jobs";
import { listen } from "./settings/cache";

/** Called once by instrumentation.ts when the Node.js server starts. */
export async function startup(): Promise<void> {
  try {
    env();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  await getDb();
  // The scheduled purge (lib/jobs), started beside the first requests rather than before them: a job runner that
  // cannot start (or is slow to) must not hold up logins. Logged; the next start tries again.
  void startJobs().catch((err: unknown) => log("error", "jobs did not start", { step: "jobs", error: (err as Error)?.name }));
  // Before the first login: the settings cache hears about changes from the start.
  await listen();
  log("info", "portal ready", { provider: "idme" });
}
