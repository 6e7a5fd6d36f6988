import { env } from "../env";
import { getDb } from "../db/client";
import { TokenCheckError, verifyInboundToken } from "../auth0/token";
import { log } from "../log";

/**
 * GET /api/verification/status, called by the Auth0 Action (server to server)
 * when it holds a still-valid verification: has the portal revoked it since?
 * The Action authenticates with `Authorization: Bearer <token>`, a token made
 * by api.redirect.encodeToken with the Token Secret (`sub` = Auth0 user id,
 * `id` = the portal's person id, `purpose` = "status"). The answer carries no
 * personal data: { status: "valid" | "revoked" | "none" }.
 */

export type PortalStatus = "valid" | "revoked" | "none";

export async function statusFor(auth0UserId: string, personId: string | undefined): Promise<PortalStatus> {
  const db = await getDb();
  const person = await db.person.findUnique({ where: { auth0UserId } });
  if (!person || (personId && person.id !== personId)) return "none";
  // The newest change wins: a revocation stands until the person verifies again.
  const latest = await db.verificationRecord.findFirst({
    where: { personId: person.id, status: { in: ["verified", "revoked"] } },
    orderBy: { updatedAt: "desc" },
    select: { status: true },
  });
  return latest?.status === "verified" ? "valid" : latest?.status === "revoked" ? "revoked" : "none";
}

export async function verificationStatus(request: Request): Promise<Response> {
  const e = env();
  const header = request.headers.get("authorization") ?? "";
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  try {
    const inbound = await verifyInboundToken(
      { token, state: null },
      { secret: e.AUTH0_TOKEN_SECRET, auth0Domain: e.AUTH0_DOMAIN, requireState: false },
    );
    if (inbound.claims.purpose !== "status") throw new TokenCheckError("token_malformed", "the token is not meant for the status endpoint");
    const status = await statusFor(inbound.sub, inbound.id);
    return Response.json({ status }, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    if (err instanceof TokenCheckError) {
      log("warn", "status check refused", { code: err.code });
      return Response.json({ error: "invalid_token", code: err.code }, { status: 401 });
    }
    throw err;
  }
}
