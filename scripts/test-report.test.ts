import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { playwrightCounts, vitestCounts } from "./test-report.mjs";
import vitestConfig from "../vitest.config";
import playwrightConfig from "../playwright.config";

/**
 * `npm test`'s counts (scripts/test-report.mjs) read real reports: the project's own
 * Vitest and Playwright configurations run on fixture files (scripts/test-report-fixture)
 * with a passing, a failing and a skipped test, a file that breaks on import, a cleanup
 * that breaks after its tests passed, and a focused test.
 */

const ROOT = path.resolve(import.meta.dirname, "..");
const FIXTURES = path.join(ROOT, "scripts", "test-report-fixture");
const tmp = mkdtempSync(path.join(os.tmpdir(), "test-report-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function vitest(dir: string) {
  const out = path.join(tmp, `vitest-${dir}.json`);
  spawnSync(
    path.join(ROOT, "node_modules/.bin/vitest"),
    ["run", "--config", path.join(FIXTURES, "vitest.config.ts"), "--reporter=json", `--outputFile.json=${out}`],
    { cwd: ROOT, env: { ...process.env, FIXTURE_DIR: dir, CI: "" }, encoding: "utf8", timeout: 120_000 },
  );
  return JSON.parse(readFileSync(out, "utf8")) as unknown;
}

function playwright(dir: string) {
  const out = path.join(tmp, `playwright-${dir}.json`);
  spawnSync(path.join(ROOT, "node_modules/.bin/playwright"), ["test", "--config", path.join(FIXTURES, "playwright.config.ts")], {
    cwd: ROOT,
    env: { ...process.env, FIXTURE_DIR: dir, PLAYWRIGHT_JSON_OUTPUT_NAME: out, CI: "" },
    encoding: "utf8",
    timeout: 120_000,
  });
  return JSON.parse(readFileSync(out, "utf8")) as unknown;
}

describe("the test runner's counts", () => {
  it("Vitest: failed tests, files failing outside tests, and skipped tests (by name) all count", () => {
    const c = vitestCounts(vitest("vitest"));
    expect(c.passed).toBe(1);
    // One failed test, one file that broke on import, one cleanup that broke.
    expect(c.failed).toBe(3);
    expect(c.problems.join("\n")).toMatch(/breaks-on-import\.t\.ts: .*this file breaks on import/);
    expect(c.problems.join("\n")).toMatch(/passes-skips-and-breaks-after\.t\.ts: .*a cleanup broke/);
    expect(c.skipped.map((s) => s.replace(/^.*\//, ""))).toEqual([
      "passes-skips-and-breaks-after.t.ts: is skipped",
      "passes-skips-and-breaks-after.t.ts: is still to do",
    ]);
  });

  it("Vitest refuses a focused test (allowOnly: false), locally as in CI", () => {
    expect(vitestConfig.test?.allowOnly).toBe(false);
    const c = vitestCounts(vitest("vitest-only"));
    expect(c.failed).toBeGreaterThan(0);
    expect(c.passed).toBe(0);
  });

  it("Playwright: failed and skipped tests count; a focused test is refused (forbidOnly)", () => {
    const c = playwrightCounts(playwright("e2e"));
    expect(c).toMatchObject({ passed: 1, failed: 1 });
    expect(c.skipped).toEqual([expect.stringContaining("mixed.spec.ts: is skipped")]);

    expect(playwrightConfig.forbidOnly).toBe(true);
    const only = playwrightCounts(playwright("e2e-only"));
    expect(only.failed).toBeGreaterThan(0);
    expect(only.problems.join("\n")).toMatch(/only|focused/i);
  });

  it("a missing report is a failure, never the previous run's numbers", () => {
    expect(vitestCounts(undefined)).toMatchObject({ failed: 1, passed: 0 });
    expect(playwrightCounts(undefined)).toMatchObject({ failed: 1, passed: 0 });
    expect(vitestCounts({ success: false, testResults: [] })).toMatchObject({ failed: 1 });
  });
});
