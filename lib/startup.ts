import { ConfigError, env } from "./env";
import { getDb } from "./db/client";
import { log } from "./log";

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
  log("info", "portal ready", { provider: "idme" });
}
