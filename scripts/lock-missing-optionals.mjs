// The registry this project's machines reach serves only the Linux builds of
// packages with platform binaries (Next's SWC, Tailwind's oxide, …). npm then
// leaves the other platforms' optional packages out of package-lock.json, and
// `npm ci` refuses the lock as "out of sync". This records each such optional
// package in the lock with its name, version and platform, exactly as a lock
// made against the full registry would (minus the download address, which npm
// never needs for a platform it skips).
// Run after `npm install` changes the lock: `node scripts/lock-missing-optionals.mjs`.
import { readFileSync, writeFileSync } from "node:fs";

const PLATFORM = [
  [/android/, "android"],
  [/darwin/, "darwin"],
  [/freebsd/, "freebsd"],
  [/win32/, "win32"],
  [/linux/, "linux"],
  [/wasm32|wasi/, null],
];
const CPU = [
  [/arm64|aarch64/, "arm64"],
  [/x64/, "x64"],
  [/arm(?!64)/, "arm"],
  [/ia32/, "ia32"],
  [/wasm32/, "wasm32"],
];

const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const pkgs = lock.packages;
let added = 0;
for (const [path, meta] of Object.entries(pkgs)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const nested = `${path}/node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (pkgs[nested] || pkgs[hoisted]) continue;
    const entry = { version: version.replace(/^[^\d]*/, ""), optional: true };
    if (meta.dev) entry.dev = true;
    const os = PLATFORM.find(([re]) => re.test(name))?.[1];
    const cpu = CPU.find(([re]) => re.test(name))?.[1];
    if (os) entry.os = [os];
    if (cpu) entry.cpu = [cpu];
    if (/musl/.test(name)) entry.libc = ["musl"];
    else if (/gnu/.test(name)) entry.libc = ["glibc"];
    pkgs[hoisted] = entry;
    added++;
  }
}
writeFileSync("package-lock.json", JSON.stringify(lock, null, 2) + "\n");
console.log(`recorded ${added} optional platform package(s) missing from the lock`);
