// Completes `next build`'s standalone output into the deployable folder .next/standalone:
// Next.js leaves out the static files (.next/static, public/), and the portal runs from
// deploy/server.mjs (graceful shutdown). prisma/migrations comes with the build itself
// (outputFileTracingIncludes in next.config.ts); this checks it is there.
//
//   node deploy/assemble.mjs        (npm run build runs it after next build)
//
// The result runs anywhere with Node.js and no node_modules: `cd .next/standalone && node server.mjs`.
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const MARKER = ".assembled";

/** Where the runnable server ends up. */
export const STANDALONE_DIR = path.join(ROOT, ".next", "standalone");

function buildId() {
  return readFileSync(path.join(ROOT, ".next", "BUILD_ID"), "utf8").trim();
}

/** This build with this server.mjs: a new build or an edited server means assembling again. */
function stamp() {
  const server = createHash("sha256")
    .update(readFileSync(path.join(ROOT, "deploy", "server.mjs")))
    .digest("hex");
  return `${buildId()} ${server}`;
}

export function isAssembled() {
  const marker = path.join(STANDALONE_DIR, MARKER);
  return existsSync(marker) && readFileSync(marker, "utf8").trim() === stamp();
}

export function assemble() {
  if (!existsSync(path.join(STANDALONE_DIR, "server.js"))) {
    throw new Error('no standalone build: run `next build` with output: "standalone" (next.config.ts) first');
  }
  if (!existsSync(path.join(STANDALONE_DIR, "prisma", "migrations"))) {
    throw new Error("the standalone build has no prisma/migrations (see outputFileTracingIncludes in next.config.ts)");
  }
  const staticDir = path.join(STANDALONE_DIR, ".next", "static");
  rmSync(staticDir, { recursive: true, force: true });
  cpSync(path.join(ROOT, ".next", "static"), staticDir, { recursive: true });
  if (existsSync(path.join(ROOT, "public"))) cpSync(path.join(ROOT, "public"), path.join(STANDALONE_DIR, "public"), { recursive: true });
  cpSync(path.join(ROOT, "deploy", "server.mjs"), path.join(STANDALONE_DIR, "server.mjs"));
  writeFileSync(path.join(STANDALONE_DIR, MARKER), stamp() + "\n");
}

/**
 * Assembles once per build, safe when several processes ask at the same moment (test
 * files start portals in parallel): one takes a lock directory, the others wait for it.
 */
export async function ensureAssembled() {
  const lock = path.join(ROOT, ".next", "assemble.lock");
  const deadline = Date.now() + 120_000;
  while (!isAssembled()) {
    let owner = false;
    try {
      mkdirSync(lock);
      owner = true;
    } catch {
      /* someone else is assembling */
    }
    if (owner) {
      try {
        if (!isAssembled()) assemble();
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
      return;
    }
    if (Date.now() > deadline) throw new Error(`waited too long for ${lock}; remove it if no build is running`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  assemble();
  console.log(`assembled ${path.relative(ROOT, STANDALONE_DIR)} (build ${buildId()}): run \`node server.mjs\` there`);
}
