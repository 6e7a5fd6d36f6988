import * as jose from "jose";
import { writeAudit } from "../audit";
import { jwksFor } from "../providers/oidc-client";
import { getDb, transaction } from "../db/client";
import { emitRecordEvent } from "../events/emit";
import { log } from "../log";
import { enqueueAuth0Push } from "../auth0/push";
import { pushAuthorized } from "./stream";
import {
  JTI_WINDOW_DAYS,
  REVOKING_EVENTS,
  SET_CLOCK_SKEW_S,
  STREAM_STATUSES,
  STREAM_UPDATED_EVENT,
  VERIFICATION_EVENT,
  eventLabel,
  providerUuidOf,
} from "./events";

/**
 * The Shared Signals receiver: Security Event Tokens (RFC 8417) pushed over HTTP
 * (RFC 8935) by a transmitter an admin configured (lib/signals/transmitters.ts).
 *
 * Each SET is checked before anything happens: `application/secevent+jwt`, typ
 * `secevent+jwt`, an issuer that is a configured and enabled transmitter, a
 * signature by a key of that transmitter's JWKS, its audience, a `jti`, and an
 * `iat` inside the last JTI_WINDOW_DAYS (older ones are refused, so the jti table
 * only needs that long to stop replays). Failures answer 400 with the RFC's error
 * codes. The jti is stored once per transmitter in the same transaction as what the
 * event does: the same SET again (a retry, or a replay) is answered 202 and does
 * nothing, also when copies arrive at once.
 *
 * A transmitter whose stream this receiver created (lib/signals/stream.ts) must send the
 * Authorization header given at creation: without it, or with another, 401
 * `authentication_failed` (checked before anything else of the SET is trusted). The
 * verification event answering "Verify stream" (its stream id as an opaque subject and
 * the state asked for) marks the stream verified.
 *
 * Acting: "account disabled", "account purged" and "credential compromised" for a
 * provider identity revoke every verified record resting on it, each with an audit
 * entry (`signal.revoke`, the transmitter as actor, the event as the reason). Event
 * types the portal does not act on are accepted (202) and logged by type.
 */

export { JTI_WINDOW_DAYS };
const MAX_BODY = 64 * 1024;
const CLOCK_SKEW_S = SET_CLOCK_SKEW_S;
const ALGORITHMS = ["RS256", "PS256", "ES256"];
const JWKS_TIMEOUT_MS = 5_000;

export type SetErrorCode = "invalid_request" | "invalid_key" | "invalid_issuer" | "invalid_audience" | "authentication_failed";

export class SetError extends Error {
  constructor(
    readonly err: SetErrorCode,
    readonly description: string,
  ) {
    super(description);
    this.name = "SetError";
  }
}

export interface Received {
  transmitterId: string;
  jti: string;
  duplicate: boolean;
  outcome: "revoked" | "no_match" | "ignored" | "verification" | "stream_status" | "duplicate";
  revoked: number;
}

async function readSet(request: Request): Promise<string> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/secevent+jwt")
    throw new SetError("invalid_request", "The body must be a SET (Content-Type: application/secevent+jwt).");
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY) throw new SetError("invalid_request", "The SET is too large.");
  const body = (await request.text()).trim();
  if (body.length > MAX_BODY) throw new SetError("invalid_request", "The SET is too large.");
  if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(body)) throw new SetError("invalid_request", "The body is not a signed JWT.");
  return body;
}

async function verifySet(token: string, authorization: string | null) {
  let claimedIssuer: unknown;
  let alg: unknown;
  try {
    alg = jose.decodeProtectedHeader(token).alg;
    claimedIssuer = jose.decodeJwt(token).iss;
  } catch {
    throw new SetError("invalid_request", "The body cannot be parsed as a SET.");
  }
  if (typeof alg !== "string" || alg.toLowerCase() === "none") throw new SetError("invalid_request", "The SET is not signed.");
  if (typeof claimedIssuer !== "string" || !claimedIssuer) throw new SetError("invalid_issuer", "The SET names no issuer.");
  const db = await getDb();
  const transmitter = await db.signalTransmitter.findUnique({ where: { issuer: claimedIssuer } });
  if (!transmitter || !transmitter.enabled)
    throw new SetError("invalid_issuer", "The SET's issuer is not a transmitter this receiver trusts.");
  // A stream created with an authorization header (lib/signals/stream.ts): every push must carry it.
  if (!pushAuthorized(transmitter.pushAuthorizationSha256, authorization))
    throw new SetError("authentication_failed", "The push does not carry the Authorization header this stream was created with.");
  try {
    const { payload } = await jose.jwtVerify(token, jwksFor(transmitter.jwksUrl, JWKS_TIMEOUT_MS), {
      issuer: transmitter.issuer,
      audience: transmitter.audience,
      typ: "secevent+jwt",
      algorithms: ALGORITHMS,
      clockTolerance: CLOCK_SKEW_S,
    });
    return { transmitter, payload };
  } catch (err) {
    if (err instanceof jose.errors.JWTClaimValidationFailed) {
      if (err.claim === "aud") throw new SetError("invalid_audience", "The SET's audience is not this receiver.");
      if (err.claim === "iss") throw new SetError("invalid_issuer", "The SET's issuer is not a transmitter this receiver trusts.");
      if (err.claim === "typ") throw new SetError("invalid_request", "The SET's typ header must be secevent+jwt.");
      throw new SetError("invalid_request", `The SET's ${err.claim} claim is not acceptable.`);
    }
    if (
      err instanceof jose.errors.JWSSignatureVerificationFailed ||
      err instanceof jose.errors.JWKSNoMatchingKey ||
      err instanceof jose.errors.JWKSMultipleMatchingKeys ||
      err instanceof jose.errors.JOSEAlgNotAllowed
    )
      throw new SetError("invalid_key", "The SET is not signed by a key of its transmitter.");
    if (err instanceof jose.errors.JWKSTimeout || err instanceof jose.errors.JWKSInvalid || (err as Error)?.name === "TypeError")
      throw new SetError("invalid_key", "The transmitter's keys could not be read; try again later.");
    throw new SetError("invalid_request", "The body cannot be parsed as a SET.");
  }
}

/** Checks a pushed SET and does what it says; throws SetError for the 400 answers. */
export async function receiveSet(request: Request, now: Date = new Date()): Promise<Received> {
  const token = await readSet(request);
  const { transmitter, payload } = await verifySet(token, request.headers.get("authorization"));
  const { jti, iat, events } = payload;
  if (typeof jti !== "string" || !jti || jti.length > 200) throw new SetError("invalid_request", "The SET has no jti.");
  if (typeof iat !== "number") throw new SetError("invalid_request", "The SET has no iat.");
  const age = now.getTime() / 1000 - iat;
  if (age > JTI_WINDOW_DAYS * 86_400) throw new SetError("invalid_request", `The SET was issued more than ${JTI_WINDOW_DAYS} days ago.`);
  if (age < -CLOCK_SKEW_S) throw new SetError("invalid_request", "The SET was issued in the future.");
  if (!events || typeof events !== "object" || Array.isArray(events) || Object.keys(events).length === 0)
    throw new SetError("invalid_request", "The SET carries no event.");
  const types = Object.keys(events);
  const topSubject = (payload as Record<string, unknown>).sub_id;

  const result = await transaction(async (tx) => {
    const claimed = await tx.$queryRaw<{ id: bigint }[]>`INSERT INTO signal_event (transmitter_id, jti, issued_at, event_types, outcome)
      VALUES (${transmitter.id}, ${jti}, ${new Date(iat * 1000)}, ${types}, 'pending')
      ON CONFLICT (transmitter_id, jti) DO NOTHING RETURNING id`;
    if (!claimed[0]) return { outcome: "duplicate" as const, revoked: 0 };
    let revoked = 0;
    let outcome: Received["outcome"] = types.every((t) => t === VERIFICATION_EVENT) ? "verification" : "ignored";
    if (types.includes(STREAM_UPDATED_EVENT) && transmitter.streamId) {
      // The transmitter changed this stream's status (SSF §8.1.5): paused or disabled, events stop coming.
      const body = (events as Record<string, unknown>)[STREAM_UPDATED_EVENT] as Record<string, unknown> | null;
      const subject = (topSubject ?? body?.subject) as Record<string, unknown> | undefined;
      const status = body?.status;
      const ours = subject?.format === "opaque" && subject.id === transmitter.streamId;
      if (ours && typeof status === "string" && (STREAM_STATUSES as readonly string[]).includes(status)) {
        await tx.signalTransmitter.updateMany({
          where: { id: transmitter.id, streamId: transmitter.streamId },
          data: { streamStatus: status },
        });
        if (types.every((t) => t === STREAM_UPDATED_EVENT)) outcome = "stream_status";
      }
    }
    for (const type of types) {
      if (!REVOKING_EVENTS[type]) continue;
      const body = (events as Record<string, unknown>)[type] as Record<string, unknown> | null;
      const uuid = providerUuidOf(topSubject ?? body?.subject, transmitter.issuer);
      if (!uuid) throw new SetError("invalid_request", `The ${eventLabel(type)} event names no subject this receiver can match.`);
      const records = await tx.verificationRecord.findMany({
        where: { provider: transmitter.provider, providerUuid: uuid, status: "verified" },
        select: { id: true, policy: true, policyKey: true, personId: true, auth0UserId: true },
      });
      for (const record of records) {
        const { count } = await tx.verificationRecord.updateMany({
          where: { id: record.id, status: "verified" },
          data: { status: "revoked", updatedAt: now },
        });
        if (count !== 1) continue;
        revoked++;
        await writeAudit(tx, { id: `transmitter:${transmitter.id}`, email: null, role: "system" }, "signal.revoke", {
          target: record.id,
          reason: `${eventLabel(type)}, reported by ${transmitter.name} (SET ${jti})`,
          details: {
            from: "verified",
            to: "revoked",
            event: type,
            jti,
            transmitter: transmitter.id,
            provider: transmitter.provider,
            policy: record.policy,
            policyKey: record.policyKey,
            person: record.personId,
          },
        });
        await enqueueAuth0Push(tx, { auth0UserId: record.auth0UserId, cause: "signal", recordId: record.id, personId: record.personId });
        await emitRecordEvent(tx, "verification.revoked", record.id, { source: "shared_signals" });
      }
      outcome = revoked > 0 ? "revoked" : outcome === "revoked" ? outcome : "no_match";
    }
    if (types.includes(VERIFICATION_EVENT) && transmitter.streamId && transmitter.verificationState) {
      // The answer to this receiver's verification request (SSF §8.1.4): its stream, and the state it sent.
      const body = (events as Record<string, unknown>)[VERIFICATION_EVENT] as Record<string, unknown> | null;
      const subject = (topSubject ?? body?.subject) as Record<string, unknown> | undefined;
      const ours = subject?.format === "opaque" && subject.id === transmitter.streamId && body?.state === transmitter.verificationState;
      if (ours)
        await tx.signalTransmitter.updateMany({
          where: { id: transmitter.id, verificationState: transmitter.verificationState },
          data: { verifiedAt: now, verificationState: null },
        });
    }
    await tx.signalEvent.update({ where: { id: claimed[0].id }, data: { outcome, revoked } });
    return { outcome, revoked };
  });

  const duplicate = result.outcome === "duplicate";
  for (const type of types)
    log(
      duplicate ? "info" : REVOKING_EVENTS[type] || type === VERIFICATION_EVENT || type === STREAM_UPDATED_EVENT ? "info" : "warn",
      "security event received",
      {
        step: "signal",
        provider: transmitter.provider,
        code: duplicate
          ? "duplicate_jti"
          : REVOKING_EVENTS[type] || type === VERIFICATION_EVENT || type === STREAM_UPDATED_EVENT
            ? eventLabel(type)
            : "unknown_event_type",
        outcome: result.outcome,
        status: result.revoked,
      },
    );
  return { transmitterId: transmitter.id, jti, duplicate, outcome: result.outcome, revoked: result.revoked };
}

/** The HTTP answer of RFC 8935: 202 and no body, or 400 with {err, description}. */
export async function receiveSetResponse(request: Request): Promise<Response> {
  try {
    await receiveSet(request);
    return new Response(null, { status: 202 });
  } catch (err) {
    if (err instanceof SetError) {
      log("warn", "security event refused", { step: "signal", code: err.err });
      // A missing or wrong Authorization header is an HTTP authentication failure (RFC 7235): 401.
      if (err.err === "authentication_failed")
        return Response.json(
          { err: err.err, description: err.description },
          { status: 401, headers: { "www-authenticate": 'Bearer realm="ssf"' } },
        );
      return Response.json({ err: err.err, description: err.description }, { status: 400 });
    }
    log("error", "security event failed", { step: "signal", error: (err as Error)?.name });
    return Response.json({ err: "temporarily_unavailable", description: "The event could not be stored; send it again." }, { status: 503 });
  }
}
