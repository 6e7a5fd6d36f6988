import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["lib/**/*.test.ts", "sandbox/**/*.test.ts", "auth0/**/*.test.ts", "app/**/*.test.ts", "scripts/**/*.test.ts"],
    environment: "node",
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 240_000,
    // A focused test (`.only`) would quietly skip the rest: refused, locally and in CI.
    allowOnly: false,
    // No test may connect outside localhost (the guard fails the test that tries).
    setupFiles: ["sandbox/harness/no-network.ts"],
  },
});
