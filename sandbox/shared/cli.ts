import { parseArgs } from "node:util";
import type { StandinClient } from "./oidc";

/**
 * The command line shared by the provider stand-ins: --port, --host,
 * --client-id, --client-secret, --redirect-uri (repeatable), --public-url and
 * any extra string options, each also read from `<PREFIX>_<NAME>` in the environment.
 */

export function nonNegativeInt(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
}

export function standinCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  prefix: string,
  defaults: { port: number; client: StandinClient },
  extra: readonly string[] = [],
) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "client-id": { type: "string" },
      "client-secret": { type: "string" },
      "redirect-uri": { type: "string", multiple: true },
      "public-url": { type: "string" },
      ...Object.fromEntries(extra.map((name) => [name, { type: "string" as const }])),
    },
    strict: true,
  });
  const fromEnv = (name: string) => env[`${prefix}_${name.toUpperCase().replace(/-/g, "_")}`];
  const option = (name: string) => (values as Record<string, string | undefined>)[name] ?? fromEnv(name);
  const listed = fromEnv("redirect-uris");
  const redirectUris = values["redirect-uri"] ?? (listed ? listed.split(/[\s,]+/).filter(Boolean) : undefined);
  return {
    port: nonNegativeInt(option("port"), "port") ?? defaults.port,
    host: option("host") ?? "127.0.0.1",
    clients: [
      {
        client_id: option("client-id") ?? defaults.client.client_id,
        client_secret: option("client-secret") ?? defaults.client.client_secret,
        redirect_uris: redirectUris?.length ? redirectUris : defaults.client.redirect_uris,
      },
    ],
    publicUrl: option("public-url") ?? undefined,
    option,
  };
}

/** Run from the command line: says where it listens, and closes on SIGINT or SIGTERM. */
export function serveUntilSignal(label: string, lines: string[], close: () => Promise<void>) {
  for (const line of lines) console.log(line);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${label}: ${signal}, stopping`);
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}
