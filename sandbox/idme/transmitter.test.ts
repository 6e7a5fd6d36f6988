import http from "node:http";
import type { AddressInfo } from "node:net";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startIdmeStandin, type IdmeStandin } from "./server";
import { RISC_ACCOUNT_DISABLED, RISC_ACCOUNT_PURGED, RISC_CREDENTIAL_COMPROMISE, SSF_PATHS, SSF_STREAM_UPDATED } from "./transmitter";

/**
 * The ID.me stand-in's stream management API as SSF 1.0 §8.1 has it: a stream's configuration
 * is updated (PATCH: the Receiver-Supplied properties given, the rest kept) and replaced (PUT: the
 * full set, one left out is deleted); Transmitter-Supplied properties may be repeated but not
 * changed (400); a missing stream_id is 400, another receiver's stream 404, no token 401. The
 * status endpoint reads and sets enabled | paused | disabled, and the status decides what is
 * pushed: a paused stream's events are held and sent in order once enabled, a disabled
 * stream's are dropped.
 */

const RECEIVER = { token: "receiver-one-token", audience: "https://portal.example/api/ssf/events" };
const OTHER = { token: "receiver-two-token", audience: "https://other.example/ssf" };

let idme: IdmeStandin;
let push: http.Server;
let pushUrl: string;
/** Every push received: the SET's claims and the Authorization header it came with. */
let pushes: { claims: Record<string, unknown>; authorization: string | undefined }[] = [];

beforeAll(async () => {
  push = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      pushes.push({ claims: decodeJwt(Buffer.concat(chunks).toString()), authorization: req.headers.authorization });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => push.listen(0, "127.0.0.1", r));
  pushUrl = `http://127.0.0.1:${(push.address() as AddressInfo).port}/events`;
  idme = await startIdmeStandin({ port: 0, ssfReceivers: [RECEIVER, OTHER] });
});

afterAll(async () => {
  await idme?.close();
  await new Promise((r) => push?.close(r));
});

let streamId: string;
beforeEach(async () => {
  pushes = [];
  // Each test starts from a fresh stream of RECEIVER's.
  for (const s of idme.transmitter.streams()) await api(s.owner, "DELETE", `${SSF_PATHS.streams}?stream_id=${s.stream_id}`);
  const created = await api(RECEIVER.token, "POST", SSF_PATHS.streams, {
    delivery: { method: "urn:ietf:rfc:8935", endpoint_url: pushUrl, authorization_header: "Bearer push-1" },
    events_requested: [RISC_ACCOUNT_DISABLED],
    description: "first",
  });
  expect(created.status).toBe(201);
  streamId = created.body.stream_id as string;
});

async function api(token: string | null, method: string, path: string, body?: unknown) {
  const res = await fetch(`${idme.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
}

const stored = () => idme.transmitter.streams().find((s) => s.stream_id === streamId)!;

describe("updating a stream's configuration (PATCH)", () => {
  it("changes the Receiver-Supplied properties given, keeps the others, and answers the whole stream", async () => {
    const answer = await api(RECEIVER.token, "PATCH", SSF_PATHS.streams, {
      stream_id: streamId,
      events_requested: [RISC_ACCOUNT_DISABLED, RISC_ACCOUNT_PURGED, "urn:example:unsupported"],
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      stream_id: streamId,
      iss: idme.transmitter.issuer,
      aud: RECEIVER.audience,
      delivery: { method: "urn:ietf:rfc:8935", endpoint_url: pushUrl },
      events_supported: [RISC_ACCOUNT_DISABLED, RISC_CREDENTIAL_COMPROMISE, RISC_ACCOUNT_PURGED],
      events_requested: [RISC_ACCOUNT_DISABLED, RISC_ACCOUNT_PURGED, "urn:example:unsupported"],
      // The transmitter's answer: what it supports of what was asked for.
      events_delivered: [RISC_ACCOUNT_DISABLED, RISC_ACCOUNT_PURGED],
      description: "first",
    });
    // The delivery (and its authorization header) was not in the request: it stays.
    expect(stored().delivery.authorization_header).toBe("Bearer push-1");

    // A new delivery replaces the old one whole: the next push carries the new header.
    const moved = await api(RECEIVER.token, "PATCH", SSF_PATHS.streams, {
      stream_id: streamId,
      delivery: { method: "urn:ietf:rfc:8935", endpoint_url: pushUrl, authorization_header: "Bearer push-2" },
    });
    expect(moved.status).toBe(200);
    await idme.transmitter.transmit({ type: RISC_ACCOUNT_PURGED, subjectUuid: "u-1" });
    expect(pushes.map((p) => p.authorization)).toEqual(["Bearer push-2"]);
    expect(stored().stream_id).toBe(streamId);
  });

  it("accepts Transmitter-Supplied properties repeated as they are, and refuses them changed (400), changing nothing", async () => {
    const same = await api(RECEIVER.token, "PATCH", SSF_PATHS.streams, {
      stream_id: streamId,
      iss: idme.transmitter.issuer,
      aud: RECEIVER.audience,
      description: "second",
    });
    expect(same.status).toBe(200);
    expect(same.body.description).toBe("second");
    for (const wrong of [
      { aud: "https://attacker.example/aud" },
      { iss: "https://other-issuer.example" },
      { events_supported: [RISC_ACCOUNT_DISABLED] },
      { events_delivered: [RISC_ACCOUNT_PURGED] },
      { min_verification_interval: 1 },
    ]) {
      const answer = await api(RECEIVER.token, "PATCH", SSF_PATHS.streams, { stream_id: streamId, description: "changed", ...wrong });
      expect(answer.status, JSON.stringify(wrong)).toBe(400);
      expect(answer.body).toMatchObject({ error: "invalid_request" });
    }
    expect(stored()).toMatchObject({ aud: RECEIVER.audience, description: "second" });
  });

  it("answers 400 without stream_id or with a bad body, 404 for a stream that is not the receiver's, 401 without its token", async () => {
    expect((await api(RECEIVER.token, "PATCH", SSF_PATHS.streams, { description: "x" })).status).toBe(400);
    expect((await api(RECEIVER.token, "PATCH", SSF_PATHS.streams, "not json")).status).toBe(400);
    expect((await api(RECEIVER.token, "PATCH", SSF_PATHS.streams, { stream_id: streamId, events_requested: "all" })).status).toBe(400);
    expect(
      (await api(RECEIVER.token, "PATCH", SSF_PATHS.streams, { stream_id: streamId, delivery: { method: "urn:ietf:rfc:8936" } })).status,
    ).toBe(400);
    expect((await api(RECEIVER.token, "PATCH", SSF_PATHS.streams, { stream_id: "no-such-stream", description: "x" })).status).toBe(404);
    // Another receiver cannot see or change it.
    expect((await api(OTHER.token, "PATCH", SSF_PATHS.streams, { stream_id: streamId, description: "x" })).status).toBe(404);
    expect((await api(null, "PUT", SSF_PATHS.streams, { stream_id: streamId })).status).toBe(401);
    expect(stored().description).toBe("first");
  });
});

describe("replacing a stream's configuration (PUT)", () => {
  it("takes the full Receiver-Supplied set: one left out is deleted; the stream id and status stay", async () => {
    const answer = await api(RECEIVER.token, "PUT", SSF_PATHS.streams, {
      stream_id: streamId,
      delivery: { method: "urn:ietf:rfc:8935", endpoint_url: pushUrl, authorization_header: "Bearer push-3" },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ stream_id: streamId, events_requested: [], events_delivered: [] });
    expect(answer.body).not.toHaveProperty("description");
    expect(stored()).toMatchObject({ status: "enabled", delivery: { authorization_header: "Bearer push-3" } });
    // Nothing requested, nothing delivered.
    expect(await idme.transmitter.transmit({ type: RISC_ACCOUNT_DISABLED, subjectUuid: "u-1" })).toEqual([]);
  });

  it("refuses a replacement without a delivery (a push stream cannot lose it)", async () => {
    const answer = await api(RECEIVER.token, "PUT", SSF_PATHS.streams, { stream_id: streamId, events_requested: [RISC_ACCOUNT_DISABLED] });
    expect(answer.status).toBe(400);
    expect(stored().delivery.endpoint_url).toBe(pushUrl);
  });
});

describe("stream status", () => {
  const status = (token: string, id = streamId) => api(token, "GET", `${SSF_PATHS.status}?stream_id=${id}`);

  it("is read and set by the receiver; paused holds events and sends them in order when enabled; disabled drops them", async () => {
    expect(await status(RECEIVER.token)).toEqual({ status: 200, body: { stream_id: streamId, status: "enabled" } });

    const paused = await api(RECEIVER.token, "POST", SSF_PATHS.status, { stream_id: streamId, status: "paused", reason: "maintenance" });
    expect(paused).toEqual({ status: 200, body: { stream_id: streamId, status: "paused", reason: "maintenance" } });
    expect(await status(RECEIVER.token)).toEqual({ status: 200, body: { stream_id: streamId, status: "paused", reason: "maintenance" } });
    expect(await idme.transmitter.transmit({ type: RISC_ACCOUNT_DISABLED, subjectUuid: "u-1", jti: "first" })).toEqual([]);
    expect(await idme.transmitter.transmit({ type: RISC_ACCOUNT_DISABLED, subjectUuid: "u-2", jti: "second" })).toEqual([]);
    expect(pushes).toEqual([]);

    expect((await api(RECEIVER.token, "POST", SSF_PATHS.status, { stream_id: streamId, status: "enabled" })).body).toEqual({
      stream_id: streamId,
      status: "enabled",
    });
    await idme.transmitter.settled();
    expect(pushes.map((p) => p.claims.jti)).toEqual(["first", "second"]);

    pushes = [];
    await api(RECEIVER.token, "POST", SSF_PATHS.status, { stream_id: streamId, status: "disabled" });
    expect(await idme.transmitter.transmit({ type: RISC_ACCOUNT_DISABLED, subjectUuid: "u-3" })).toEqual([]);
    await api(RECEIVER.token, "POST", SSF_PATHS.status, { stream_id: streamId, status: "enabled" });
    await idme.transmitter.settled();
    expect(pushes).toEqual([]);
  });

  it("refuses a status it does not know (400), another receiver's stream (404) and no token (401)", async () => {
    expect((await api(RECEIVER.token, "POST", SSF_PATHS.status, { stream_id: streamId, status: "off" })).status).toBe(400);
    expect((await api(OTHER.token, "POST", SSF_PATHS.status, { stream_id: streamId, status: "paused" })).status).toBe(404);
    expect((await status(OTHER.token)).status).toBe(404);
    expect((await status(RECEIVER.token, "no-such-stream")).status).toBe(404);
    expect((await api(null, "GET", `${SSF_PATHS.status}?stream_id=${streamId}`)).status).toBe(401);
    expect(stored().status).toBe("enabled");
  });

  it("when ID.me's side pauses the stream, the receiver is told by a stream-updated event, and again when it is enabled", async () => {
    await idme.transmitter.setStatus(streamId, "paused", "account review");
    expect(await status(RECEIVER.token)).toMatchObject({ body: { status: "paused", reason: "account review" } });
    await idme.transmitter.transmit({ type: RISC_ACCOUNT_DISABLED, subjectUuid: "u-1", jti: "held" });
    await idme.transmitter.setStatus(streamId, "enabled");
    const events = pushes.map((p) => Object.keys(p.claims.events as object)[0]);
    expect(events).toEqual([SSF_STREAM_UPDATED, SSF_STREAM_UPDATED, RISC_ACCOUNT_DISABLED]);
    expect(pushes[0]!.claims).toMatchObject({
      aud: RECEIVER.audience,
      sub_id: { format: "opaque", id: streamId },
      events: { [SSF_STREAM_UPDATED]: { status: "paused", reason: "account review" } },
    });
    expect(pushes[1]!.claims).toMatchObject({ events: { [SSF_STREAM_UPDATED]: { status: "enabled" } } });
    expect(pushes[2]!.claims.jti).toBe("held");
  });

  it("a verification asked for while the stream is paused waits for it to be enabled", async () => {
    await api(RECEIVER.token, "POST", SSF_PATHS.status, { stream_id: streamId, status: "paused" });
    expect((await api(RECEIVER.token, "POST", SSF_PATHS.verify, { stream_id: streamId, state: "s-1" })).status).toBe(204);
    await idme.transmitter.settled();
    expect(pushes).toEqual([]);
    await api(RECEIVER.token, "POST", SSF_PATHS.status, { stream_id: streamId, status: "enabled" });
    await idme.transmitter.settled();
    expect(pushes.map((p) => p.claims.events)).toEqual([
      { "https://schemas.openid.net/secevent/ssf/event-type/verification": { state: "s-1" } },
    ]);
  });
});
