import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../../sandbox/harness";
import { text } from "../../sandbox/harness/browser";
import { journeys, newUser, refOn, type Journey } from "../../sandbox/harness/journey";
import type { Staff } from "../staff/session";

/**
 * One provider identity, two Auth0 users, over HTTP against the running portal:
 * - both verify with it for the first time at the same moment: one is
 *   verified, the other refused as `uuid_linked_to_other_user` (never a
 *   database error);
 * - support moves the identity to the refused account (the page's action, in
 *   this process): that person's next login verifies, the other's no longer;
 * - support unlinks it: whoever verifies with it next is linked to it.
 */

let h: Harness;
let flow: ReturnType<typeof journeys>;
let link: typeof import("./link");
let identity: typeof import("./identity");
let session: typeof import("../staff/session");

const SUPPORT: Staff = { id: "auth0|support", email: "support@example.test", name: "Sam Support", role: "support" };

beforeAll(async () => {
  h = await startHarness();
  flow = journeys(h, h.portal.url);
  Object.assign(process.env, h.portalEnv, { IDV_SILENT: "1" });
  link = await import("./link");
  identity = await import("./identity");
  session = await import("../staff/session");
  session.setStaffSourceForTests(async () => SUPPORT);
});

afterAll(async () => {
  session?.setStaffSourceForTests(undefined);
  const { getDb } = await import("../db/client");
  await (await getDb()).$disconnect().catch(() => {});
  await h?.close();
});

/** A successful move or unlink ends in a redirect to the identity's page (Next.js throws it); anything else is the form's state. */
async function settle(result: Promise<unknown>): Promise<unknown> {
  try {
    return await result;
  } catch (err) {
    const digest = String((err as { digest?: unknown }).digest ?? "");
    if (digest.startsWith("NEXT_REDIRECT;")) return { redirectedTo: digest.split(";")[2] };
    throw err;
  }
}

function form(values: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(values)) f.set(k, v);
  return f;
}

async function attemptsOf(sub: string) {
  const { rows } = await h.db.pool.query(
    `SELECT status::text AS status, failure_code, provider_uuid, person_id FROM attempt WHERE auth0_user_id = $1 ORDER BY created_at`,
    [sub],
  );
  return rows as { status: string; failure_code: string | null; provider_uuid: string | null; person_id: string }[];
}

async function linkOf(uuid: string) {
  const { rows } = await h.db.pool.query(`SELECT person_id FROM provider_identity WHERE provider = 'idme' AND provider_uuid = $1`, [uuid]);
  return (rows[0]?.person_id as string | undefined) ?? null;
}

describe("first verifications of one identity at the same moment", () => {
  it("one Auth0 user is verified, the other refused as linked to another user; nothing ends as a database error", async () => {
    for (let round = 0; round < 5; round++) {
      const account = `race-${round}-${newUser().slice(-6)}`;
      const [a, b] = await Promise.all([flow.arrive(), flow.arrive()]);
      const [cbA, cbB] = await Promise.all([
        flow.toCallback(a, "identity-verified", account),
        flow.toCallback(b, "identity-verified", account),
      ]);
      // Both callbacks fired at once.
      const pages = await Promise.all([a, b].map((j, i) => j.browser.go([cbA, cbB][i]!, { stopAt: (u) => u.startsWith(h.auth0.url) })));
      const outcomes = (await Promise.all([a, b].map((j) => attemptsOf(j.sub)))).map(([x]) => x!);
      expect(outcomes.map((o) => `${o.status}:${o.failure_code}`).sort(), `round ${round}`).toEqual([
        "failed:uuid_linked_to_other_user",
        "verified:null",
      ]);
      const loser = outcomes.findIndex((o) => o.status === "failed");
      expect(text(pages[loser]!)).toContain("already linked to another account");
      // The identity is linked once, to the winner, who holds the only record.
      const winner = outcomes[1 - loser]!;
      expect(await linkOf(winner.provider_uuid!)).toBe(winner.person_id);
      const { rows } = await h.db.pool.query(`SELECT auth0_user_id FROM verification_record WHERE provider_uuid = $1`, [
        winner.provider_uuid,
      ]);
      expect(rows.map((r) => r.auth0_user_id)).toEqual([[a, b][1 - loser]!.sub]);
      // Both logins resume at Auth0 with their own outcome.
      const claims = await Promise.all([a, b].map((j, i) => flow.resumeFrom(j, pages[i]!)));
      expect(claims.map((c) => c.status).sort()).toEqual(["failed", "success"]);
    }
  });
});

describe("support resolves an identity linked to another Auth0 user", () => {
  const account = `shared-${newUser().slice(-6)}`;
  const first = newUser(); // verified first: holds the identity
  const victim = newUser(); // refused: the identity is linked to `first`
  let uuid = "";
  let firstPerson = "";
  let victimPerson = "";
  let victimRef = "";

  async function login(sub: string): Promise<Journey> {
    return flow.arrive({ sub });
  }

  it("the refused attempt keeps the identity, and the page shows both accounts side by side", async () => {
    const a = await login(first);
    expect((await flow.resumeFrom(a, await flow.verifyAs(a, "identity-verified", account))).status).toBe("success");
    const b = await login(victim);
    const back = await flow.verifyAs(b, "identity-verified", account);
    victimRef = refOn(back)!;
    const [refused] = await attemptsOf(victim);
    expect(refused).toMatchObject({ status: "failed", failure_code: "uuid_linked_to_other_user" });
    uuid = refused!.provider_uuid!;
    victimPerson = refused!.person_id;
    firstPerson = (await linkOf(uuid))!;
    expect(firstPerson).not.toBe(victimPerson);

    const view = (await identity.identityView("idme", uuid))!;
    expect(view.linked).toMatchObject({
      auth0UserId: first,
      personId: firstPerson,
      records: [{ policyKey: "identity", status: "verified" }],
    });
    expect(view.claimants.map((c) => c.auth0UserId)).toEqual([victim]);
    expect(view.claimants[0]!.attempts.map((x) => x.referenceCode)).toEqual([victimRef]);
  });

  it("refuses a move without a reason, to an account that never came back with the identity, or from a stale page", async () => {
    const valid = {
      provider: "idme",
      providerUuid: uuid,
      fromPersonId: firstPerson,
      toPersonId: victimPerson,
      reason: "Ticket 881: caller proved the ID.me account",
    };
    expect(await link.moveIdentity(null, form({ ...valid, reason: "short" }))).toMatchObject({ ok: false, error: { code: "invalid" } });
    const stranger = newUser();
    const s = await login(stranger); // has a person, but never came back from ID.me with this identity
    const strangerPerson = (await attemptsOf(stranger))[0]!.person_id;
    expect(s.entry.url).toContain("/consent");
    expect(await link.moveIdentity(null, form({ ...valid, toPersonId: strangerPerson }))).toMatchObject({
      ok: false,
      error: { code: "conflict" },
    });
    expect(await link.moveIdentity(null, form({ ...valid, fromPersonId: victimPerson, toPersonId: firstPerson }))).toMatchObject({
      ok: false,
      error: { code: "conflict" },
    });
    expect(await linkOf(uuid)).toBe(firstPerson);
    const audits = await h.db.pool.query(`SELECT 1 FROM audit_event WHERE action LIKE 'identity.%'`);
    expect(audits.rows).toHaveLength(0);
  });

  it("after a move to the refused account, that person's next login verifies; the other account no longer passes", async () => {
    const reason = "Ticket 881: caller proved they hold the ID.me account";
    const moved = await settle(
      link.moveIdentity(null, form({ provider: "idme", providerUuid: uuid, fromPersonId: firstPerson, toPersonId: victimPerson, reason })),
    );
    expect(moved).toEqual({ redirectedTo: `/admin/identities/idme/${uuid}?done=moved` });
    const { rows: moved_ } = await h.db.pool.query(`SELECT person_id, auth0_user_id FROM verification_record WHERE provider_uuid = $1`, [
      uuid,
    ]);
    expect(moved_).toEqual([{ person_id: victimPerson, auth0_user_id: victim }]);
    expect(await linkOf(uuid)).toBe(victimPerson);
    const { rows: audit } = await h.db.pool.query(
      `SELECT actor_id, actor_role, target, reason, details FROM audit_event WHERE action = 'identity.move'`,
    );
    expect(audit).toEqual([
      expect.objectContaining({
        actor_id: SUPPORT.id,
        actor_role: "support",
        target: `idme:${uuid}`,
        reason,
        details: expect.objectContaining({
          from: { person: firstPerson, auth0UserId: first },
          to: { person: victimPerson, auth0UserId: victim },
        }),
      }),
    ]);

    // The victim's next login: verified, as themselves, without a trip to ID.me.
    const v = await login(victim);
    expect(v.entry.hops.some((x) => x.url.startsWith(h.idme.url))).toBe(false);
    const claims = await flow.resumeFrom(v, v.entry);
    expect(claims).toMatchObject({ status: "success", sub: victimPerson });

    // The first account has no verification left, and the identity now refuses it.
    const a = await login(first);
    expect(a.entry.url).toBe(`${h.portal.url}/id-verification/consent`);
    const back = await flow.verifyAs(a, "identity-verified", account);
    expect(text(back)).toContain("already linked to another account");
    expect((await attemptsOf(first)).at(-1)).toMatchObject({ failure_code: "uuid_linked_to_other_user", provider_uuid: uuid });
  });

  it("unlink: the identity and its records go; whoever verifies with it next is linked to it", async () => {
    const reason = "Ticket 902: both accounts belong to the caller; start clean";
    const done = await settle(
      link.unlinkIdentity(null, form({ provider: "idme", providerUuid: uuid, fromPersonId: victimPerson, reason })),
    );
    expect(done).toEqual({ redirectedTo: `/admin/identities/idme/${uuid}?done=unlinked` });
    expect(await linkOf(uuid)).toBeNull();
    const { rows } = await h.db.pool.query(`SELECT 1 FROM verification_record WHERE provider_uuid = $1`, [uuid]);
    expect(rows).toHaveLength(0);
    const { rows: audit } = await h.db.pool.query(`SELECT reason, details FROM audit_event WHERE action = 'identity.unlink'`);
    expect(audit).toEqual([
      expect.objectContaining({
        reason,
        details: expect.objectContaining({ recordsRemoved: [expect.objectContaining({ policyKey: "identity" })] }),
      }),
    ]);

    const a = await login(first);
    expect((await flow.resumeFrom(a, await flow.verifyAs(a, "identity-verified", account))).status).toBe("success");
    expect(await linkOf(uuid)).toBe(firstPerson);
  });
});
