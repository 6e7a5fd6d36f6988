import { defineConfig } from "vitest/config";

// The guard's own proof (sandbox/harness/no-network.test.ts) runs leaks.fixture.ts with this.
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ["*.fixture.ts"],
    environment: "node",
    pool: "forks",
    setupFiles: ["../no-network.ts"],
  },
});
