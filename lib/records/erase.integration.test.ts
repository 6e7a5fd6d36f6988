import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import { DEFAULT_ACTION_FILE, loadAction, runPostLogin, type RunInput } from "../../sandbox/auth0/runtime";

/**
 * Erasure and subject access of one person, through the admin action and route
 * as an admin would use them, on a person saved by the portal's own code: their
 * records (two policies), attempts with timelines, an identity refused to someone
 * else, and audit entries naming their Auth0 user id and provider uuid.
 *
 * After erasure a scan of every text/json column of every table (every sealed
 * value opened too) finds none of their values; the counts and the audit trail stay;
 * another person is untouched; and the real Auth0 Action, asking the real status
 * endpoint, drops the stored check at the next login.
 */

let db: TestDatabase;
let records: typeof import("./index");
let session: typeof import("../staff/session");
let erase: typeof import("./erase-action");
let exportRoute: typeof import("../../app/api/admin/people/[personId]/export/route");
let status: typeof import("./status");
let transaction: typeof import("../db/client").transaction;

const TENANT = "tenant.example.test";
const TOKEN_SECRET = randomBytes(24).toString("hex");
const ADMIN = { id: "auth0|admin", email: "admin@example.test", name: "Admin", role: "admin" as const };
const SUPPORT = { id: "auth0|support", email: "support@example.test", name: "Support", role: "support" as const };

const ERASE = {
  auth0UserId: "auth0|erase-me-5e1f",
  uuid: "c0ffee00-uuid-erase-7f3a91",
  given: "Malvolio",
  family: "Quixote-Erasmus",
  birth: "1971-09-23",
  email: "Malvolio.Q@Example.test",
};
const KEEP = { auth0UserId: "auth0|keep-me-77aa", uuid: "keep0000-uuid-4242", given: "Perpetua", email: "perpetua@example.test" };

let personId = "";
let keepPersonId = "";

async function saveFor(
  p: { auth0UserId: string; uuid: string; given: string; family?: string; birth?: string; email: string },
  policy: "identity" | "community",
) {
  return transaction(async (tx) => {
    const person = await records.ensurePerson(p.auth0UserId, tx);
    const normalized = {
      uuid: p.uuid,
      first_name: p.given,
      last_name: p.family ?? "Keeper",
      birth_date: p.birth ?? "1990-01-01",
      email: p.email,
    };
    const record = await records.saveVerification(
      {
        personId: person.id,
        auth0UserId: p.auth0UserId,
        auth0ClientId: null,
        provider: "idme",
        policy,
        requiredGroup: policy === "community" ? "military" : null,
        intervalHours: 720,
        parsed: {
          uuid: p.uuid,
          normalized,
          groups: [{ group: policy === "community" ? "military" : "identity", subgroups: [], verified: true }],
        },
        rawUserinfo: { sub: p.uuid, fname: p.given, lname: p.family, birth_date: p.birth, emails: [p.email] },
        idTokenClaims: { sub: p.uuid, email: p.email, given_name: p.given },
        verified: true,
        checkedAt: new Date(),
      },
      tx,
    );
    return { person, record };
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  Object.assign(process.env, {
    DATABASE_URL: db.url,
    AUTH0_DOMAIN: TENANT,
    AUTH0_TOKEN_SECRET: TOKEN_SECRET,
    PORTAL_URL: "https://verify.example.test",
    IDME_CLIENT_ID: "idv-portal",
    IDME_CLIENT_SECRET: "not-a-real-secret",
    ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    IDV_REVERIFY_INTERVAL_HOURS: "720",
    IDV_SILENT: "1",
  });
  if (db.poolMax) process.env.DATABASE_POOL_MAX = String(db.poolMax);
  records = await import("./index");
  session = await import("../staff/session");
  erase = await import("./erase-action");
  exportRoute = await import("../../app/api/admin/people/[personId]/export/route");
  status = await import("./status");
  const client = await import("../db/client");
  transaction = client.transaction;
  const { writeAudit } = await import("../audit");
  await client.getDb();

  const a = await saveFor(ERASE, "identity");
  await saveFor(ERASE, "community");
  personId = a.person.id;
  const k = await saveFor(KEEP, "identity");
  keepPersonId = k.person.id;

  // Attempts: theirs (with a timeline), and one of the other person refused because the identity is theirs.
  const prisma = await client.getDb();
  await prisma.attempt.create({
    data: {
      id: "att_erase_1",
      referenceCode: "IDV-ERAS-0001",
      personId,
      recordId: a.record.id,
      auth0UserId: ERASE.auth0UserId,
      auth0ClientId: "sample-bank",
      auth0State: "auth0-state-xyz",
      provider: "idme",
      policy: "identity",
      scopes: ["openid"],
      status: "verified",
      providerUuid: ERASE.uuid,
      oauthState: "oauth-state-erase",
      nonce: "nonce-erase",
      codeVerifier: "verifier-erase",
      browserHash: "b".repeat(64),
      accountHint: "m***@example.test",
      appLabel: "Sample Bank",
      events: {
        create: [
          { step: "token_received", outcome: "ok" },
          { step: "result", outcome: "ok" },
        ],
      },
    },
  });
  await prisma.attempt.create({
    data: {
      id: "att_keep_1",
      referenceCode: "IDV-KEEP-0001",
      personId: keepPersonId,
      auth0UserId: KEEP.auth0UserId,
      provider: "idme",
      policy: "identity",
      scopes: ["openid"],
      status: "failed",
      failureCode: "identity_linked_elsewhere",
      providerUuid: ERASE.uuid,
    },
  });
  await prisma.attempt.create({
    data: {
      id: "att_keep_2",
      referenceCode: "IDV-KEEP-0002",
      personId: keepPersonId,
      auth0UserId: KEEP.auth0UserId,
      provider: "idme",
      policy: "identity",
      scopes: [],
      providerUuid: KEEP.uuid,
    },
  });
  // Audit entries written before, as identity moves and reveals write them.
  await writeAudit(prisma, ADMIN, "identity.unlink", {
    target: `idme:${ERASE.uuid}`,
    reason: "ticket 1234",
    details: { provider: "idme", providerUuid: ERASE.uuid, from: { person: personId, auth0UserId: ERASE.auth0UserId } },
  });
  await writeAudit(prisma, ADMIN, "record.reveal", { target: a.record.id, reason: "ticket 1235" });
  await writeAudit(prisma, ADMIN, "identity.unlink", {
    target: `idme:${KEEP.uuid}`,
    details: { providerUuid: KEEP.uuid, from: { person: keepPersonId, auth0UserId: KEEP.auth0UserId } },
  });
});

afterAll(async () => {
  session?.setStaffSourceForTests(undefined);
  vi.unstubAllGlobals();
  await db?.close();
});

const personal = () => [ERASE.given, ERASE.family, ERASE.birth, ERASE.email.toLowerCase(), ERASE.uuid, ERASE.auth0UserId];

/** Every text, varchar, json and array column of every table (all schemas but the system's), as text. */
async function scanEveryTable(needles: string[]): Promise<string[]> {
  const { rows: cols } = await db.pool.query<{ s: string; t: string; c: string }>(
    `SELECT c.table_schema AS s, c.table_name AS t, c.column_name AS c
     FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
     WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
       AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED')`,
  );
  expect(cols.length).toBeGreaterThan(30);
  const found: string[] = [];
  for (const { s, t, c } of cols) {
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM "${s}"."${t}" WHERE lower("${c}"::text) LIKE ANY($1::text[])`, [
      needles.map((n) => `%${n.toLowerCase()}%`),
    ]);
    if (rows[0].n > 0) found.push(`${s}.${t}.${c}`);
  }
  // Sealed values are ciphertext to a scan: open every one and look inside too.
  const { rows: sealed } = await db.pool.query(
    `SELECT id, attributes_enc AS "attributesEnc", raw_userinfo_enc AS "rawUserinfoEnc", id_token_claims_enc AS "idTokenEnc" FROM verification_record`,
  );
  for (const r of sealed) {
    const text = JSON.stringify(records.openPersonalData(r)).toLowerCase();
    if (needles.some((n) => text.includes(n.toLowerCase()))) found.push(`verification_record ${r.id} (sealed)`);
  }
  return found;
}

async function counts() {
  const { rows } = await db.pool.query(
    `SELECT (SELECT count(*) FROM person)::int AS people, (SELECT count(*) FROM provider_identity)::int AS identities,
            (SELECT count(*) FROM verification_record)::int AS records,
            (SELECT count(*) FROM verification_record WHERE status = 'verified')::int AS verified,
            (SELECT count(*) FROM attempt)::int AS attempts, (SELECT count(*) FROM attempt_event)::int AS events,
            (SELECT count(*) FROM audit_event)::int AS audit`,
  );
  return rows[0] as Record<string, number>;
}

function form(values: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(values)) f.set(k, v);
  return f;
}

const exportOf = (id: string) =>
  exportRoute.GET(new Request(`https://verify.example.test/api/admin/people/${encodeURIComponent(id)}/export`));

// The real Action file; its status call goes to the real status endpoint (in this process).
const STORED = () => ({
  id: personId,
  lastSuccessfulCheck: new Date(Date.now() - 60_000).toISOString(),
  groups: [],
  provider: "idme",
  policy: "identity",
});
function login(stored: Record<string, unknown>, canRedirect: boolean): Promise<import("../../sandbox/auth0/runtime").RunResult> {
  vi.stubGlobal("fetch", async (url: string | URL, init?: RequestInit) => status.verificationStatus(new Request(url, init)));
  const input: RunInput = {
    tenantDomain: TENANT,
    user: { user_id: ERASE.auth0UserId, email: ERASE.email, app_metadata: { id_verification: stored }, user_metadata: {} },
    client: { client_id: "client-unregistered", name: "Benefits", metadata: {} },
    secrets: { TOKEN_SECRET, PORTAL_DOMAIN: "verify.example.test", VERIFICATION_EXPIRES_IN_SECONDS: "3600" },
    configuration: {},
    canRedirect,
    state: "state-abc",
    protocol: canRedirect ? "oidc-basic-profile" : "oauth2-refresh-token",
  };
  return runPostLogin(loadAction(DEFAULT_ACTION_FILE), input);
}
const NS = "https://id-verification/";

describe("subject access", () => {
  it("an admin downloads everything held about the person, decrypted, and the download is in the audit log; support cannot", async () => {
    session.setStaffSourceForTests(async () => SUPPORT);
    expect((await exportOf(personId)).status).toBe(403);
    session.setStaffSourceForTests(async () => ADMIN);
    expect((await exportOf("idv_nobody")).status).toBe(404);

    const res = await exportOf(personId);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment;/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const doc = await res.json();
    expect(doc.person).toMatchObject({ id: personId, auth0UserId: ERASE.auth0UserId, erasedAt: null });
    expect(doc.providerIdentities).toEqual([expect.objectContaining({ provider: "idme", providerUuid: ERASE.uuid })]);
    expect(doc.records).toHaveLength(2);
    for (const r of doc.records) {
      expect(r.personalData.attributes).toMatchObject({
        first_name: ERASE.given,
        last_name: ERASE.family,
        birth_date: ERASE.birth,
        email: ERASE.email,
      });
      expect(r.personalData.rawUserinfo).toMatchObject({ fname: ERASE.given, emails: [ERASE.email] });
      expect(r.personalData.idTokenClaims).toMatchObject({ sub: ERASE.uuid });
      expect(r).not.toHaveProperty("attributesEnc");
    }
    const attempt = doc.attempts.find((a: { id: string }) => a.id === "att_erase_1");
    expect(attempt).toMatchObject({ referenceCode: "IDV-ERAS-0001", accountHint: "m***@example.test", providerUuid: ERASE.uuid });
    expect(attempt.events.map((e: { step: string }) => e.step)).toEqual(["token_received", "result"]);
    // The protocol secrets of a trip are not the person's data and are not handed out.
    expect(JSON.stringify(doc)).not.toMatch(/oauth-state-erase|verifier-erase|nonce-erase/);
    expect(doc.auditEntries.map((e: { action: string }) => e.action)).toEqual(["identity.unlink", "record.reveal"]);
    // Nothing of the other person.
    expect(JSON.stringify(doc)).not.toContain(KEEP.given);

    const { rows } = await db.pool.query(`SELECT actor_id, action, target, details FROM audit_event WHERE action = 'person.export'`);
    expect(rows).toEqual([{ actor_id: ADMIN.id, action: "person.export", target: personId, details: { records: 2, attempts: 1 } }]);
  });
});

describe("erasure of a person", () => {
  it("only admins, with a reason and ERASE typed to confirm", async () => {
    const input = { auth0UserId: ERASE.auth0UserId, reason: "DSR ticket 4711: erasure request", confirm: "ERASE" };
    session.setStaffSourceForTests(async () => SUPPORT);
    expect((await erase.erasePersonAction(null, form(input)))?.ok).toBe(false);
    session.setStaffSourceForTests(async () => ADMIN);
    const noReason = await erase.erasePersonAction(null, form({ ...input, reason: "short" }));
    expect(noReason?.ok === false && noReason.error.fieldErrors?.reason).toBeTruthy();
    const noConfirm = await erase.erasePersonAction(null, form({ ...input, confirm: "erase" }));
    expect(noConfirm?.ok === false && noConfirm.error.fieldErrors?.confirm?.[0]).toMatch(/Type ERASE/);
    expect(await scanEveryTable(personal())).not.toEqual([]);
  });

  it("the Action's status check: valid before the erasure", async () => {
    const r = await login(STORED(), false);
    expect(r.error).toBeNull();
    expect(r.idTokenClaims[`${NS}status`]).toBe("valid");
  });

  it("leaves none of the person's values in any table, keeps the counts and the audit trail, and leaves everyone else alone", async () => {
    const before = await counts();
    session.setStaffSourceForTests(async () => ADMIN);
    const result = await erase.erasePersonAction(
      null,
      form({ auth0UserId: ERASE.auth0UserId, reason: "DSR ticket 4711: erasure request", confirm: "ERASE" }),
    );
    expect(result).toMatchObject({ ok: true, data: { personId, records: 2, identities: 1, attempts: 1 } });

    expect(await scanEveryTable([...personal(), records.emailLookup(ERASE.email)])).toEqual([]);
    expect(await counts()).toEqual({ ...before, audit: (before.audit ?? 0) + 1 });

    // The audit trail: the same entries, naming tombstones, plus the erasure (no personal data in it: the scan above).
    const { rows: audit } = await db.pool.query(`SELECT action, target, reason, details FROM audit_event ORDER BY id`);
    const tomb = audit[0].target.replace(/^idme:/, "");
    expect(tomb).toMatch(/^erased-[0-9a-f]{24}$/);
    expect(audit[0].details).toEqual({
      provider: "idme",
      providerUuid: tomb,
      from: { person: personId, auth0UserId: `erased:${personId}` },
    });
    expect(audit.at(-1)).toEqual({
      action: "person.erase",
      target: personId,
      reason: "DSR ticket 4711: erasure request",
      details: { records: 2, identities: 1, attempts: 1, auditEntriesRewritten: 2 },
    });
    // The identity's tombstone is one id everywhere: the link, the records, the other person's refused attempt.
    const { rows: uses } = await db.pool.query(
      `SELECT (SELECT count(*) FROM provider_identity WHERE provider_uuid = $1)::int AS links,
              (SELECT count(*) FROM verification_record WHERE provider_uuid = $1)::int AS records,
              (SELECT count(*) FROM attempt WHERE provider_uuid = $1)::int AS attempts`,
      [tomb],
    );
    expect(uses[0]).toEqual({ links: 1, records: 2, attempts: 2 });
    const { rows: erasedRecords } = await db.pool.query(
      `SELECT status, groups, email_lookup FROM verification_record WHERE person_id = $1`,
      [personId],
    );
    expect(erasedRecords.map((r) => r.status)).toEqual(["verified", "verified"]);
    expect(erasedRecords.every((r) => r.email_lookup === null)).toBe(true);

    // The other person: untouched.
    const { rows: kept } = await db.pool.query(
      `SELECT id, attributes_enc AS "attributesEnc", raw_userinfo_enc AS "rawUserinfoEnc", id_token_claims_enc AS "idTokenEnc", auth0_user_id, provider_uuid
       FROM verification_record WHERE person_id = $1`,
      [keepPersonId],
    );
    expect(kept[0]).toMatchObject({ auth0_user_id: KEEP.auth0UserId, provider_uuid: KEEP.uuid });
    expect(records.openPersonalData(kept[0]).attributes).toMatchObject({ first_name: KEEP.given, email: KEEP.email });
    expect(await scanEveryTable([KEEP.uuid, KEEP.auth0UserId])).toEqual(
      expect.arrayContaining([
        "public.person.auth0_user_id",
        "public.provider_identity.provider_uuid",
        "public.attempt.provider_uuid",
        "public.audit_event.details",
      ]),
    );

    // Twice is refused; and subject access now holds only tombstones.
    const again = await erase.erasePersonAction(
      null,
      form({ auth0UserId: ERASE.auth0UserId, reason: "DSR ticket 4711 again", confirm: "ERASE" }),
    );
    expect(again).toMatchObject({ ok: false, error: { code: "not_found" } });
    const doc = await (await exportOf(personId)).json();
    expect(doc.person.erasedAt).not.toBeNull();
    const text = JSON.stringify(doc).toLowerCase();
    for (const v of personal()) expect(text).not.toContain(v.toLowerCase());
  });

  it("the status endpoint then answers so the Auth0 Action drops the stored check and id at the next login", async () => {
    const r = await login(STORED(), false);
    expect(r.error).toBeNull();
    expect(r.idTokenClaims[`${NS}status`]).not.toBe("valid");
    const kept = r.appMetadata.id_verification as Record<string, unknown>;
    expect(kept).not.toHaveProperty("lastSuccessfulCheck");
    expect(kept).not.toHaveProperty("id");
    // A login that can redirect goes to the portal to verify afresh.
    const fresh = await login(STORED(), true);
    expect(fresh.redirect?.url).toMatch(/^https:\/\/verify\.example\.test\/id-verification/);
  });
});
