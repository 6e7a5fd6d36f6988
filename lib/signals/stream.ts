import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { log } from "../log";
import { REVOKING_EVENTS } from "./events";

/**
 * The receiver's side of SSF 1.0 stream management (§7 transmitter metadata, §8.1 the
 * stream management API), for "Connect stream" on the Signals page (lib/signals/admin.ts):
 *
 *   GET  <origin>/.well-known/ssf-configuration<issuer path>   the transmitter's metadata
 *   POST configuration_endpoint  (Authorization: Bearer <token the transmitter issued>)
 *        { delivery: { method: "urn:ietf:rfc:8935", endpoint_url, authorization_header },
 *          events_requested, description }                       → 201 the stream (stream_id, aud, events_delivered)
 *   PUT  configuration_endpoint  { stream_id, the same }         → 200 the stream, replaced in place (§8.1.1.4)
 *   GET  status_endpoint?stream_id=…                             → { status: enabled | paused | disabled, reason? } (§8.1.2.1)
 *   POST verification_endpoint { stream_id, state }              → 204, then a verification SET on the stream
 *
 * The authorization header is made here (a random bearer value), given to the transmitter
 * once and kept only as its SHA-256: the receiver compares each push's Authorization
 * header with it. Every answer is parsed with zod; failures become a StreamError whose
 * message an admin can act on. Logs carry statuses, never the tokens.
 */

export const PUSH_DELIVERY = "urn:ietf:rfc:8935";
const TIMEOUT_MS = 5_000;

export class StreamError extends Error {
  constructor(
    readonly field: "token" | "issuer" | null,
    message: string,
  ) {
    super(message);
    this.name = "StreamError";
  }
}

const metadataSchema = z.object({
  issuer: z.string(),
  jwks_uri: z.string().optional(),
  delivery_methods_supported: z.array(z.string()).optional(),
  configuration_endpoint: z.string().optional(),
  status_endpoint: z.string().optional(),
  verification_endpoint: z.string().optional(),
});
export type TransmitterMetadata = z.output<typeof metadataSchema>;

const streamSchema = z.object({
  stream_id: z.string().min(1).max(300),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  events_delivered: z.array(z.string()).optional(),
});
export type CreatedStream = z.output<typeof streamSchema>;

/** SSF §7.2: the well-known name goes between the issuer's origin and its path. */
export function wellKnownUrl(issuer: string): string {
  const u = new URL(issuer);
  const path = u.pathname.replace(/\/+$/, "");
  return `${u.origin}/.well-known/ssf-configuration${path}`;
}

async function call(url: string, init: RequestInit, step: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: "error", signal: AbortSignal.timeout(TIMEOUT_MS), cache: "no-store" });
  } catch (err) {
    log("warn", "ssf transmitter unreachable", { step, error: err instanceof Error ? err.name : "error" });
    throw new StreamError("issuer", "The transmitter did not answer. Check the issuer and try again.");
  }
}

function refused(res: Response, step: string): StreamError {
  log("warn", "ssf transmitter refused", { step, status: res.status });
  if (res.status === 401 || res.status === 403)
    return new StreamError("token", `The transmitter refused the token (${res.status}). Use the bearer token it issued to this portal.`);
  if (res.status === 409) return new StreamError(null, "The transmitter says this portal already has a stream there (409).");
  return new StreamError(null, `The transmitter answered ${res.status}.`);
}

/** An endpoint the transmitter's metadata names, usable only over https (http for this machine, as in the sandbox). */
export const endpoint = (v: string | undefined, what: string): string => {
  try {
    const u = new URL(v ?? "");
    if (u.protocol === "https:" || (u.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(u.hostname))) return u.href;
  } catch {
    // below
  }
  throw new StreamError("issuer", `The transmitter's configuration has no usable ${what}.`);
};

/** The transmitter's metadata, checked: its issuer is the one configured, it pushes, it has a configuration endpoint. */
export async function discoverTransmitter(issuer: string): Promise<TransmitterMetadata & { configuration_endpoint: string }> {
  const res = await call(wellKnownUrl(issuer), { headers: { accept: "application/json" } }, "ssf.discovery");
  if (!res.ok) throw new StreamError("issuer", `No SSF configuration at ${wellKnownUrl(issuer)} (${res.status}).`);
  const parsed = metadataSchema.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw new StreamError("issuer", "The transmitter's SSF configuration cannot be read.");
  const m = parsed.data;
  if (m.issuer !== issuer)
    throw new StreamError("issuer", `The transmitter's configuration names another issuer (${m.issuer.slice(0, 200)}).`);
  if (m.delivery_methods_supported && !m.delivery_methods_supported.includes(PUSH_DELIVERY))
    throw new StreamError("issuer", "The transmitter does not offer push delivery (urn:ietf:rfc:8935).");
  return { ...m, configuration_endpoint: endpoint(m.configuration_endpoint, "configuration_endpoint") };
}

interface StreamConfiguration {
  configurationEndpoint: string;
  token: string;
  endpointUrl: string;
  authorizationHeader: string;
}

/** The receiver's whole part of the stream's configuration (SSF §8.1.1: the Receiver-Supplied properties). */
const receiverSupplied = (o: StreamConfiguration) => ({
  delivery: { method: PUSH_DELIVERY, endpoint_url: o.endpointUrl, authorization_header: o.authorizationHeader },
  events_requested: Object.keys(REVOKING_EVENTS),
  description: "Identity verification portal: verifications resting on an account are revoked when it is disabled",
});

const managementHeaders = (token: string) => ({
  authorization: `Bearer ${token}`,
  "content-type": "application/json",
  accept: "application/json",
});

async function readStream(res: Response): Promise<CreatedStream> {
  const parsed = streamSchema.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw new StreamError(null, "The transmitter's answer (the stream) cannot be read.");
  return parsed.data;
}

/** Creates this receiver's push stream at the transmitter. */
export async function createStream(o: StreamConfiguration): Promise<CreatedStream> {
  const res = await call(
    o.configurationEndpoint,
    { method: "POST", headers: managementHeaders(o.token), body: JSON.stringify(receiverSupplied(o)) },
    "ssf.stream_create",
  );
  if (res.status !== 201 && res.status !== 200) throw refused(res, "ssf.stream_create");
  return readStream(res);
}

/**
 * Replaces the configuration of the stream this receiver made (SSF §8.1.1.4: PUT with the full
 * Receiver-Supplied set), keeping its stream id and its status at the transmitter. Null when the
 * transmitter no longer has that stream (404) or does not replace streams (405, 501): then it
 * is made afresh.
 */
export async function replaceStream(o: StreamConfiguration & { streamId: string }): Promise<CreatedStream | null> {
  const res = await call(
    o.configurationEndpoint,
    { method: "PUT", headers: managementHeaders(o.token), body: JSON.stringify({ stream_id: o.streamId, ...receiverSupplied(o) }) },
    "ssf.stream_replace",
  );
  if (res.status === 404 || res.status === 405 || res.status === 501) return null;
  if (res.status !== 200) throw refused(res, "ssf.stream_replace");
  const stream = await readStream(res);
  if (stream.stream_id !== o.streamId) throw new StreamError(null, "The transmitter answered with another stream.");
  return stream;
}

/** Removes a stream (before creating it afresh); a stream the transmitter no longer has is fine. */
export async function deleteStream(o: { configurationEndpoint: string; token: string; streamId: string }): Promise<void> {
  const url = new URL(o.configurationEndpoint);
  url.searchParams.set("stream_id", o.streamId);
  const res = await call(url.href, { method: "DELETE", headers: { authorization: `Bearer ${o.token}` } }, "ssf.stream_delete");
  if (!res.ok && res.status !== 404) throw refused(res, "ssf.stream_delete");
}

/** Asks for a verification event carrying `state` (SSF §8.1.4); it arrives at the push endpoint. */
export async function requestVerification(o: {
  verificationEndpoint: string;
  token: string;
  streamId: string;
  state: string;
}): Promise<void> {
  const res = await call(
    o.verificationEndpoint,
    {
      method: "POST",
      headers: { authorization: `Bearer ${o.token}`, "content-type": "application/json" },
      body: JSON.stringify({ stream_id: o.streamId, state: o.state }),
    },
    "ssf.verify",
  );
  if (!res.ok) throw refused(res, "ssf.verify");
}

const statusSchema = z.object({
  status: z.enum(["enabled", "paused", "disabled"]),
  reason: z.string().max(500).optional(),
});
export type StreamStatus = z.output<typeof statusSchema>;

/** The stream's status as the transmitter reports it (SSF §8.1.2.1). */
export async function fetchStreamStatus(o: { statusEndpoint: string; token: string; streamId: string }): Promise<StreamStatus> {
  const url = new URL(o.statusEndpoint);
  url.searchParams.set("stream_id", o.streamId);
  const res = await call(url.href, { headers: { authorization: `Bearer ${o.token}`, accept: "application/json" } }, "ssf.stream_status");
  if (res.status === 404) {
    log("warn", "ssf transmitter refused", { step: "ssf.stream_status", status: 404 });
    throw new StreamError(null, "The transmitter has no such stream (404). Connect the stream again.");
  }
  if (!res.ok) throw refused(res, "ssf.stream_status");
  const parsed = statusSchema.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw new StreamError(null, "The transmitter's answer (the stream's status) cannot be read.");
  return parsed.data;
}

export const sha256Hex = (v: string) => createHash("sha256").update(v).digest("hex");

/** Whether a push's Authorization header is the one given to the transmitter (by its hash; constant time). */
export function pushAuthorized(expectedSha256: string | null, header: string | null): boolean {
  if (!expectedSha256) return true;
  if (!header) return false;
  const a = Buffer.from(sha256Hex(header), "hex");
  const b = Buffer.from(expectedSha256, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
