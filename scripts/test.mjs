// `npm test`: everything the tests need, then every test.
//   1. the generated Prisma client (postinstall makes it; made here if missing)
//   2. Chromium for the browser tests (Debian's package, installed when root; else a clear failure)
//   3. a production build of the portal (the tests run it as it runs for real)
//   4. Vitest (unit + integration), then Playwright (browser journeys)
// Database: DATABASE_URL when set (CI: a fresh PostgreSQL database), else PGlite.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, mkdirSync } from "node:fs";
import path from "node:path";

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

if (!existsSync(path.join(root, "lib/db/generated/client.ts"))) run("prisma generate", process.execPath, ["scripts/prisma-generate.mjs"]);

const hasE2E = existsSync(path.join(root, "e2e")) && existsSync(path.join(root, "playwright.config.ts"));
if (hasE2E) run("Chromium for the browser tests", process.execPath, ["scripts/ensure-chromium.mjs"]);

run("next build", bin("next"), ["build"]);

mkdirSync(path.join(root, "test-results"), { recursive: true });
const vitestReport = path.join(root, "test-results", "vitest.json");
const v = spawnSync(bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestReport}`], {
  cwd: root,
  stdio: "inherit",
  env,
});

let passed = 0;
let failed = 0;
try {
  const report = JSON.parse(readFileSync(vitestReport, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests + (report.numTotalTestSuites && report.success === false && report.numFailedTests === 0 ? 1 : 0);
} catch {
  failed += 1;
}

let e2eStatus = 0;
if (hasE2E) {
  const pwReport = path.join(root, "test-results", "playwright.json");
  const p = spawnSync(bin("playwright"), ["test"], {
    cwd: root,
    stdio: "inherit",
    env: { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: pwReport },
  });
  e2eStatus = p.status ?? 1;
  try {
    const report = JSON.parse(readFileSync(pwReport, "utf8"));
    passed += report.stats.expected;
    failed += report.stats.unexpected + report.stats.flaky;
  } catch {
    failed += 1;
  }
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(v.status !== 0 || e2eStatus !== 0 || failed > 0 ? 1 : 0);
