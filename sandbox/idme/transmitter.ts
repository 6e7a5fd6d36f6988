/**
 * The ID.me stand-in's Shared Signals transmitter (OpenID Shared Signals Framework
 * 1.0, push delivery per RFC 8935): it signs Security Event Tokens (RFC 8417) with
 * a key of its own, publishes that key, lets a receiver create a stream, and POSTs
 * the tokens to the streams that exist.
 *
 *   <base>/.well-known/ssf-configuration/oidc   transmitter metadata (issuer <base>/oidc; SSF §7.2:
 *                                               the issuer's path after the well-known name)
 *   <base>/ssf/jwks                             its public key
 *   <base>/ssf/streams                          configuration_endpoint (SSF §8.1.1): POST creates the
 *                                               receiver's stream (201), GET reads it (?stream_id=…, or
 *                                               all of the receiver's), PATCH updates it and PUT replaces it
 *                                               (200, the whole stream), DELETE ?stream_id=… removes it (204)
 *   <base>/ssf/status                           status_endpoint (SSF §8.1.2): GET ?stream_id=… → {stream_id,
 *                                               status, reason?}; POST {stream_id, status, reason?} sets it (200)
 *   <base>/ssf/verify                           verification_endpoint (SSF §8.1.4): POST {stream_id,
 *                                               state} → 204, then a verification event on the stream
 *
 * The management API wants the bearer token the transmitter issued to the receiver
 * (`receivers`, given out of band, as ID.me would): none or another → 401; a stream of
 * another receiver → 404. A receiver has at most one stream (a second POST → 409).
 * Creating one: delivery `{method: "urn:ietf:rfc:8935", endpoint_url, authorization_header?}`
 * (another method → 400), `events_requested`, `description`; the answer has `events_delivered`,
 * the requested events this transmitter supports. The stream's `aud` is the receiver's
 * audience (the transmitter decides it). The authorization header is sent with every push
 * on that stream and never returned.
 *
 * Update and replace (SSF §8.1.1.3, §8.1.1.4) take `stream_id` (required) and the
 * Receiver-Supplied properties (delivery, events_requested, description): PATCH changes those
 * present and leaves the others; PUT takes the full set, and one missing is deleted (a push
 * stream cannot lose its delivery: 400). Transmitter-Supplied properties (iss, aud,
 * events_supported, events_delivered) may be sent, but must match the stream's (else 400);
 * min_verification_interval and inactivity_timeout, which this transmitter does not set, cannot.
 *
 * Status (SSF §8.1.2): enabled streams get events; a paused stream's events are held and sent,
 * in order, when it is enabled again; a disabled stream's are dropped. When the transmitter
 * itself changes a status (`setStatus`, ID.me's side), it sends a stream-updated event to a
 * stream that was or becomes enabled. Not done: subjects (add/remove), poll delivery.
 *
 * The issuer is ID.me's OpenID issuer, so a subject `{format: "iss_sub", iss, sub}` names
 * the same ID.me account its ID tokens name. `transmit` pushes an event to every enabled
 * stream that delivers its type; `sign` and `deliver` are for tests that play a forger.
 */
import { randomUUID, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from "jose";
import { readBody, sendJson } from "../shared/http";

export const SSF_PATHS = {
  configuration: "/.well-known/ssf-configuration/oidc",
  jwks: "/ssf/jwks",
  streams: "/ssf/streams",
  status: "/ssf/status",
  verify: "/ssf/verify",
} as const;

export const PUSH_METHOD = "urn:ietf:rfc:8935";
export const RISC_ACCOUNT_DISABLED = "https://schemas.openid.net/secevent/risc/event-type/account-disabled";
export const RISC_CREDENTIAL_COMPROMISE = "https://schemas.openid.net/secevent/risc/event-type/credential-compromise";
export const RISC_ACCOUNT_PURGED = "https://schemas.openid.net/secevent/risc/event-type/account-purged";
export const SSF_VERIFICATION = "https://schemas.openid.net/secevent/ssf/event-type/verification";
export const SSF_STREAM_UPDATED = "https://schemas.openid.net/secevent/ssf/event-type/stream-updated";
export const STREAM_STATUSES = ["enabled", "paused", "disabled"] as const;
export type StreamStatus = (typeof STREAM_STATUSES)[number];
export const EVENTS_SUPPORTED = [RISC_ACCOUNT_DISABLED, RISC_CREDENTIAL_COMPROMISE, RISC_ACCOUNT_PURGED];

/** A receiver the transmitter knows: the bearer token it gave it, and the audience of its events. */
export interface StreamReceiver {
  token: string;
  audience: string;
}

export interface Stream {
  stream_id: string;
  iss: string;
  aud: string;
  delivery: { method: string; endpoint_url: string; authorization_header?: string };
  events_supported: string[];
  events_requested: string[];
  events_delivered: string[];
  description?: string;
  status: StreamStatus;
  /** Why the status is what it is (set with the status, by the receiver or the transmitter). */
  reason?: string;
  /** Whose stream it is (the receiver's token). */
  owner: string;
}

export interface PushRequest {
  audience: string;
  /** The event type URI and its payload (default: the subject only). */
  type: string;
  /** The ID.me account uuid the event is about (`iss_sub` with ID.me's issuer). */
  subjectUuid?: string;
  /** Any other subject (e.g. the stream, for a verification event). */
  subject?: Record<string, unknown>;
  payload?: Record<string, unknown>;
  jti?: string;
  /** Seconds since the epoch; default now. */
  iat?: number;
}

export interface PushAnswer {
  status: number;
  body: string;
  /** The SET that was sent (for replay tests). */
  token: string;
  /** The stream it went on (none for `deliver`). */
  streamId?: string;
}

export interface Transmitter {
  issuer: string;
  jwksUrl: string;
  jwks(): { keys: JWK[] };
  configuration(): Record<string, unknown>;
  sign(req: PushRequest): Promise<string>;
  /** Pushes an event to every enabled stream that delivers its type; [] when there is none. */
  transmit(req: Omit<PushRequest, "audience">): Promise<PushAnswer[]>;
  /** The streams receivers created (copies, with their authorization headers). */
  streams(): Stream[];
  /**
   * ID.me's side changes a stream's status (e.g. pauses it): a stream-updated event goes to the
   * receiver when the stream was or becomes enabled; held events go out when it becomes enabled.
   */
  setStatus(streamId: string, status: StreamStatus, reason?: string): Promise<PushAnswer[]>;
  /** Answers the stream management API's requests (true), or leaves the request (false). */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /** Verification events sent after a verification request, once each is answered (tests wait on it). */
  settled(): Promise<void>;
}

/** POSTs a SET as RFC 8935 says: the token is the body, `application/secevent+jwt`. */
export async function deliver(receiver: string, token: string, authorization?: string): Promise<PushAnswer> {
  const res = await fetch(receiver, {
    method: "POST",
    headers: {
      "content-type": "application/secevent+jwt",
      accept: "application/json",
      ...(authorization ? { authorization } : {}),
    },
    body: token,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.text(), token };
}

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Set by the transmitter; a request may repeat them, but only as they are (SSF §8.1.1.3). */
const TRANSMITTER_SUPPLIED = ["iss", "aud", "events_supported", "events_delivered", "min_verification_interval", "inactivity_timeout"];

async function readJson(req: IncomingMessage, limit: number): Promise<Record<string, unknown> | null> {
  try {
    const body: unknown = JSON.parse(await readBody(req, limit));
    return body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The Receiver-Supplied properties a body sets (delivery, events_requested, description), checked; a string says what is wrong. */
function receiverSupplied(
  body: Record<string, unknown>,
): { delivery?: Stream["delivery"]; events_requested?: string[]; description?: string } | string {
  const out: { delivery?: Stream["delivery"]; events_requested?: string[]; description?: string } = {};
  if (body.delivery !== undefined) {
    const delivery = (body.delivery ?? {}) as Record<string, unknown>;
    if (delivery.method !== PUSH_METHOD) return `Only push delivery (${PUSH_METHOD}) is supported.`;
    let endpoint: URL;
    try {
      endpoint = new URL(String(delivery.endpoint_url ?? ""));
      if (!/^https?:$/.test(endpoint.protocol)) throw new Error("scheme");
    } catch {
      return "delivery.endpoint_url must be an http(s) URL.";
    }
    const auth = delivery.authorization_header;
    if (auth !== undefined && (typeof auth !== "string" || !auth || auth.length > 1024))
      return "delivery.authorization_header must be a string.";
    out.delivery = { method: PUSH_METHOD, endpoint_url: endpoint.href, ...(auth ? { authorization_header: auth } : {}) };
  }
  if (body.events_requested !== undefined) {
    if (!Array.isArray(body.events_requested) || body.events_requested.some((e) => typeof e !== "string"))
      return "events_requested must be an array of event type URIs.";
    out.events_requested = body.events_requested as string[];
  }
  if (body.description !== undefined) {
    if (typeof body.description !== "string") return "description must be a string.";
    out.description = body.description.slice(0, 200);
  }
  return out;
}

export async function createTransmitter(baseUrl: string, issuer: string, receivers: StreamReceiver[] = []): Promise<Transmitter> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = `ssf-${randomUUID().slice(0, 8)}`;
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const jwksUrl = `${baseUrl}${SSF_PATHS.jwks}`;
  const streams = new Map<string, Stream>();
  // What a paused stream would have been sent, in order (SSF §8.1.2: held, then sent once it is enabled).
  const held = new Map<string, Omit<PushRequest, "audience">[]>();
  const inFlight = new Set<Promise<unknown>>();

  const sign = async (req: PushRequest, key: CryptoKey = privateKey) => {
    const event = { ...(req.payload ?? {}) };
    const claims: Record<string, unknown> = { events: { [req.type]: event } };
    if (req.subjectUuid) claims.sub_id = { format: "iss_sub", iss: issuer, sub: req.subjectUuid };
    else if (req.subject) claims.sub_id = req.subject;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", typ: "secevent+jwt", kid })
      .setIssuer(issuer)
      .setAudience(req.audience)
      .setJti(req.jti ?? randomUUID())
      .setIssuedAt(req.iat ?? Math.floor(Date.now() / 1000))
      .sign(key);
  };

  const onStream = async (s: Stream, req: Omit<PushRequest, "audience">): Promise<PushAnswer> => {
    const token = await sign({ ...req, audience: s.aud });
    try {
      return { ...(await deliver(s.delivery.endpoint_url, token, s.delivery.authorization_header)), streamId: s.stream_id };
    } catch (err) {
      return { status: 0, body: err instanceof Error ? err.message : String(err), token, streamId: s.stream_id };
    }
  };

  /** The stream as the management API shows it: never the authorization header. */
  const shown = (s: Stream) => {
    const { owner: _owner, status: _status, reason: _reason, delivery, ...rest } = s;
    return { ...rest, delivery: { method: delivery.method, endpoint_url: delivery.endpoint_url } };
  };
  const error = (res: ServerResponse, status: number, description: string) =>
    sendJson(res, status, { error: status === 401 ? "unauthorized" : "invalid_request", error_description: description });

  const track = (p: Promise<unknown>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const statusOf = (s: Stream) => ({ stream_id: s.stream_id, status: s.status, ...(s.reason ? { reason: s.reason } : {}) });

  /** Sets a stream's status; becoming enabled sends what was held while paused (in order), disabled drops it. */
  const changeStatus = async (
    s: Stream,
    status: StreamStatus,
    reason?: string,
    /** Sent first when the stream becomes enabled (the transmitter's stream-updated event). */
    first?: Omit<PushRequest, "audience">,
  ): Promise<PushAnswer[]> => {
    s.status = status;
    if (reason) s.reason = reason.slice(0, 200);
    else delete s.reason;
    if (status === "paused") return [];
    const waiting = held.get(s.stream_id) ?? [];
    held.delete(s.stream_id);
    const answers: PushAnswer[] = [];
    if (status === "enabled") for (const req of first ? [first, ...waiting] : waiting) answers.push(await onStream(s, req));
    return answers;
  };

  /** An event on a stream as its status says: sent (enabled), held (paused) or dropped (disabled). */
  const sendOrHold = async (s: Stream, req: Omit<PushRequest, "audience">): Promise<PushAnswer | null> => {
    if (s.status === "enabled") return onStream(s, req);
    if (s.status === "paused") held.set(s.stream_id, [...(held.get(s.stream_id) ?? []), req]);
    return null;
  };

  async function manage(req: IncomingMessage, res: ServerResponse, url: URL) {
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? "";
    const receiver = receivers.find((r) => bearer && sameText(r.token, bearer));
    if (!receiver) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="ssf"');
      return error(res, 401, "A bearer token this transmitter issued is required.");
    }
    const own = (id: string | null) => (id ? streams.get(id) : undefined);
    const mine = (id: string | null) => {
      const s = own(id);
      return s && s.owner === receiver.token ? s : undefined;
    };
    const path = url.pathname;
    if (path === SSF_PATHS.streams) {
      if (req.method === "POST") {
        const body = await readJson(req, 16 * 1024);
        if (!body) return error(res, 400, "The body must be a JSON stream configuration.");
        const given = receiverSupplied(body);
        if (typeof given === "string") return error(res, 400, given);
        if (!given.delivery) return error(res, 400, `Only push delivery (${PUSH_METHOD}) is supported.`);
        if ([...streams.values()].some((s) => s.owner === receiver.token))
          return error(res, 409, "This receiver already has a stream; delete it first.");
        const requested = given.events_requested ?? [];
        const stream: Stream = {
          stream_id: randomUUID(),
          iss: issuer,
          aud: receiver.audience,
          delivery: given.delivery,
          events_supported: [...EVENTS_SUPPORTED],
          events_requested: requested,
          events_delivered: EVENTS_SUPPORTED.filter((e) => requested.includes(e)),
          ...(given.description !== undefined ? { description: given.description } : {}),
          status: "enabled",
          owner: receiver.token,
        };
        streams.set(stream.stream_id, stream);
        return sendJson(res, 201, shown(stream));
      }
      if (req.method === "PATCH" || req.method === "PUT") {
        const body = await readJson(req, 16 * 1024);
        if (!body) return error(res, 400, "The body must be a JSON stream configuration.");
        if (typeof body.stream_id !== "string" || !body.stream_id) return error(res, 400, "stream_id is required.");
        const s = mine(body.stream_id);
        if (!s) return error(res, 404, "No such stream.");
        const given = receiverSupplied(body);
        if (typeof given === "string") return error(res, 400, given);
        const replace = req.method === "PUT";
        // PUT: a Receiver-Supplied property left out is deleted; a push stream cannot do without its delivery.
        if (replace && !given.delivery) return error(res, 400, "delivery is required: the full configuration replaces the stream's.");
        const requested = given.events_requested ?? (replace ? [] : s.events_requested);
        const next: Stream = {
          ...s,
          delivery: given.delivery ?? s.delivery,
          events_requested: requested,
          events_delivered: EVENTS_SUPPORTED.filter((e) => requested.includes(e)),
        };
        if (given.description !== undefined) next.description = given.description;
        else if (replace) delete next.description;
        const wrong = TRANSMITTER_SUPPLIED.find((k) => k in body && JSON.stringify(body[k]) !== JSON.stringify(next[k as keyof Stream]));
        if (wrong) return error(res, 400, `${wrong} is set by the transmitter and does not match this stream's.`);
        streams.set(s.stream_id, next);
        return sendJson(res, 200, shown(next));
      }
      if (req.method === "GET") {
        const id = url.searchParams.get("stream_id");
        if (!id) return sendJson(res, 200, [...streams.values()].filter((s) => s.owner === receiver.token).map(shown));
        const s = mine(id);
        return s ? sendJson(res, 200, shown(s)) : error(res, 404, "No such stream.");
      }
      if (req.method === "DELETE") {
        const s = mine(url.searchParams.get("stream_id"));
        if (!s) return error(res, 404, "No such stream.");
        streams.delete(s.stream_id);
        res.statusCode = 204;
        res.end();
        return;
      }
      res.setHeader("Allow", "GET, POST, PATCH, PUT, DELETE");
      return error(res, 405, "Method not allowed.");
    }
    if (path === SSF_PATHS.status && req.method === "GET") {
      const s = mine(url.searchParams.get("stream_id"));
      return s ? sendJson(res, 200, statusOf(s)) : error(res, 404, "No such stream.");
    }
    if (path === SSF_PATHS.status && req.method === "POST") {
      const body = await readJson(req, 4 * 1024);
      if (!body) return error(res, 400, "The body must be JSON with stream_id and status.");
      const s = mine(typeof body.stream_id === "string" ? body.stream_id : null);
      if (!s) return error(res, 404, "No such stream.");
      if (!STREAM_STATUSES.includes(body.status as StreamStatus))
        return error(res, 400, `status must be one of ${STREAM_STATUSES.join(", ")}.`);
      if (body.reason !== undefined && typeof body.reason !== "string") return error(res, 400, "reason must be a string.");
      // The receiver asked for it: no stream-updated event (that tells of the transmitter's own decisions).
      const released = changeStatus(s, body.status as StreamStatus, body.reason as string | undefined);
      sendJson(res, 200, statusOf(s));
      track(released);
      return;
    }
    if (path === SSF_PATHS.verify && req.method === "POST") {
      const body = await readJson(req, 4 * 1024);
      if (!body) return error(res, 400, "The body must be JSON with stream_id.");
      const s = mine(typeof body.stream_id === "string" ? body.stream_id : null);
      if (!s) return error(res, 404, "No such stream.");
      const state = typeof body.state === "string" ? body.state.slice(0, 256) : undefined;
      res.statusCode = 204;
      res.end();
      // The verification event goes out after the answer, as a transmitter sends it asynchronously;
      // like any event, it waits while the stream is paused and is dropped while it is disabled.
      track(
        sendOrHold(s, {
          type: SSF_VERIFICATION,
          subject: { format: "opaque", id: s.stream_id },
          payload: state === undefined ? {} : { state },
        }),
      );
      return;
    }
    return error(res, 404, "Not found.");
  }

  return {
    issuer,
    jwksUrl,
    jwks: () => ({ keys: [publicJwk] }),
    configuration: () => ({
      spec_version: "1_0",
      issuer,
      jwks_uri: jwksUrl,
      delivery_methods_supported: [PUSH_METHOD],
      configuration_endpoint: `${baseUrl}${SSF_PATHS.streams}`,
      status_endpoint: `${baseUrl}${SSF_PATHS.status}`,
      verification_endpoint: `${baseUrl}${SSF_PATHS.verify}`,
      critical_subject_members: ["sub_id"],
      authorization_schemes: [{ spec_urn: "urn:ietf:rfc:6750" }],
      default_subjects: "ALL",
    }),
    sign: (req) => sign(req),
    transmit: async (req) => {
      const on = [...streams.values()].filter((s) => s.events_delivered.includes(req.type));
      const answers = await Promise.all(on.map((s) => sendOrHold(s, req)));
      return answers.filter((a): a is PushAnswer => a !== null);
    },
    streams: () => [...streams.values()].map((s) => structuredClone(s)),
    async setStatus(streamId, status, reason) {
      const s = streams.get(streamId);
      if (!s) throw new Error(`no stream ${streamId}`);
      const was = s.status;
      const notice = (): Omit<PushRequest, "audience"> => ({
        type: SSF_STREAM_UPDATED,
        subject: { format: "opaque", id: s.stream_id },
        payload: { status, ...(reason ? { reason } : {}) },
      });
      // SSF §8.1.5: the receiver hears of the transmitter's change while the stream was enabled, or once it is again.
      const before = was === "enabled" && status !== "enabled" ? [await onStream(s, notice())] : [];
      return [...before, ...(await changeStatus(s, status, reason, was !== "enabled" && status === "enabled" ? notice() : undefined))];
    },
    async handle(req, res, url) {
      if (![SSF_PATHS.streams, SSF_PATHS.status, SSF_PATHS.verify].includes(url.pathname as never)) return false;
      await manage(req, res, url);
      return true;
    },
    async settled() {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
  };
}
