import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import { linkIdentities } from "../../sandbox/harness/records";
import { startIdmeStandin, type IdmeStandin } from "../../sandbox/idme/server";
import { RISC_ACCOUNT_DISABLED, SSF_PATHS, deliver } from "../../sandbox/idme/transmitter";
import type { Staff } from "../staff/session";

/**
 * Shared Signals streams (SSF 1.0 §8.1), with the ID.me stand-in as transmitter and the
 * portal's receiver behind a real HTTP endpoint: "Connect stream" creates the stream at
 * the transmitter's configuration_endpoint with the token it issued (a wrong token is
 * refused and nothing is stored), the transmitter answers events_delivered, the
 * verification event asked for arrives and marks the stream verified; the transmitter
 * then pushes only on that stream with the Authorization header given, and a push
 * without it, or with another, is refused (401 authentication_failed) and changes nothing.
 * "Connect stream again" replaces the stream in place (SSF §8.1.1.4: same stream id, a new
 * Authorization header, the transmitter's status kept), and makes it afresh only when the
 * transmitter lost it. The Signals page reads the stream's status from the transmitter's
 * status_endpoint, and says plainly (naming no token) when it cannot.
 */

const TOKEN = "receiver-token-for-the-portal";
const ADMIN: Staff = { id: "auth0|admin", email: "admin@example.test", name: "Admin", role: "admin" };
const HOUR = 3_600_000;

let db: TestDatabase;
let idme: IdmeStandin;
let server: http.Server;
let portalUrl: string;
let admin: typeof import("./admin");
let receiver: typeof import("./receiver");
let session: typeof import("../staff/session");
let status: typeof import("./stream-status");

/** The portal's push endpoint (app/api/ssf/events) as a plain HTTP server around the receiver. */
async function startReceiver(): Promise<string> {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) });
      void receiver.receiveSetResponse(request).then(async (answer) => {
        res.writeHead(answer.status, Object.fromEntries(answer.headers));
        res.end(Buffer.from(await answer.arrayBuffer()));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function form(values: Record<string, string>) {
  const f = new FormData();
  for (const [k, v] of Object.entries(values)) f.set(k, v);
  return f;
}

const transmitterRow = async () =>
  (
    await db.pool.query(
      `SELECT stream_id, stream_status, events_delivered, audience, management_token_enc, push_authorization_sha256, verification_state, verified_at FROM signal_transmitter WHERE id = 'idme'`,
    )
  ).rows[0] as {
    stream_id: string | null;
    stream_status: string | null;
    events_delivered: string[];
    audience: string;
    management_token_enc: string | null;
    push_authorization_sha256: string | null;
    verification_state: string | null;
    verified_at: Date | null;
  };

const recordStatus = async (id: string) =>
  (await db.pool.query(`SELECT status::text AS s FROM verification_record WHERE id = $1`, [id])).rows[0]?.s as string;

beforeAll(async () => {
  portalUrl = await startReceiver();
  idme = await startIdmeStandin({ ssfReceivers: [{ token: TOKEN, audience: `${portalUrl}/api/ssf/events` }] });
  db = await openTestDatabase({ PORTAL_URL: portalUrl });
  admin = await import("./admin");
  receiver = await import("./receiver");
  session = await import("../staff/session");
  status = await import("./stream-status");
  session.setStaffSourceForTests(async () => ADMIN);
  // Trusted by an admin before any stream: the audience first typed is not the transmitter's.
  await db.pool.query(
    `INSERT INTO signal_transmitter (id, name, issuer, jwks_url, audience, provider, updated_at) VALUES ('idme', 'ID.me', $1, $2, 'https://typed.example/aud', 'idme', now())`,
    [idme.transmitter.issuer, idme.transmitter.jwksUrl],
  );
  await db.pool.query(`INSERT INTO person (id, auth0_user_id) VALUES ('idv_erin', 'auth0|erin')`);
  await linkIdentities(db.pool, [{ provider: "idme", providerUuid: "u-erin", personId: "idv_erin" }]);
  const checked = new Date(Date.now() - 2 * HOUR).toISOString();
  await db.pool.query(
    `INSERT INTO verification_record (id, provider, provider_uuid, person_id, auth0_user_id, status, policy, policy_key, groups, attributes_enc, raw_userinfo_enc, last_checked_at, expires_at, updated_at)
     VALUES ('rec_erin', 'idme', 'u-erin', 'idv_erin', 'auth0|erin', 'verified', 'identity', 'identity', '[]', 'v1.x', 'v1.y', $1::timestamptz(3), $2::timestamptz(3), $1::timestamptz(3))`,
    [checked, new Date(Date.now() + 700 * HOUR).toISOString()],
  );
});

afterAll(async () => {
  session?.setStaffSourceForTests(undefined);
  await idme?.close();
  await new Promise((r) => server?.close(r));
  await db?.close();
});

describe("Shared Signals stream management", () => {
  it("before a stream exists, the transmitter sends nothing", async () => {
    expect(await idme.transmitter.transmit({ type: RISC_ACCOUNT_DISABLED, subjectUuid: "u-erin" })).toEqual([]);
  });

  it("refuses a token the transmitter did not issue, and stores nothing", async () => {
    const state = await admin.connectStream(null, form({ id: "idme", token: "not-the-token" }));
    expect(state).toMatchObject({
      ok: false,
      error: { code: "invalid", fieldErrors: { token: [expect.stringContaining("refused the token (401)")] } },
    });
    expect(await transmitterRow()).toMatchObject({ stream_id: null, management_token_enc: null, push_authorization_sha256: null });
    expect(idme.transmitter.streams()).toEqual([]);
    // The token never goes back to the form.
    expect(JSON.stringify(state)).not.toContain("not-the-token");
  });

  it("creates the stream with push delivery and an authorization header, and the verification event marks it verified", async () => {
    const state = await admin.connectStream(null, form({ id: "idme", token: TOKEN }));
    expect(state).toMatchObject({ ok: true, data: { verification: "requested", audienceChanged: true } });
    expect(JSON.stringify(state)).not.toContain(TOKEN);

    const [stream, ...more] = idme.transmitter.streams();
    expect(more).toEqual([]);
    expect(stream).toMatchObject({
      delivery: {
        method: "urn:ietf:rfc:8935",
        endpoint_url: `${portalUrl}/api/ssf/events`,
        authorization_header: expect.stringMatching(/^Bearer .{40,}$/),
      },
      events_delivered: expect.arrayContaining([RISC_ACCOUNT_DISABLED]),
    });
    const row = await transmitterRow();
    expect(row).toMatchObject({
      stream_id: stream!.stream_id,
      stream_status: "enabled",
      events_delivered: stream!.events_delivered,
      // The transmitter decides the audience of its events.
      audience: `${portalUrl}/api/ssf/events`,
    });
    // Sealed and hashed: neither the token nor the header is stored as it is.
    expect(row.management_token_enc).not.toContain(TOKEN);
    expect(row.push_authorization_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(row.push_authorization_sha256).not.toBe(stream!.delivery.authorization_header);

    await idme.transmitter.settled();
    const verified = await transmitterRow();
    expect(verified.verified_at).toBeInstanceOf(Date);
    expect(verified.verification_state).toBeNull();
    const { rows } = await db.pool.query(`SELECT outcome FROM signal_event WHERE event_types @> ARRAY[$1]::text[]`, [
      "https://schemas.openid.net/secevent/ssf/event-type/verification",
    ]);
    expect(rows).toEqual([{ outcome: "verification" }]);
    const audit = await db.pool.query(`SELECT actor_id, details FROM audit_event WHERE action = 'signal.stream_update' ORDER BY id`);
    expect(audit.rows[0]).toMatchObject({ actor_id: "auth0|admin", details: { stream: stream!.stream_id } });
    expect(JSON.stringify(audit.rows)).not.toContain(TOKEN);
  });

  it("refuses a push without the stream's Authorization header or with another one, and changes nothing", async () => {
    const stream = idme.transmitter.streams()[0]!;
    const token = await idme.transmitter.sign({ audience: stream.aud, type: RISC_ACCOUNT_DISABLED, subjectUuid: "u-erin" });
    for (const authorization of [
      undefined,
      "Bearer wrong",
      `${stream.delivery.authorization_header}x`,
      stream.delivery.authorization_header!.toLowerCase(),
    ]) {
      const answer = await deliver(stream.delivery.endpoint_url, token, authorization);
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body)).toMatchObject({ err: "authentication_failed" });
    }
    expect(await recordStatus("rec_erin")).toBe("verified");
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM signal_event WHERE event_types @> ARRAY[$1]::text[]`, [
      RISC_ACCOUNT_DISABLED,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it("the transmitter pushes on the stream, with its header: the event revokes the verification", async () => {
    const answers = await idme.transmitter.transmit({ type: RISC_ACCOUNT_DISABLED, subjectUuid: "u-erin" });
    expect(answers.map((a) => a.status)).toEqual([202]);
    expect(await recordStatus("rec_erin")).toBe("revoked");
  });

  it("Verify stream asks again; the answer with another state does not count", async () => {
    const before = (await transmitterRow()).verified_at!;
    const state = await admin.verifyStream(null, form({ id: "idme" }));
    expect(state).toMatchObject({ ok: true, data: { verification: "requested" } });
    await idme.transmitter.settled();
    const after = await transmitterRow();
    expect(after.verified_at!.getTime()).toBeGreaterThan(before.getTime());

    // A verification event carrying a state this receiver did not ask for changes nothing.
    const stream = idme.transmitter.streams()[0]!;
    await db.pool.query(`UPDATE signal_transmitter SET verification_state = 'asked-state' WHERE id = 'idme'`);
    const forged = await idme.transmitter.sign({
      audience: stream.aud,
      type: "https://schemas.openid.net/secevent/ssf/event-type/verification",
      subject: { format: "opaque", id: stream.stream_id },
      payload: { state: "other-state" },
    });
    expect((await deliver(stream.delivery.endpoint_url, forged, stream.delivery.authorization_header)).status).toBe(202);
    expect(await transmitterRow()).toMatchObject({ verification_state: "asked-state", verified_at: after.verified_at });
  });

  it("the stream's status is read from the transmitter when asked: enabled, then paused with its reason", async () => {
    const row = async () =>
      (
        await db.pool.query(
          `SELECT id, issuer, stream_id AS "streamId", management_token_enc AS "managementTokenEnc" FROM signal_transmitter WHERE id = 'idme'`,
        )
      ).rows[0] as { id: string; issuer: string; streamId: string; managementTokenEnc: string };
    expect(await status.reportedStreamStatus(await row())).toEqual({ kind: "reported", status: "enabled" });
    await idme.transmitter.setStatus((await row()).streamId, "paused", "account review");
    expect(await status.reportedStreamStatus(await row())).toEqual({ kind: "reported", status: "paused", reason: "account review" });
    // The transmitter's stream-updated event (SSF §8.1.5) is what the portal keeps as the last status it sent.
    expect((await transmitterRow()).stream_status).toBe("paused");
    await idme.transmitter.setStatus((await row()).streamId, "enabled");
    expect(await status.reportedStreamStatus(await row())).toEqual({ kind: "reported", status: "enabled" });
    expect((await transmitterRow()).stream_status).toBe("enabled");
    const { rows } = await db.pool.query(
      `SELECT outcome FROM signal_event WHERE event_types = ARRAY['https://schemas.openid.net/secevent/ssf/event-type/stream-updated'] ORDER BY id`,
    );
    expect(rows.map((r: { outcome: string }) => r.outcome)).toEqual(["stream_status", "stream_status"]);
  });

  it("a stream-updated event about another stream, or with a status SSF does not have, changes nothing", async () => {
    const stream = idme.transmitter.streams()[0]!;
    for (const [id, st] of [
      ["another-stream", "disabled"],
      [stream.stream_id, "sleeping"],
    ] as const) {
      const token = await idme.transmitter.sign({
        audience: stream.aud,
        type: "https://schemas.openid.net/secevent/ssf/event-type/stream-updated",
        subject: { format: "opaque", id },
        payload: { status: st },
      });
      expect((await deliver(stream.delivery.endpoint_url, token, stream.delivery.authorization_header)).status).toBe(202);
      expect((await transmitterRow()).stream_status).toBe("enabled");
    }
  });

  it("a transmitter that cannot be asked gives a message, never a crash and never the token", async () => {
    const { sealStreamToken } = await import("./token");
    const stream = idme.transmitter.streams()[0]!;
    // The transmitter refuses a token it did not issue.
    const wrongToken = await status.reportedStreamStatus({
      id: "idme",
      issuer: idme.transmitter.issuer,
      streamId: stream.stream_id,
      managementTokenEnc: sealStreamToken("idme", "a-token-it-never-issued"),
    });
    expect(wrongToken).toEqual({ kind: "unavailable", message: expect.stringContaining("refused the token (401)") });
    expect(JSON.stringify(wrongToken)).not.toContain("a-token-it-never-issued");
    // No stream of that id there.
    expect(
      await status.reportedStreamStatus({
        id: "idme",
        issuer: idme.transmitter.issuer,
        streamId: "gone",
        managementTokenEnc: sealStreamToken("idme", TOKEN),
      }),
    ).toEqual({ kind: "unavailable", message: expect.stringContaining("no such stream (404)") });
    // Nobody answers at the issuer (a closed port on this machine).
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const down = await status.reportedStreamStatus({
      id: "idme",
      issuer: `http://127.0.0.1:${port}/oidc`,
      streamId: stream.stream_id,
      managementTokenEnc: sealStreamToken("idme", TOKEN),
    });
    expect(down).toEqual({ kind: "unavailable", message: "The transmitter did not answer. Check the issuer and try again." });
    expect(JSON.stringify(down)).not.toContain(TOKEN);
    // A token sealed for another transmitter does not open.
    expect(
      await status.reportedStreamStatus({
        id: "idme",
        issuer: idme.transmitter.issuer,
        streamId: stream.stream_id,
        managementTokenEnc: sealStreamToken("other", TOKEN),
      }),
    ).toMatchObject({ kind: "unavailable" });
  });

  it("Connect stream again replaces the stream in place: same id, the new header only, the transmitter's status kept", async () => {
    const before = idme.transmitter.streams()[0]!;
    await idme.transmitter.setStatus(before.stream_id, "paused", "maintenance");
    const state = await admin.connectStream(null, form({ id: "idme", token: TOKEN }));
    expect(state).toMatchObject({ ok: true, data: { streamId: before.stream_id, inPlace: true } });
    const [after, ...more] = idme.transmitter.streams();
    expect(more).toEqual([]);
    expect(after).toMatchObject({ stream_id: before.stream_id, status: "paused", reason: "maintenance" });
    expect(after!.delivery.authorization_header).not.toBe(before.delivery.authorization_header);
    const row = await transmitterRow();
    expect(row.stream_id).toBe(before.stream_id);
    const audit = await db.pool.query(`SELECT details FROM audit_event WHERE action = 'signal.stream_update' ORDER BY id DESC LIMIT 1`);
    expect(audit.rows[0].details).toMatchObject({ stream: before.stream_id, replaced: before.stream_id, inPlace: true });

    // Once enabled again, pushes carry the new header, and the old one is refused.
    await idme.transmitter.setStatus(before.stream_id, "enabled");
    const token = await idme.transmitter.sign({ audience: after!.aud, type: RISC_ACCOUNT_DISABLED, subjectUuid: "u-nobody" });
    expect((await deliver(after!.delivery.endpoint_url, token, before.delivery.authorization_header)).status).toBe(401);
    expect((await deliver(after!.delivery.endpoint_url, token, after!.delivery.authorization_header)).status).toBe(202);
  });

  it("Connect stream again makes the stream afresh when the transmitter no longer has it", async () => {
    const lost = idme.transmitter.streams()[0]!;
    const res = await fetch(`${idme.url}${SSF_PATHS.streams}?stream_id=${lost.stream_id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(204);
    const state = await admin.connectStream(null, form({ id: "idme", token: TOKEN }));
    expect(state).toMatchObject({ ok: true, data: { inPlace: false } });
    const [fresh, ...more] = idme.transmitter.streams();
    expect(more).toEqual([]);
    expect(fresh!.stream_id).not.toBe(lost.stream_id);
    expect(await transmitterRow()).toMatchObject({ stream_id: fresh!.stream_id, stream_status: "enabled" });
    await idme.transmitter.settled();
  });

  it("a key rotation's re-seal moves the stream's token to the new key, and it still opens to the same token", async () => {
    const { randomBytes } = await import("node:crypto");
    const { keyRing } = await import("../settings/secrets");
    const { resealSecrets, secretsOnOldKeys } = await import("../settings/reseal");
    const { openStreamToken } = await import("./token");
    const old = keyRing();
    const ring = { active: "k2", keys: new Map([["k2", randomBytes(32)]]), legacy: old.legacy ?? [...old.keys.values()][0]! };
    const sealedBefore = (await db.pool.query(`SELECT management_token_enc FROM signal_transmitter WHERE id = 'idme'`)).rows[0]
      .management_token_enc as string;
    expect(openStreamToken("idme", sealedBefore, old)).toBe(TOKEN);
    expect(await secretsOnOldKeys(ring)).toBeGreaterThan(0);
    const result = await resealSecrets(ring);
    expect(result.unreadable).toEqual([]);
    const sealedAfter = (await db.pool.query(`SELECT management_token_enc FROM signal_transmitter WHERE id = 'idme'`)).rows[0]
      .management_token_enc as string;
    expect(sealedAfter).toMatch(/^v2\.k2\./);
    expect(openStreamToken("idme", sealedAfter, ring)).toBe(TOKEN);
    // Bound to its transmitter: the same sealed token does not open as another's.
    expect(() => openStreamToken("other", sealedAfter, ring)).toThrow();
    expect(await secretsOnOldKeys(ring)).toBe(0);
  });
});
