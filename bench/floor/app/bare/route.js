// Floor 1: a route that does nothing but answer 303, as the flow's steps answer.
export const dynamic = "force-dynamic";

export function GET() {
  return new Response(null, { status: 303, headers: { location: "/next", "cache-control": "no-store" } });
}
