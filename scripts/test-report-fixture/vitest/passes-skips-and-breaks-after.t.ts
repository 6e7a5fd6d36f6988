import { afterAll, expect, it } from "vitest";

// Fixture for scripts/test-report.test.ts (run by a child Vitest, never by npm test).
it("passes", () => expect(1).toBe(1));
it.skip("is skipped", () => undefined);
it.todo("is still to do");
afterAll(() => {
  throw new Error("a cleanup broke after every test passed");
});
