// The browser tests drive Debian's Chromium (Playwright cannot download its own
// browser here). Find it, or install it with apt when running as root on Debian;
// otherwise fail and say what to install. Never skip the browser tests.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(Boolean);
const found = () => candidates.find((p) => existsSync(p));

if (found()) {
  console.log(`Chromium: ${found()}`);
  process.exit(0);
}
const isRoot = process.getuid?.() === 0;
const hasApt = existsSync("/usr/bin/apt-get");
if (isRoot && hasApt) {
  console.log("Chromium not found: installing Debian's chromium package (apt-get)…");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", "chromium"]]) {
    const r = spawnSync("apt-get", args, { stdio: "inherit", env });
    if (r.status !== 0) {
      console.error(`apt-get ${args.join(" ")} failed.`);
      process.exit(1);
    }
  }
  if (found()) {
    console.log(`Chromium: ${found()} (${execFileSync(found(), ["--version"]).toString().trim()})`);
    process.exit(0);
  }
}
console.error(
  "The browser tests need Chromium and none was found.\n" +
    "Install Debian's package (as root: `apt-get update && apt-get install -y chromium`),\n" +
    "or point CHROMIUM_PATH at a Chromium or Chrome binary.",
);
process.exit(1);
