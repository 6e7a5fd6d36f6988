/**
 * Moves every sealed value to the active key of ENCRYPTION_KEYS (README "Rotating
 * the encryption key"), in batches, printing progress. Safe to stop at any time
 * and to run again: it picks up what is left. Runs with the portal's environment.
 *
 *   npm run reseal [-- --batch 1000] [--pause-ms 0] [--every-batch]
 *
 * Exit code 0 when nothing is left on an old key, 1 when some values could not be
 * opened with any key of the ring (their ids are printed; no personal data).
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../lib/env";
import { reseal } from "../lib/rotation";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      batch: { type: "string", default: "1000" },
      "pause-ms": { type: "string", default: "0" },
      // A progress line per batch instead of per second (the crash test watches for it).
      "every-batch": { type: "boolean", default: false },
    },
  });
  const batchSize = Number(values.batch);
  const pauseMs = Number(values["pause-ms"]);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 50_000) {
    console.error("--batch must be a whole number from 1 to 50000");
    return 2;
  }
  if (!Number.isInteger(pauseMs) || pauseMs < 0) {
    console.error("--pause-ms must be a whole number of milliseconds, 0 or more");
    return 2;
  }
  let last = 0;
  const result = await reseal({
    batchSize,
    pauseMs,
    onProgress: (p) => {
      // A line per second at most (and the last), so a log stays readable at a million records.
      if (!values["every-batch"] && p.elapsedMs - last < 1000 && p.moved < p.total) return;
      last = p.elapsedMs;
      const pct = p.total ? ((100 * p.moved) / p.total).toFixed(1) : "100.0";
      console.log(
        `reseal progress moved=${p.moved} total=${p.total} (${pct}%) unreadable=${p.unreadable} elapsed=${(p.elapsedMs / 1000).toFixed(1)}s`,
      );
    },
  });
  console.log(
    `reseal done moved=${result.moved} secrets=${result.secretsMoved} unreadable=${result.unreadable} remaining_on_old_keys=${result.remaining} elapsed=${(result.elapsedMs / 1000).toFixed(1)}s`,
  );
  if (result.unreadableIds.length) {
    console.log(
      `unreadable (no key of the ring opens them): ${result.unreadableIds.slice(0, 50).join(", ")}${result.unreadableIds.length > 50 ? ", …" : ""}`,
    );
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : `reseal failed: ${(err as Error)?.message ?? err}`);
    process.exit(2);
  },
);
