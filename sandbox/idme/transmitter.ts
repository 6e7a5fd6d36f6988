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
 *                                               all of the receiver's), DELETE ?stream_id=… removes it (204)
 *   <base>/ssf/status                           status_endpoint: GET ?stream_id=… → {stream_id, status}
 *   <base>/ssf/verify                           verification_endpoint (SSF §8.1.4): POST {stream_id,
 *                                               state} → 204, then a verification event on the stream
 *
 * The management API wants the bearer token the transmitter issued to the receiver
 * (`receivers`, given out of band, as ID.me would): none or another → 401; a stream of
 * another receiver → 404. A receiver has at most one stream (a second POST → 409).
 * Creating one: delivery `{method: "urn:ietf:rfc:8935", endpoint_url, authorization_header?}`
 * (another method → 400), `events_requested`; the answer has `events_delivered`, the
 * requested events this transmitter supports. The stream's `aud` is the receiver's
 * audience (the transmitter decides it). The authorization header is sent with every push
 * on that stream and never returned. What the stand-in does not do: PATCH/PUT of a
 * stream (405), subjects (add/remove, poll delivery).
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
  status: "enabled" | "paused" | "disabled";
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

export async function createTransmitter(baseUrl: string, issuer: string, receivers: StreamReceiver[] = []): Promise<Transmitter> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = `ssf-${randomUUID().slice(0, 8)}`;
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const jwksUrl = `${baseUrl}${SSF_PATHS.jwks}`;
  const streams = new Map<string, Stream>();
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
    const { owner: _owner, status: _status, delivery, ...rest } = s;
    return { ...rest, delivery: { method: delivery.method, endpoint_url: delivery.endpoint_url } };
  };
  const error = (res: ServerResponse, status: number, description: string) =>
    sendJson(res, status, { error: status === 401 ? "unauthorized" : "invalid_request", error_description: description });

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
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(await readBody(req, 16 * 1024)) as Record<string, unknown>;
        } catch {
          return error(res, 400, "The body must be a JSON stream configuration.");
        }
        const delivery = (body?.delivery ?? {}) as Record<string, unknown>;
        if (delivery.method !== PUSH_METHOD) return error(res, 400, `Only push delivery (${PUSH_METHOD}) is supported.`);
        let endpoint: URL;
        try {
          endpoint = new URL(String(delivery.endpoint_url ?? ""));
          if (!/^https?:$/.test(endpoint.protocol)) throw new Error("scheme");
        } catch {
          return error(res, 400, "delivery.endpoint_url must be an http(s) URL.");
        }
        const auth = delivery.authorization_header;
        if (auth !== undefined && (typeof auth !== "string" || !auth || auth.length > 1024))
          return error(res, 400, "delivery.authorization_header must be a string.");
        const requested = Array.isArray(body.events_requested)
          ? body.events_requested.filter((e): e is string => typeof e === "string")
          : [];
        if ([...streams.values()].some((s) => s.owner === receiver.token))
          return error(res, 409, "This receiver already has a stream; delete it first.");
        const stream: Stream = {
          stream_id: randomUUID(),
          iss: issuer,
          aud: receiver.audience,
          delivery: { method: PUSH_METHOD, endpoint_url: endpoint.href, ...(auth ? { authorization_header: auth } : {}) },
          events_supported: [...EVENTS_SUPPORTED],
          events_requested: requested,
          events_delivered: EVENTS_SUPPORTED.filter((e) => requested.includes(e)),
          ...(typeof body.description === "string" ? { description: body.description.slice(0, 200) } : {}),
          status: "enabled",
          owner: receiver.token,
        };
        streams.set(stream.stream_id, stream);
        return sendJson(res, 201, shown(stream));
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
      res.setHeader("Allow", "GET, POST, DELETE");
      return error(res, 405, "This transmitter does not update streams; delete and create again.");
    }
    if (path === SSF_PATHS.status && req.method === "GET") {
      const s = mine(url.searchParams.get("stream_id"));
      return s ? sendJson(res, 200, { stream_id: s.stream_id, status: s.status }) : error(res, 404, "No such stream.");
    }
    if (path === SSF_PATHS.verify && req.method === "POST") {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(await readBody(req, 4 * 1024)) as Record<string, unknown>;
      } catch {
        return error(res, 400, "The body must be JSON with stream_id.");
      }
      const s = mine(typeof body?.stream_id === "string" ? body.stream_id : null);
      if (!s) return error(res, 404, "No such stream.");
      const state = typeof body.state === "string" ? body.state.slice(0, 256) : undefined;
      res.statusCode = 204;
      res.end();
      // The verification event goes out after the answer, as a transmitter sends it asynchronously.
      const sending = onStream(s, {
        type: SSF_VERIFICATION,
        subject: { format: "opaque", id: s.stream_id },
        payload: state === undefined ? {} : { state },
      });
      inFlight.add(sending);
      void sending.finally(() => inFlight.delete(sending));
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
    transmit: async (req) =>
      Promise.all(
        [...streams.values()].filter((s) => s.status === "enabled" && s.events_delivered.includes(req.type)).map((s) => onStream(s, req)),
      ),
    streams: () => [...streams.values()].map((s) => structuredClone(s)),
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
