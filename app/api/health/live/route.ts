export const dynamic = "force-dynamic";

// Liveness: the process answers. No details, no database.
export function GET() {
  return Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });
}
