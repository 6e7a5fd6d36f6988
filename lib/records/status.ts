import { env } from "../env";
import { TokenCheckError, verifyInboundToken } from "../auth0/token";
import { accessFor, type AccessStatus } from "../access";
import { log } from "../log";

/**
 * GET /api/verification/status, called by the Auth0 Action (server to server) on
 * every login where it holds a stored check, and on logins that cannot be sent to the
 * portal: may THIS Auth0 user (the token's `sub`) use THIS application (its
 * `client_id`) now? The Action authenticates with `Authorization: Bearer <token>`, a
 * token made by api.redirect.encodeToken with the Token Secret whose `purpose` is
 * "status" (a login's token is refused here). The answer comes from lib/access (the
 * decision the person page shows) and carries no personal data:
 *
 *   { status: "valid" | "revoked" | "expired" | "not_verified" | "none",
 *     required: <the portal requires verification for this application>,
 *     last_check?: ISO 8601, id?: <person id>, groups?: [<verified groups>] }
 *
 * The `id` the Action sends is not trusted: the answer is about the token's Auth0 user.
 */

export type PortalStatus = AccessStatus;

/** The status word alone, for an application (undefined/null: the global settings). */
export async function statusFor(auth0UserId: string, clientId?: string | null, now?: Date): Promise<PortalStatus> {
  return (await accessFor(auth0UserId, clientId, now)).status;
}

export async function verificationStatus(request: Request): Promise<Response> {
  const e = env();
  const header = request.headers.get("authorization") ?? "";
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  try {
    // Only a status token: a login's token copied here is refused (token_purpose_invalid).
    const inbound = await verifyInboundToken(
      { token, state: null },
      { secret: e.AUTH0_TOKEN_SECRET, auth0Domain: e.AUTH0_DOMAIN, requireState: false, purpose: "status" },
    );
    const access = await accessFor(inbound.sub, inbound.clientId ?? null);
    const body: Record<string, unknown> = { status: access.status, required: access.required };
    if (access.lastCheck) body.last_check = access.lastCheck.toISOString();
    if (access.personId) body.id = access.personId;
    if (access.status === "valid") body.groups = access.groups;
    return Response.json(body, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    if (err instanceof TokenCheckError) {
      log("warn", "status check refused", { code: err.code });
      return Response.json({ error: "invalid_token", code: err.code }, { status: 401, headers: { "cache-control": "no-store" } });
    }
    throw err;
  }
}
