import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";

/**
 * The attempt's one-statement writes (issue 11: fewer round trips per login step) read and
 * write exactly what Prisma would: an opened attempt is the row Prisma reads back, its first
 * events land with it (or not at all), and a move writes its events only when it moved.
 */

let db: TestDatabase;
let attempts: typeof import("./attempts");
let getDb: typeof import("../db/client").getDb;

beforeAll(async () => {
  db = await openTestDatabase();
  attempts = await import("./attempts");
  ({ getDb } = await import("../db/client"));
});

afterAll(async () => {
  await (await getDb()).$disconnect().catch(() => {});
  await db?.close();
});

const opening = (over: Partial<import("./attempts").OpenAttempt> = {}) => ({
  auth0UserId: "auth0|one-statement",
  auth0ClientId: "client-a",
  auth0State: "state-1",
  provider: "idme",
  policy: "identity" as const,
  scopes: ["openid", "http://idmanagement.gov/ns/assurance/ial/2/aal/2"],
  requiredGroup: null,
  browserHash: "b".repeat(43),
  accountHint: "j***@example.com",
  appLabel: "Benefits",
  ...over,
});

const timeline = async (id: string) =>
  (await (await getDb()).attemptEvent.findMany({ where: { attemptId: id }, orderBy: { id: "asc" } })).map((e) => [
    e.step,
    e.outcome,
    e.errorCode,
    e.errorDescription,
  ]);

describe("an attempt opened and moved in one statement", () => {
  it("opens as the row Prisma reads back, every field, with its first events in order", async () => {
    const opened = await attempts.openAttempt(opening(), undefined, [
      { step: "token_received", outcome: "ok", description: "token checked" },
      { step: "interval_check", outcome: "info", description: "no successful check" },
    ]);
    const read = await (await getDb()).attempt.findUniqueOrThrow({ where: { id: opened.id } });
    expect(opened).toEqual(read);
    expect(Object.keys(opened).sort()).toEqual(Object.keys(read).sort());
    expect(read).toMatchObject({ status: "started", scopes: opening().scopes, accountHint: "j***@example.com", policy: "identity" });
    expect(read.createdAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(await timeline(opened.id)).toEqual([
      ["token_received", "ok", null, "token checked"],
      ["interval_check", "info", null, "no successful check"],
    ]);
  });

  it("keeps an id chosen beforehand", async () => {
    const id = `att_chosen_${Date.now()}`;
    const opened = await attempts.openAttempt({ ...opening(), id });
    expect(opened.id).toBe(id);
    expect(await timeline(id)).toEqual([]);
  });

  it("a move writes its fields and events only when it moved; two moves at once: one wins, one set of events", async () => {
    const a = await attempts.openAttempt(opening({ auth0State: "state-2" }));
    const b = { ...a };
    const data = { oauthState: `st-${a.id}`, nonce: "n", codeVerifier: "v" };
    const events = { events: [{ step: "sent_to_provider" as const, outcome: "ok" as const, description: "to the provider" }] };
    const [one, two] = await Promise.all([
      attempts.move(a, "at_provider", data, ["started"], undefined, events),
      attempts.move(b, "at_provider", { ...data, oauthState: `other-${a.id}` }, ["started"], undefined, events),
    ]);
    expect([one, two].filter(Boolean)).toHaveLength(1);
    const read = await (await getDb()).attempt.findUniqueOrThrow({ where: { id: a.id } });
    expect(read.status).toBe("at_provider");
    expect(read.oauthState).toBe(one ? `st-${a.id}` : `other-${a.id}`);
    expect(read.updatedAt.getTime()).toBeGreaterThanOrEqual(read.createdAt.getTime());
    expect(await timeline(a.id)).toEqual([["sent_to_provider", "ok", null, "to the provider"]]);
  });

  it("an ending move sets the status Auth0 gets back and its date; 'always' events are written even when it did not move", async () => {
    const a = await attempts.openAttempt(opening({ auth0State: "state-3" }));
    const checkedAt = new Date("2026-11-30T23:30:00.000Z");
    expect(await attempts.move(a, "verified", { checkedAt, providerUuid: "uuid-1" }, ["started"])).toBe(true);
    const read = await (await getDb()).attempt.findUniqueOrThrow({ where: { id: a.id } });
    expect(read).toMatchObject({ status: "verified", returnStatus: "success", providerUuid: "uuid-1" });
    expect(read.checkedAt?.toISOString()).toBe(checkedAt.toISOString());

    const stale = { ...a, status: "started" as const };
    const moved = await attempts.move(stale, "verified", {}, ["started"], undefined, {
      events: [{ step: "result", outcome: "ok", description: "verified" }],
      when: "always",
    });
    expect(moved).toBe(false);
    expect(await timeline(a.id)).toEqual([["result", "ok", null, "verified"]]);
  });
});
