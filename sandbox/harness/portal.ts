import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

/** Runs the portal's production build (`next start`) as a child process, as it runs for real. */

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
  if (existsSync(path.join(ROOT, ".next", "BUILD_ID"))) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "next", "dist", "bin", "next"), "build"], {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (r.status !== 0) throw new Error("next build failed");
}

export interface RunningPortal {
  url: string;
  logs: () => string;
  stop(): Promise<void>;
}

export async function startPortal(
  port: number,
  env: Record<string, string>,
  opts: { mode?: "start" | "dev"; echo?: boolean | ((chunk: string) => void) } = {},
): Promise<RunningPortal> {
  const mode = opts.mode ?? "start";
  if (mode === "start") ensureBuild();
  let output = "";
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(ROOT, "node_modules", "next", "dist", "bin", "next"), mode, "-p", String(port), "-H", "127.0.0.1"],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: mode === "start" ? "production" : "development",
        NEXT_TELEMETRY_DISABLED: "1",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
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
    if (Date.now() > deadline) throw new Error(`the portal did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    logs: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
