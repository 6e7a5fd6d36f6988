import { readiness } from "@/lib/health";

export const dynamic = "force-dynamic";

// Readiness for load balancers: database and migrations only, never a provider. 503 when not ready.
export async function GET() {
  const r = await readiness();
  return Response.json(
    { status: r.ready ? "ready" : "not_ready", checks: r.checks },
    { status: r.ready ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
}
