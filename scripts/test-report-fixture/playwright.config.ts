import { defineConfig } from "@playwright/test";
import main from "../../playwright.config";

// The project's own Playwright configuration, pointed at one folder of fixtures (FIXTURE_DIR).
export default defineConfig({ ...main, testDir: process.env.FIXTURE_DIR ?? "e2e", outputDir: "../../test-results/report-fixture" });
