// Runs once when the server starts: refuse to start on bad configuration, bring the
// database schema up to date before the first request, start tracing when configured,
// and hand the production server its shutdown hook (deploy/server.mjs).
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { startup } = await import("./lib/startup");
    await startup();
    const { env } = await import("./lib/env");
    const { startTracing } = await import("./lib/tracing/sdk");
    const { installShutdownHook } = await import("./lib/shutdown");
    installShutdownHook(await startTracing(env()));
  }
}
