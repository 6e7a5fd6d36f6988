import { health } from "@/lib/health";
import { staffRoute } from "@/lib/staff/guard";

export const dynamic = "force-dynamic";

// The detailed report, for staff: database, migrations, providers (cached 30 s), rate-limit refusals. 503 when a check fails.
export const GET = staffRoute("health.report", "support", async () => {
  const report = await health();
  return Response.json(report, { status: report.ok ? 200 : 503, headers: { "cache-control": "no-store" } });
});
