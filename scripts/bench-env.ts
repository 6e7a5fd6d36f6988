import { randomBytes } from "node:crypto";

/** What the seed and benchmark scripts share: their command-line options and the portal's environment. */

/** A command-line option given as `--name value` or `--name=value`. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/**
 * The portal's environment, with harmless values for what the scripts do not use,
 * unless the environment gives them. A fixed key by default, so a database seeded by
 * an earlier run stays searchable by email.
 */
export function benchEnvironment(extra: Record<string, string> = {}): void {
  const defaults: Record<string, string> = {
    AUTH0_DOMAIN: "bench.example.test",
    AUTH0_TOKEN_SECRET: randomBytes(24).toString("hex"),
    PORTAL_URL: "http://localhost:3000",
    IDME_CLIENT_ID: "bench",
    IDME_CLIENT_SECRET: "bench",
    ENCRYPTION_KEY: Buffer.from("bench-key-not-for-production-use").toString("hex"),
    DATABASE_POOL_MAX: "4",
    ...extra,
  };
  for (const [k, v] of Object.entries(defaults)) process.env[k] ??= v;
}
