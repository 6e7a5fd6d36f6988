import { parseArgs } from "node:util";
import { defaultClients } from "./tenant-data";
import type { TenantOptions } from "./tenant";

/** The tenant stand-in's command line: tsx sandbox/auth0/tenant.ts --port 4000 (see startAuth0Tenant's options). */

export function optionsFromCli(argv: string[], env: NodeJS.ProcessEnv): TenantOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "action-file": { type: "string" },
      "portal-url": { type: "string" },
      "sample-app-url": { type: "string" },
      "expires-in": { type: "string" },
      config: { type: "string", multiple: true },
    },
    strict: true,
  });
  const port = Number(values.port ?? env.AUTH0_STANDIN_PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0) throw new Error("--port must be a non-negative integer");
  const secret = env.TOKEN_SECRET || env.AUTH0_TOKEN_SECRET;
  if (!secret) {
    throw new Error("Set TOKEN_SECRET (or AUTH0_TOKEN_SECRET) in the environment: the Action's Token Secret, shared with the portal");
  }
  const portalUrl = (values["portal-url"] ?? env.PORTAL_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
  const sampleAppUrl = (values["sample-app-url"] ?? env.SAMPLE_APP_URL ?? "http://127.0.0.1:3001").replace(/\/+$/, "");
  const configuration: Record<string, string> = {
    PORTAL_DOMAIN: portalUrl,
    VERIFICATION_EXPIRES_IN_SECONDS: values["expires-in"] ?? "86400",
  };
  for (const pair of values.config ?? []) {
    const i = pair.indexOf("=");
    if (i <= 0) throw new Error(`--config expects KEY=VALUE, got ${pair}`);
    configuration[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return {
    port,
    host: values.host ?? env.AUTH0_STANDIN_HOST ?? "127.0.0.1",
    actionFile: values["action-file"],
    secrets: { TOKEN_SECRET: secret },
    configuration,
    clients: defaultClients({ sampleAppUrl, portalUrl }),
  };
}
