// `npm test`: everything the tests need, then every test.
//   1. the generated Prisma client (postinstall makes it; made here if missing)
//   2. Chromium for the browser tests (Debian's package, installed when root; else a clear failure)
//   3. a production build of the portal (the tests run it as it runs for real)
//   4. Vitest (unit + integration), then Playwright (browser journeys)
// Database: DATABASE_URL when set (CI: a fresh PostgreSQL database), else PGlite.
// The counts come from this run's own reports (old ones are deleted first); failures
// outside tests count, skipped tests are listed and fail the run (there should be none),
// and a focused test (.only) is refused by both runners.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { playwrightCounts, vitestCounts } from "./test-report.mjs";

const root = path.resolve(import.meta.dirname, "..");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const bin = (name) => path.join(root, "node_modules", ".bin", name);

function run(title, cmd, args, opts = {}) {
  console.log(`\n▶ ${title}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env, ...opts });
  if (r.status !== 0) {
    console.error(`✖ ${title} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

function readReport(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

if (!existsSync(path.join(root, "lib/db/generated/client.ts"))) run("prisma generate", process.execPath, ["scripts/prisma-generate.mjs"]);

const hasE2E = existsSync(path.join(root, "e2e")) && existsSync(path.join(root, "playwright.config.ts"));
if (hasE2E) run("Chromium for the browser tests", process.execPath, ["scripts/ensure-chromium.mjs"]);

run("next build", bin("next"), ["build"]);

mkdirSync(path.join(root, "test-results"), { recursive: true });
const vitestReport = path.join(root, "test-results", "vitest.json");
const pwReport = path.join(root, "test-results", "playwright.json");
// Fresh reports only: a run that writes none must not be read as the previous run's.
for (const file of [vitestReport, pwReport]) rmSync(file, { force: true });

console.log("\n▶ Vitest (unit and integration)");
const v = spawnSync(bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestReport}`], {
  cwd: root,
  stdio: "inherit",
  env,
});
const counts = [vitestCounts(readReport(vitestReport))];

let e2eStatus = 0;
if (hasE2E) {
  console.log("\n▶ Playwright (browser journeys)");
  const p = spawnSync(bin("playwright"), ["test"], {
    cwd: root,
    stdio: "inherit",
    env: { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: pwReport },
  });
  e2eStatus = p.status ?? 1;
  counts.push(playwrightCounts(readReport(pwReport)));
}

const passed = counts.reduce((n, c) => n + c.passed, 0);
const failed = counts.reduce((n, c) => n + c.failed, 0);
const skipped = counts.flatMap((c) => c.skipped);
const problems = counts.flatMap((c) => c.problems);
for (const p of problems) console.error(`✖ ${p}`);
for (const s of skipped) console.error(`↷ skipped: ${s}`);
console.log(`\n${passed} passed, ${failed} failed, ${skipped.length} skipped`);
process.exit(v.status !== 0 || e2eStatus !== 0 || failed > 0 || skipped.length > 0 ? 1 : 0);
