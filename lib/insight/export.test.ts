import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import { linkIdentities } from "../../sandbox/harness/records";
import type { Staff } from "../staff/session";
import { parseCsv } from "@/sandbox/harness/csv";

/**
 * GET /api/admin/export on a real database, called as the route handler:
 * the whole filtered list comes out as CSV in several keyset pages, support
 * gets masked ids and no attributes, an admin's export with attributes is
 * audited first, bad filters and the wrong people are refused. Also the
 * "summary copied" action's audit entry.
 */

let db: TestDatabase;
let transaction: typeof import("../db/client").transaction;
let session: typeof import("../staff/session");
let route: typeof import("../../app/api/admin/export/route");
let actions: typeof import("../../app/admin/_support/actions");

const STAFF: Record<string, Staff | null> = {
  anonymous: null,
  noRole: { id: "auth0|x", email: "x@example.test", name: "X", role: null },
  support: { id: "auth0|support", email: "support@example.test", name: "Support", role: "support" },
  admin: { id: "auth0|admin", email: "admin@example.test", name: "Admin", role: "admin" },
};
const as = (who: keyof typeof STAFF) => session.setStaffSourceForTests(async () => STAFF[who]!);

const N = 437; // more than two pages of the records export
const HOUR = 3_600_000;
const BASE = Date.parse("2026-03-01T12:00:00.000Z");
const pad = (n: number) => String(n).padStart(4, "0");
const STATUSES = ["verified", "verified", "not_verified", "revoked"] as const;

async function download(query: string) {
  const res = await route.GET(new Request(`https://verify.example.test/api/admin/export?${query}`));
  if (!res.ok || !res.body) return { res, chunks: 0, rows: [] as Record<string, string>[], header: [] as string[], text: await res.text() };
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let text = "";
  let chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks++;
    text += dec.decode(value, { stream: true });
  }
  const [header = [], ...body] = parseCsv(text);
  return {
    res,
    chunks,
    header,
    text,
    rows: body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]!])) as Record<string, string>),
  };
}

async function auditCount(action: string) {
  const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM audit_event WHERE action = $1`, [action]);
  return rows[0].n as number;
}

beforeAll(async () => {
  db = await openTestDatabase();
  session = await import("../staff/session");
  route = await import("../../app/api/admin/export/route");
  actions = await import("../../app/admin/_support/actions");
  const records = await import("../records");
  ({ transaction } = await import("../db/client"));

  const persons = Array.from({ length: N }, (_, i) => `('idv_p${pad(i)}', 'auth0|user${pad(i)}abcdef')`);
  await db.pool.query(`INSERT INTO person (id, auth0_user_id) VALUES ${persons.join(",")}`);
  await linkIdentities(
    db.pool,
    Array.from({ length: N }, (_, i) => ({ provider: "idme", providerUuid: `uuid${pad(i)}`, personId: `idv_p${pad(i)}` })),
  );
  const values: unknown[] = [];
  const rows = Array.from({ length: N }, (_, i) => {
    const p = (v: unknown) => (values.push(v), `$${values.length}`);
    const at = new Date(BASE - i * HOUR).toISOString();
    return `(${p(`rec_${pad(i)}`)}, 'idme', ${p(`uuid${pad(i)}`)}, ${p(`idv_p${pad(i)}`)}, ${p(`auth0|user${pad(i)}abcdef`)}, ${p(STATUSES[i % 4])}::"RecordStatus", 'identity', 'identity',
      '[{"group":"identity","subgroups":[],"verified":true}]', 'v1.not-sealed', 'v1.not-sealed', ${p(i % 3 === 0 ? "app-bank" : null)}, ${p(at)}::timestamptz(3), ${p(at)}::timestamptz(3), now())`;
  });
  await db.pool.query(
    `INSERT INTO verification_record (id, provider, provider_uuid, person_id, auth0_user_id, status, policy, policy_key, groups, attributes_enc, raw_userinfo_enc, last_client_id, last_checked_at, expires_at, updated_at) VALUES ${rows.join(",")}`,
    values,
  );
  // One record sealed by the real code path, with a name a spreadsheet would run as a formula.
  const person = await records.ensurePerson("auth0|sealed-person-1");
  await transaction((tx) =>
    records.saveVerification(
      {
        personId: person.id,
        auth0UserId: "auth0|sealed-person-1",
        auth0ClientId: "app-bank",
        provider: "idme",
        policy: "identity",
        requiredGroup: null,
        intervalHours: 720,
        parsed: {
          uuid: "sealed-uuid",
          attributes: {},
          normalized: {
            uuid: "sealed-uuid",
            givenName: '=HYPERLINK("http://evil.example")',
            familyName: "Doe, Jr.",
            email: "jane.doe@example.test",
            birthDate: "1984-07-23",
          },
          groups: [{ group: "identity", subgroups: [], verified: true }],
          identityVerified: true,
        },
        rawUserinfo: { fname: "Jane" },
        idTokenClaims: null,
        verified: true,
        checkedAt: new Date("2026-03-02T00:00:00.000Z"),
      },
      tx,
    ),
  );

  await db.pool
    .query(`INSERT INTO attempt (id, reference_code, auth0_user_id, auth0_client_id, provider, policy, scopes, status, failure_step, failure_code, created_at, updated_at) VALUES
    ('att_1', 'IDV-AAAA-0001', 'auth0|user0001abcdef', 'app-bank', 'idme', 'identity', '{}', 'error', 'returned', 'state_mismatch', '2026-03-01T10:00:00Z', now()),
    ('att_2', 'IDV-AAAA-0002', 'auth0|user0002abcdef', 'app-bank', 'idme', 'identity', '{}', 'verified', NULL, NULL, '2026-03-01T11:00:00Z', now()),
    ('att_3', 'IDV-AAAA-0003', NULL, NULL, 'idme', 'identity', '{}', 'declined', 'sent_to_provider', 'declined_at_portal', '2026-03-01T12:00:00Z', now())`);
  await db.pool.query(
    `INSERT INTO application (client_id, name, required, scopes, updated_at) VALUES ('app-bank', 'Sample, "Bank"', true, '{}', now())`,
  );
});

afterAll(async () => {
  session?.setStaffSourceForTests(undefined);
  await db?.close();
});

describe("CSV export", () => {
  it("refuses anonymous visitors (401) and people without a role (403)", async () => {
    as("anonymous");
    expect((await route.GET(new Request("https://verify.example.test/api/admin/export"))).status).toBe(401);
    as("noRole");
    expect((await route.GET(new Request("https://verify.example.test/api/admin/export"))).status).toBe(403);
  });

  it("support: every record, streamed in keyset pages, newest first, Auth0 ids masked, no attributes", async () => {
    as("support");
    const { res, rows, header, chunks, text } = await download("kind=records");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="idv-records-\d{8}-\d{4}\.csv"$/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(rows).toHaveLength(N + 1);
    expect(new Set(rows.map((r) => r.record_id)).size).toBe(N + 1);
    expect(chunks).toBeGreaterThanOrEqual(4); // header + 3 pages of at most 200
    expect(header.some((h) => h.startsWith("attr_"))).toBe(false);
    expect(rows[0]!.record_id).toMatch(/^rec_/); // the sealed one (2026-03-02) is the newest
    expect(rows.map((r) => r.last_checked_at)).toEqual([...rows.map((r) => r.last_checked_at)].sort().reverse());
    expect(rows.find((r) => r.record_id === "rec_0001")!.auth0_user_id).toBe("auth0|use…ef");
    expect(text).not.toMatch(/user0001abcdef|jane|1984/i);
    expect(await auditCount("record.reveal")).toBe(0);
  });

  it("applies the records list's filters", async () => {
    as("support");
    const verified = await download("kind=records&status=verified&application=app-bank");
    const want = Array.from({ length: N }, (_, i) => i)
      .filter((i) => STATUSES[i % 4] === "verified" && i % 3 === 0)
      .map((i) => `rec_${pad(i)}`);
    expect(verified.rows.map((r) => r.record_id!).filter((id) => /^rec_\d{4}$/.test(id))).toEqual(want);
    expect(verified.rows).toHaveLength(want.length + 1); // and the sealed record
    const range = await download("kind=records&from=2026-02-28&to=2026-02-28");
    expect(range.rows).toHaveLength(24);
    expect(range.rows.every((r) => r.last_checked_at!.startsWith("2026-02-28"))).toBe(true);
    const bad = await download("kind=records&status=nope&from=yesterday");
    expect(bad.res.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ error: "invalid", problems: { status: expect.any(String), from: expect.any(String) } });
    expect((await download("kind=everything")).res.status).toBe(400);
  });

  it("support may not export attributes", async () => {
    as("support");
    const res = await download("kind=records&attributes=1");
    expect(res.res.status).toBe(403);
    expect(await auditCount("record.reveal")).toBe(0);
  });

  it("admin: Auth0 ids in clear; attributes only when asked, audited as a reveal before any data", async () => {
    as("admin");
    const plain = await download("kind=records&status=verified");
    expect(plain.header.some((h) => h.startsWith("attr_"))).toBe(false);
    expect(plain.rows.find((r) => r.record_id === "rec_0001")!.auth0_user_id).toBe("auth0|user0001abcdef");
    expect(await auditCount("record.reveal")).toBe(0);

    const full = await download("kind=records&status=verified&attributes=1&q=jane.doe%40example.test");
    expect(full.res.status).toBe(200);
    expect(full.rows).toHaveLength(1);
    expect(full.rows[0]).toMatchObject({
      auth0_user_id: "auth0|sealed-person-1",
      attr_givenName: '\'=HYPERLINK("http://evil.example")',
      attr_familyName: "Doe, Jr.",
      attr_email: "jane.doe@example.test",
      attr_birthDate: "1984-07-23",
    });
    const { rows: audit } = await db.pool.query(
      `SELECT actor_id, action, target, reason, details FROM audit_event WHERE action = 'record.reveal'`,
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor_id: "auth0|admin",
      target: "export",
      reason: "csv export",
      details: { kind: "records", filters: { status: "verified", q: "(given)" } },
    });
    // The search term (an email) is not repeated in the audit log.
    expect(JSON.stringify(audit[0].details)).not.toContain("jane");

    // Records whose sealed data cannot be opened: empty attribute cells, never an error mid-file.
    const some = await download("kind=records&attributes=1&from=2026-03-01&to=2026-03-01");
    expect(some.res.status).toBe(200);
    expect(some.rows.length).toBeGreaterThan(0);
    expect(some.rows.every((r) => r.attr_email === "")).toBe(true);
  });

  it("attempts: filters, masked for support, application names escaped", async () => {
    as("support");
    const all = await download("kind=attempts");
    expect(all.rows.map((r) => r.reference_code)).toEqual(["IDV-AAAA-0003", "IDV-AAAA-0002", "IDV-AAAA-0001"]);
    const failed = await download("kind=attempts&status=failures");
    expect(failed.rows.map((r) => r.reference_code)).toEqual(["IDV-AAAA-0003", "IDV-AAAA-0001"]);
    const one = failed.rows[1]!;
    expect(one).toMatchObject({ failure_code: "state_mismatch", application: 'Sample, "Bank"', auth0_user_id: "auth0|use…ef" });
    expect((await download("kind=attempts&code=state_mismatch")).rows).toHaveLength(1);
    expect((await download("kind=attempts&application=-")).rows.map((r) => r.reference_code)).toEqual(["IDV-AAAA-0003"]);
    expect((await download("kind=attempts&from=2026-03-01&to=2026-03-01&status=verified")).rows).toHaveLength(1);
    expect((await download("kind=attempts&range=forever")).res.status).toBe(400);
    expect((await download("kind=attempts&attributes=1")).res.status).toBe(403);
    as("admin");
    expect((await download("kind=attempts&code=state_mismatch")).rows[0]!.auth0_user_id).toBe("auth0|user0001abcdef");
  });
});

describe("summary copied", () => {
  const form = (reference: string) => {
    const f = new FormData();
    f.set("reference", reference);
    return f;
  };

  it("writes the copy to the audit log (reference codes as people read them out)", async () => {
    as("support");
    const result = await actions.recordSummaryCopied(null, form("idv aaaa ooo1"));
    expect(result).toMatchObject({ ok: true, data: { reference: "IDV-AAAA-0001" } });
    const { rows } = await db.pool.query(
      `SELECT actor_id, actor_role, target, details FROM audit_event WHERE action = 'attempt.summary_copied'`,
    );
    expect(rows).toEqual([
      { actor_id: "auth0|support", actor_role: "support", target: "IDV-AAAA-0001", details: { status: "error", code: "state_mismatch" } },
    ]);
  });

  it("refuses unknown attempts, malformed codes and anonymous visitors", async () => {
    as("support");
    expect(await actions.recordSummaryCopied(null, form("IDV-ZZZZ-ZZZZ"))).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await actions.recordSummaryCopied(null, form("hello"))).toMatchObject({ ok: false, error: { code: "invalid" } });
    as("anonymous");
    expect(await actions.recordSummaryCopied(null, form("IDV-AAAA-0001"))).toMatchObject({ ok: false, error: { code: "anonymous" } });
    expect(await auditCount("attempt.summary_copied")).toBe(1);
  });
});
