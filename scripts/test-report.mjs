// Counting what a test run really did, from the JSON reports of Vitest and Playwright
// (used by scripts/test.mjs). Every way a run can go wrong counts: a failed test, a file
// that failed outside any test (an import, a hook), an error of the run itself, and a
// report that is missing. Skipped tests are listed by name: the project has none on purpose.

/** @param {any} report Vitest's JSON report, or undefined when it was not written. */
export function vitestCounts(report) {
  if (!report || !Array.isArray(report.testResults)) {
    return { passed: 0, failed: 1, skipped: [], problems: ["Vitest wrote no report (it crashed before the end)"] };
  }
  const problems = [];
  let failed = 0;
  let passed = 0;
  const skipped = [];
  for (const file of report.testResults) {
    const tests = file.assertionResults ?? [];
    const failedHere = tests.filter((t) => t.status === "failed").length;
    failed += failedHere;
    passed += tests.filter((t) => t.status === "passed").length;
    for (const t of tests)
      if (["skipped", "pending", "todo", "disabled"].includes(t.status)) skipped.push(`${file.name}: ${t.fullName ?? t.title}`);
    if (file.status === "failed" && failedHere === 0) {
      failed += 1;
      problems.push(`${file.name}: ${firstLine(file.message) || "failed outside any test"}`);
    }
  }
  if (report.success === false && failed === 0) {
    failed += 1;
    problems.push("Vitest reported the run as failed (an unhandled error outside the test files)");
  }
  return { passed, failed, skipped, problems };
}

/** @param {any} report Playwright's JSON report, or undefined when it was not written. */
export function playwrightCounts(report) {
  if (!report || !report.stats) {
    return { passed: 0, failed: 1, skipped: [], problems: ["Playwright wrote no report (it crashed before the end)"] };
  }
  const problems = (report.errors ?? []).map((e) => `Playwright: ${firstLine(e.message) || "an error outside the tests"}`);
  const skipped = [];
  const walk = (suite, trail) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status === "skipped") skipped.push(`${spec.file ?? suite.file}: ${[...trail, spec.title].filter(Boolean).join(" › ")}`);
      }
    }
    for (const child of suite.suites ?? []) walk(child, [...trail, child.title]);
  };
  for (const s of report.suites ?? []) walk(s, []);
  const { expected = 0, unexpected = 0, flaky = 0 } = report.stats;
  return { passed: expected, failed: unexpected + flaky + problems.length, skipped, problems };
}

function firstLine(text) {
  return String(text ?? "")
    .replace(/\u001b\[[0-9;]*m/g, "")
    .split("\n")
    .find((l) => l.trim() !== "")
    ?.trim()
    .slice(0, 300);
}
