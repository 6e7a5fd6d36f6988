import { expect, it } from "vitest";

// Fixture for scripts/test-report.test.ts: a focused test must be refused, not run alone.
it.only("is focused", () => expect(1).toBe(1));
it("would be skipped by the focus", () => expect(1).toBe(1));
