import { defineConfig } from "vitest/config";
import main from "../../vitest.config";

// The project's own Vitest configuration, pointed at one folder of fixtures (FIXTURE_DIR).
export default defineConfig({
  ...main,
  test: { ...main.test, include: [`scripts/test-report-fixture/${process.env.FIXTURE_DIR ?? "vitest"}/*.t.ts`] },
});
