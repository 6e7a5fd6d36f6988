import { expect, test } from "@playwright/test";

// Fixture for scripts/test-report.test.ts: forbidOnly must refuse this.
test.only("is focused", () => expect(1).toBe(1));
test("is not", () => expect(1).toBe(1));
