/**
 * Structured JSON logs, one line per event. Only codes, steps and reference
 * codes go in: never tokens, secrets, names, birth dates or provider answers.
 * Fields are whitelisted so a careless call cannot leak a value.
 */

const ALLOWED = new Set([
  "ref",
  "attempt",
  "step",
  "code",
  "outcome",
  "status",
  "provider",
  "client",
  "durationMs",
  "migrations",
  "port",
  "error",
]);

type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(): number {
  const level = (process.env.LOG_LEVEL ?? "info") as Level;
  return ORDER[level] ?? ORDER.info;
}

export function log(level: Level, msg: string, fields: Record<string, string | number | boolean | null | undefined> = {}) {
  if (ORDER[level] < threshold() || process.env.IDV_SILENT === "1") return;
  const line: Record<string, unknown> = { time: new Date().toISOString(), level, msg };
  for (const [k, v] of Object.entries(fields)) if (ALLOWED.has(k) && v !== undefined) line[k] = v;
  (level === "error" || level === "warn" ? process.stderr : process.stdout).write(JSON.stringify(line) + "\n");
}
