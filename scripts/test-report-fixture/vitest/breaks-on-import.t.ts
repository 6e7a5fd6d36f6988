// Fixture for scripts/test-report.test.ts: a test file that cannot even be loaded.
throw new Error("this file breaks on import");
