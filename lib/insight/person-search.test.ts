import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";
import { linkIdentities } from "../../sandbox/harness/records";
import { startAuth0Tenant, DEMO_PASSWORD, type Auth0Tenant } from "../../sandbox/auth0/tenant";

/**
 * Support looks a person up by what they write in with: the email they sign in
 * with at Auth0 (or their name), which the portal's records do not hold, or the
 * email their provider gave, which only the records hold (as a keyed hash). The
 * people search asks both (Auth0 through the Management API stand-in, the records
 * on a real database) and lists each Auth0 user once, saying where the match came
 * from and whether the portal has seen them.
 */

let db: TestDatabase;
let tenant: Auth0Tenant;
const NOW = Date.now();

// Jane signs in to Auth0 as jane@work.example.test; ID.me knows her as jane.private@example.test.
// Bob's Auth0 and ID.me addresses are the same. Carol is at Auth0 and never came to the portal.
// Dave's record holds an address Auth0 does not know.
const PEOPLE = [
  { personId: "idv_jane", auth0UserId: "auth0|jane", providerEmail: "jane.private@example.test", uuid: "a".repeat(32) },
  { personId: "idv_bob", auth0UserId: "auth0|bob", providerEmail: "bob@example.test", uuid: "b".repeat(32) },
  { personId: "idv_dave", auth0UserId: "auth0|dave", providerEmail: "dave@old-mail.example.test", uuid: "d".repeat(32) },
];

async function searchModule(env: Record<string, string | undefined>) {
  vi.resetModules();
  for (const k of ["AUTH0_MANAGEMENT_CLIENT_ID", "AUTH0_MANAGEMENT_CLIENT_SECRET"]) delete process.env[k];
  Object.assign(process.env, env);
  const management = await import("../auth0/management");
  management.forgetManagementToken();
  return import("./person");
}

const CONFIGURED = { AUTH0_MANAGEMENT_CLIENT_ID: "portal-m2m", AUTH0_MANAGEMENT_CLIENT_SECRET: "portal-m2m-secret" };

beforeAll(async () => {
  tenant = await startAuth0Tenant({
    port: 0,
    secrets: { TOKEN_SECRET: "a-test-token-secret-of-some-length-0123" },
    configuration: {},
    clock: () => NOW,
    users: [
      { user_id: "auth0|jane", email: "jane@work.example.test", name: "Jane Doe", password: DEMO_PASSWORD },
      { user_id: "auth0|bob", email: "bob@example.test", name: "Bob Example", password: DEMO_PASSWORD },
      { user_id: "auth0|carol", email: "carol@example.test", name: "Carol Jane Smith", password: DEMO_PASSWORD },
    ],
    machineClients: [{ client_id: "portal-m2m", client_secret: "portal-m2m-secret", name: "Portal", managementScopes: ["read:users"] }],
  });
  db = await openTestDatabase({ AUTH0_DOMAIN: tenant.url });
  const records = await import("../records");
  for (const p of PEOPLE) {
    await db.pool.query(`INSERT INTO person (id, auth0_user_id) VALUES ($1, $2)`, [p.personId, p.auth0UserId]);
  }
  await linkIdentities(
    db.pool,
    PEOPLE.map((p) => ({ provider: "idme", providerUuid: p.uuid, personId: p.personId })),
  );
  for (const p of PEOPLE) {
    await db.pool.query(
      `INSERT INTO verification_record (id, provider, provider_uuid, person_id, auth0_user_id, status, policy, policy_key, groups,
         attributes_enc, raw_userinfo_enc, email_lookup, last_checked_at, expires_at, updated_at)
       VALUES ($1, 'idme', $2, $3, $4, 'verified', 'identity', 'identity', '[]'::jsonb, 'v1.x', 'v1.y', $5, now(), now() + interval '30 days', now())`,
      [`rec_${p.personId}`, p.uuid, p.personId, p.auth0UserId, records.emailLookup(p.providerEmail)],
    );
  }
});

afterAll(async () => {
  await tenant?.close();
  await db?.close();
});

describe("people search: Auth0's users and the records' provider emails together", () => {
  it("finds a person by the email they use at Auth0, which no record holds", async () => {
    const { searchPeople } = await searchModule(CONFIGURED);
    const result = await searchPeople("Jane@Work.example.test");
    expect(result).toMatchObject({ auth0Search: true, auth0Problem: null });
    expect(result.found).toEqual([
      {
        auth0UserId: "auth0|jane",
        auth0: { userId: "auth0|jane", email: "jane@work.example.test", emailVerified: true, name: "Jane Doe" },
        providerEmail: false,
        known: true,
      },
    ]);
  });

  it("finds the same person by the email their provider gave, which Auth0 does not know", async () => {
    const { searchPeople } = await searchModule(CONFIGURED);
    const result = await searchPeople("jane.private@example.test");
    expect(result.found).toEqual([{ auth0UserId: "auth0|jane", auth0: null, providerEmail: true, known: true }]);
  });

  it("lists a person matched both ways once, with both reasons", async () => {
    const { searchPeople } = await searchModule(CONFIGURED);
    const result = await searchPeople("bob@example.test");
    expect(result.found).toHaveLength(1);
    expect(result.found[0]).toMatchObject({ auth0UserId: "auth0|bob", auth0: { name: "Bob Example" }, providerEmail: true, known: true });
  });

  it("finds by name at Auth0 only, and says who the portal has never seen", async () => {
    const { searchPeople } = await searchModule(CONFIGURED);
    const result = await searchPeople("jane");
    const byId = Object.fromEntries(result.found.map((f) => [f.auth0UserId, f]));
    expect(Object.keys(byId).sort()).toEqual(["auth0|carol", "auth0|jane"]);
    expect(byId["auth0|jane"]).toMatchObject({ known: true, providerEmail: false });
    expect(byId["auth0|carol"]).toMatchObject({ known: false, providerEmail: false, auth0: { email: "carol@example.test" } });
  });

  it("without Management API credentials: says Auth0 search is off and still finds provider emails", async () => {
    const { searchPeople } = await searchModule({});
    const result = await searchPeople("dave@old-mail.example.test");
    expect(result).toMatchObject({ auth0Search: false, auth0Problem: null });
    expect(result.found).toEqual([{ auth0UserId: "auth0|dave", auth0: null, providerEmail: true, known: true }]);
    // An Auth0-only address finds nobody, and the page can say why (auth0Search false).
    expect((await searchPeople("jane@work.example.test")).found).toEqual([]);
  });

  it("when Auth0 refuses: the refusal in words for staff, and the portal's own matches still listed", async () => {
    const { searchPeople } = await searchModule({ ...CONFIGURED, AUTH0_MANAGEMENT_CLIENT_SECRET: "wrong-secret" });
    const result = await searchPeople("bob@example.test");
    expect(result.auth0Search).toBe(true);
    expect(result.auth0Problem).toMatch(/credentials|client/i);
    expect(result.found).toEqual([{ auth0UserId: "auth0|bob", auth0: null, providerEmail: true, known: true }]);
  });
});
