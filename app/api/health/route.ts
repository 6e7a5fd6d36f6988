import { health } from "@/lib/health";

export const dynamic = "force-dynamic";

// Database reachable, migrations applied, provider discovery reachable. 503 when any fails.
export async function GET() {
  const report = await health();
  return Response.json(report, { status: report.ok ? 200 : 503, headers: { "cache-control": "no-store" } });
}
