import { expect, it } from "vitest";

// Fixture for scripts/test-report.test.ts.
it("fails", () => expect(1).toBe(2));
