import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { ensureAssembled, STANDALONE_DIR } from "../../deploy/assemble.mjs";

/**
 * Runs the portal as a child process, as it runs for real: the deployable artifact
 * (`node server.mjs` in .next/standalone, see README "Deploying"), or `next dev`.
 */

const ROOT = path.resolve(import.meta.dirname, "..", "..");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Builds the portal when no build is there (npm test builds first; this is for running one file alone). */
export function ensureBuild(): void {
  if (existsSync(path.join(ROOT, ".next", "BUILD_ID")) && existsSync(path.join(STANDALONE_DIR, "server.js"))) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "next", "dist", "bin", "next"), "build"], {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (r.status !== 0) throw new Error("next build failed");
}

export interface RunningPortal {
  url: string;
  /** The server's process id (the bench reads its memory). */
  pid: number | undefined;
  logs: () => string;
  /** The exit code once the process has ended (null while it runs, or when killed by a signal). */
  exited: Promise<number | null>;
  /** Sends a signal without waiting (a graceful shutdown starts with SIGTERM). */
  signal(sig: NodeJS.Signals): void;
  stop(): Promise<void>;
}

export async function startPortal(
  port: number,
  env: Record<string, string>,
  opts: { mode?: "start" | "dev"; echo?: boolean | ((chunk: string) => void); nodeArgs?: string[] } = {},
): Promise<RunningPortal> {
  const mode = opts.mode ?? "start";
  if (mode === "start") {
    ensureBuild();
    await ensureAssembled();
  }
  // The standalone server runs in its own folder: a relative embedded-database folder still means the repo's.
  const pgliteDir = env.PGLITE_DIR && !env.PGLITE_DIR.startsWith("memory://") ? { PGLITE_DIR: path.resolve(ROOT, env.PGLITE_DIR) } : {};
  let output = "";
  const child: ChildProcess = spawn(
    process.execPath,
    mode === "start"
      ? [...(opts.nodeArgs ?? []), path.join(STANDALONE_DIR, "server.mjs")]
      : [path.join(ROOT, "node_modules", "next", "dist", "bin", "next"), "dev", "-p", String(port), "-H", "127.0.0.1"],
    {
      cwd: mode === "start" ? STANDALONE_DIR : ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        // The portal runs in the test's time zone (CI: America/Los_Angeles), so a time-zone bug fails.
        ...(process.env.TZ ? { TZ: process.env.TZ } : {}),
        NODE_ENV: mode === "start" ? "production" : "development",
        NEXT_TELEMETRY_DISABLED: "1",
        PORT: String(port),
        HOSTNAME: "127.0.0.1",
        ...env,
        ...pgliteDir,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const take = (d: Buffer) => {
    output += d;
    if (typeof opts.echo === "function") opts.echo(String(d));
    else if (opts.echo) process.stdout.write(d);
  };
  child.stdout!.on("data", take);
  child.stderr!.on("data", take);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the portal exited (${child.exitCode}):\n${output}`);
    try {
      const r = await fetch(`${url}/`);
      if (r.ok && output.includes("portal ready")) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the portal did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    pid: child.pid,
    logs: () => output,
    exited,
    signal: (sig) => void child.kill(sig),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Several instances of the portal on one configuration, started at the same moment. */
export async function startPortals(ports: number[], env: Record<string, string>): Promise<RunningPortal[]> {
  const started = await Promise.allSettled(ports.map((port) => startPortal(port, env)));
  const failed = started.find((r) => r.status === "rejected");
  if (!failed) return started.map((r) => (r as PromiseFulfilledResult<RunningPortal>).value);
  await Promise.all(started.map((r) => (r.status === "fulfilled" ? r.value.stop() : undefined)));
  throw failed.reason;
}
