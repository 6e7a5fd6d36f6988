import { SignJWT, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import { linkIdentities } from "../../sandbox/harness/records";
import { startIdmeStandin, type IdmeStandin } from "../../sandbox/idme/server";
import { RISC_ACCOUNT_DISABLED, RISC_CREDENTIAL_COMPROMISE } from "../../sandbox/idme/transmitter";

/**
 * Shared Signals in, on a real database with the ID.me stand-in transmitting:
 * a signed "account disabled" event revokes the verifications resting on that ID.me
 * account (audited, with the event as the reason) and the Action's status check
 * then says so; replays, forgeries, other audiences and unknown issuers change
 * nothing and get RFC 8935's answers; unknown event types are accepted.
 */

const RECEIVER = "https://portal.example.test/api/ssf/events";
let db: TestDatabase;
let idme: IdmeStandin;
let receiver: typeof import("./receiver");
let status: typeof import("../records/status");

const HOUR = 3_600_000;

function pushed(token: string, contentType = "application/secevent+jwt") {
  return new Request(RECEIVER, { method: "POST", headers: { "content-type": contentType }, body: token });
}

async function answer(token: string, contentType?: string) {
  const res = await receiver.receiveSetResponse(pushed(token, contentType));
  return { status: res.status, body: res.status === 202 ? null : ((await res.json()) as { err: string; description: string }) };
}

async function recordStatus(id: string) {
  const { rows } = await db.pool.query(`SELECT status::text AS status FROM verification_record WHERE id = $1`, [id]);
  return rows[0]?.status as string;
}

async function auditsOf(target: string) {
  const { rows } = await db.pool.query(
    `SELECT actor_id, actor_role, action, reason, details FROM audit_event WHERE target = $1 ORDER BY id`,
    [target],
  );
  return rows as { actor_id: string; actor_role: string; action: string; reason: string; details: Record<string, unknown> }[];
}

async function addRecord(id: string, person: string, uuid: string, policyKey = "identity") {
  const checked = new Date(Date.now() - 2 * HOUR).toISOString();
  const expires = new Date(Date.now() + 700 * HOUR).toISOString();
  await db.pool.query(`INSERT INTO person (id, auth0_user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [person, `auth0|${person}`]);
  await linkIdentities(db.pool, [{ provider: "idme", providerUuid: uuid, personId: person }]);
  const community = policyKey !== "identity";
  await db.pool.query(
    `INSERT INTO verification_record (id, provider, provider_uuid, person_id, auth0_user_id, status, policy, policy_key, groups, attributes_enc, raw_userinfo_enc, last_checked_at, expires_at, updated_at)
     VALUES ($1, 'idme', $2, $3, $4, 'verified', $5, $6, $7, 'v1.x', 'v1.y', $8::timestamptz(3), $9::timestamptz(3), $8::timestamptz(3))`,
    [
      id,
      uuid,
      person,
      `auth0|${person}`,
      community ? "community" : "identity",
      policyKey,
      JSON.stringify([{ group: community ? "military" : "identity", subgroups: [], verified: true }]),
      checked,
      expires,
    ],
  );
}

beforeAll(async () => {
  db = await openTestDatabase();
  idme = await startIdmeStandin();
  receiver = await import("./receiver");
  status = await import("../records/status");
  await db.pool.query(
    `INSERT INTO signal_transmitter (id, name, issuer, jwks_url, audience, provider, updated_at) VALUES ('idme', 'ID.me', $1, $2, $3, 'idme', now())`,
    [idme.transmitter.issuer, idme.transmitter.jwksUrl, RECEIVER],
  );
  await addRecord("rec_alice_id", "idv_alice", "u-alice");
  await addRecord("rec_alice_mil", "idv_alice", "u-alice", "community:military");
  await addRecord("rec_bob", "idv_bob", "u-bob");
  await addRecord("rec_carol", "idv_carol", "u-carol");
  await addRecord("rec_dan", "idv_dan", "u-dan");
});

afterAll(async () => {
  await idme?.close();
  await db?.close();
});

describe("Shared Signals receiver", () => {
  it("revokes every verification on a disabled ID.me account, audited with the event, and the Action's check then says revoked", async () => {
    expect(await status.statusFor("auth0|idv_alice")).toBe("valid");
    // A back office listening for revocations (outgoing webhooks) hears of each one.
    await db.pool.query(
      `INSERT INTO webhook_endpoint (id, name, url, event_types, secret_enc, updated_at)
       VALUES ('wh_back_office', 'Back office', 'https://hooks.example.test/idv', '{verification.revoked}', 'v1.not-opened-here', now())`,
    );
    const token = await idme.transmitter.sign({
      audience: RECEIVER,
      type: RISC_ACCOUNT_DISABLED,
      subjectUuid: "u-alice",
      jti: "jti-alice",
    });
    expect(await answer(token)).toEqual({ status: 202, body: null });
    expect(await recordStatus("rec_alice_id")).toBe("revoked");
    expect(await recordStatus("rec_alice_mil")).toBe("revoked");
    expect(await recordStatus("rec_bob")).toBe("verified");
    const [entry, ...more] = await auditsOf("rec_alice_id");
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ actor_id: "transmitter:idme", actor_role: "system", action: "signal.revoke" });
    expect(entry!.reason).toBe("account disabled, reported by ID.me (SET jti-alice)");
    expect(entry!.details).toMatchObject({ event: RISC_ACCOUNT_DISABLED, jti: "jti-alice", from: "verified", to: "revoked" });
    expect(await status.statusFor("auth0|idv_alice")).toBe("revoked");
    const { rows } = await db.pool.query(`SELECT outcome, revoked FROM signal_event WHERE jti = 'jti-alice'`);
    expect(rows).toEqual([{ outcome: "revoked", revoked: 2 }]);
    const { rows: events } = await db.pool.query(
      `SELECT e.type, e.record_id, e.payload->'data'->>'source' AS source, d.endpoint_id
       FROM webhook_event e JOIN webhook_delivery d ON d.event_id = e.id ORDER BY e.record_id`,
    );
    expect(events).toEqual([
      { type: "verification.revoked", record_id: "rec_alice_id", source: "shared_signals", endpoint_id: "wh_back_office" },
      { type: "verification.revoked", record_id: "rec_alice_mil", source: "shared_signals", endpoint_id: "wh_back_office" },
    ]);
    await db.pool.query(`DELETE FROM webhook_endpoint WHERE id = 'wh_back_office'`);
  });

  it("a replayed SET is accepted and does nothing again", async () => {
    const token = await idme.transmitter.sign({
      audience: RECEIVER,
      type: RISC_ACCOUNT_DISABLED,
      subjectUuid: "u-alice",
      jti: "jti-alice",
    });
    await db.pool.query(`UPDATE verification_record SET status = 'verified' WHERE id = 'rec_alice_id'`);
    expect(await answer(token)).toEqual({ status: 202, body: null });
    expect(await recordStatus("rec_alice_id")).toBe("verified");
    expect(await auditsOf("rec_alice_id")).toHaveLength(1);
  });

  it("the same SET pushed five times at once acts once", async () => {
    const token = await idme.transmitter.sign({
      audience: RECEIVER,
      type: RISC_CREDENTIAL_COMPROMISE,
      subjectUuid: "u-bob",
      jti: "jti-bob",
    });
    const answers = await Promise.all(Array.from({ length: 5 }, () => answer(token)));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    expect(await recordStatus("rec_bob")).toBe("revoked");
    expect(await auditsOf("rec_bob")).toHaveLength(1);
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM signal_event WHERE jti = 'jti-bob'`);
    expect(rows[0].n).toBe(1);
  });

  it("refuses a SET signed by another key with invalid_key, and changes nothing", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await new SignJWT({
      events: { [RISC_ACCOUNT_DISABLED]: {} },
      sub_id: { format: "iss_sub", iss: idme.issuer, sub: "u-carol" },
    })
      .setProtectedHeader({ alg: "RS256", typ: "secevent+jwt", kid: idme.transmitter.jwks().keys[0]!.kid })
      .setIssuer(idme.issuer)
      .setAudience(RECEIVER)
      .setJti("jti-forged")
      .setIssuedAt()
      .sign(privateKey);
    const a = await answer(forged);
    expect(a.status).toBe(400);
    expect(a.body?.err).toBe("invalid_key");
    expect(await recordStatus("rec_carol")).toBe("verified");
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM signal_event WHERE jti = 'jti-forged'`);
    expect(rows[0].n).toBe(0);
  });

  it("refuses an unsigned SET (alg none) and changes nothing", async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const unsigned = `${b64({ alg: "none", typ: "secevent+jwt" })}.${b64({
      iss: idme.issuer,
      aud: RECEIVER,
      jti: "jti-unsigned",
      iat: Math.floor(Date.now() / 1000),
      events: { [RISC_ACCOUNT_DISABLED]: {} },
      sub_id: { format: "iss_sub", iss: idme.issuer, sub: "u-carol" },
    })}.`;
    const a = await answer(unsigned);
    expect(a).toEqual({ status: 400, body: { err: "invalid_request", description: "The SET is not signed." } });
    expect(await recordStatus("rec_carol")).toBe("verified");
  });

  it("refuses another audience (invalid_audience) and an unknown issuer (invalid_issuer)", async () => {
    const other = await idme.transmitter.sign({
      audience: "https://elsewhere.example.test",
      type: RISC_ACCOUNT_DISABLED,
      subjectUuid: "u-carol",
    });
    expect((await answer(other)).body?.err).toBe("invalid_audience");
    const { privateKey } = await generateKeyPair("RS256");
    const stranger = await new SignJWT({ events: { [RISC_ACCOUNT_DISABLED]: {} }, sub_id: { format: "opaque", id: "u-carol" } })
      .setProtectedHeader({ alg: "RS256", typ: "secevent+jwt" })
      .setIssuer("https://stranger.example.test")
      .setAudience(RECEIVER)
      .setJti("jti-stranger")
      .setIssuedAt()
      .sign(privateKey);
    expect((await answer(stranger)).body?.err).toBe("invalid_issuer");
    expect(await recordStatus("rec_carol")).toBe("verified");
  });

  it("refuses what is not a SET: wrong content type, garbage, an ID token's typ, an old iat, no subject", async () => {
    const good = await idme.transmitter.sign({ audience: RECEIVER, type: RISC_ACCOUNT_DISABLED, subjectUuid: "u-carol" });
    expect((await answer(good, "application/json")).body?.err).toBe("invalid_request");
    expect((await answer("not-a-jwt")).body?.err).toBe("invalid_request");
    const old = await idme.transmitter.sign({
      audience: RECEIVER,
      type: RISC_ACCOUNT_DISABLED,
      subjectUuid: "u-carol",
      iat: Math.floor(Date.now() / 1000) - (receiver.JTI_WINDOW_DAYS + 1) * 86_400,
    });
    const oldAnswer = await answer(old);
    expect(oldAnswer.body?.err).toBe("invalid_request");
    expect(oldAnswer.body?.description).toMatch(/more than 30 days ago/);
    const noSubject = await idme.transmitter.sign({ audience: RECEIVER, type: RISC_ACCOUNT_DISABLED, jti: "jti-nosubject" });
    expect((await answer(noSubject)).body?.err).toBe("invalid_request");
    expect(await recordStatus("rec_carol")).toBe("verified");
    // A refused SET leaves no jti behind: sent again correctly, it still counts.
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM signal_event WHERE jti = 'jti-nosubject'`);
    expect(rows[0].n).toBe(0);
  });

  it("accepts an event type it does not act on, records it as ignored, and revokes nothing", async () => {
    const token = await idme.transmitter.sign({
      audience: RECEIVER,
      type: "https://schemas.openid.net/secevent/caep/event-type/session-revoked",
      subjectUuid: "u-dan",
      jti: "jti-caep",
    });
    expect(await answer(token)).toEqual({ status: 202, body: null });
    expect(await recordStatus("rec_dan")).toBe("verified");
    const { rows } = await db.pool.query(`SELECT outcome, revoked, event_types FROM signal_event WHERE jti = 'jti-caep'`);
    expect(rows).toEqual([
      { outcome: "ignored", revoked: 0, event_types: ["https://schemas.openid.net/secevent/caep/event-type/session-revoked"] },
    ]);
  });

  it("an account the portal does not know is accepted and recorded as no match", async () => {
    const token = await idme.transmitter.sign({
      audience: RECEIVER,
      type: RISC_ACCOUNT_DISABLED,
      subjectUuid: "u-nobody",
      jti: "jti-nobody",
    });
    expect(await answer(token)).toEqual({ status: 202, body: null });
    const { rows } = await db.pool.query(`SELECT outcome, revoked FROM signal_event WHERE jti = 'jti-nobody'`);
    expect(rows).toEqual([{ outcome: "no_match", revoked: 0 }]);
  });

  it("a disabled transmitter is not trusted", async () => {
    await db.pool.query(`UPDATE signal_transmitter SET enabled = false WHERE id = 'idme'`);
    const token = await idme.transmitter.sign({ audience: RECEIVER, type: RISC_ACCOUNT_DISABLED, subjectUuid: "u-dan" });
    expect((await answer(token)).body?.err).toBe("invalid_issuer");
    expect(await recordStatus("rec_dan")).toBe("verified");
    await db.pool.query(`UPDATE signal_transmitter SET enabled = true WHERE id = 'idme'`);
  });
});
