import { jwtVerify } from "jose";
import pg from "pg";

/**
 * Floor 2: the least the portal's entry must do. Checks the Action's HS256
 * token (signature, issuer, expiry) with jose and inserts one row on the same
 * PostgreSQL database, then answers 303.
 */
export const dynamic = "force-dynamic";

const holder = (globalThis.__floor ??= {});
const pool = (holder.pool ??= new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.FLOOR_POOL_MAX ?? 10) }));
const secret = new TextEncoder().encode(process.env.AUTH0_TOKEN_SECRET);

export async function GET(request) {
  const token = new URL(request.url).searchParams.get("token") ?? "";
  let sub;
  try {
    ({
      payload: { sub },
    } = await jwtVerify(token, secret, { algorithms: ["HS256"], issuer: process.env.AUTH0_ISSUER }));
  } catch {
    return new Response("bad token", { status: 400 });
  }
  await pool.query("INSERT INTO bench_floor (sub) VALUES ($1)", [sub]);
  return new Response(null, { status: 303, headers: { location: "/next", "cache-control": "no-store" } });
}
