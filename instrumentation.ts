// Runs once when the server starts: refuse to start on bad configuration, and
// bring the database schema up to date before the first request.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { startup } = await import("./lib/startup");
    await startup();
  }
}
