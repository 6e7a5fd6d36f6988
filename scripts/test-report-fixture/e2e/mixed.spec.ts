import { expect, test } from "@playwright/test";

// Fixture for scripts/test-report.test.ts (run by a child Playwright; no browser needed).
test("passes", () => expect(1).toBe(1));
test.skip("is skipped", () => undefined);
test("fails", () => expect(1).toBe(2));
