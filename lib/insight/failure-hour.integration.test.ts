import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../../sandbox/harness/db";

/**
 * The failures page's hourly and daily counts (attempt_failure_hour and _day, kept by triggers on attempt) equal a
 * direct count of the attempts after a mixed sequence: attempts opened, failed, declined, errored,
 * verified, failed at once from many requests (and the same attempt twice at once), moved to
 * another hour, deleted; and the failures view reads the same numbers from either.
 */

let db: TestDatabase;
let flow: typeof import("../flow/attempts");
let states: typeof import("../flow/states");
let failures: typeof import("./failures");
let range: typeof import("./range");

beforeAll(async () => {
  db = await openTestDatabase();
  flow = await import("../flow/attempts");
  states = await import("../flow/states");
  failures = await import("./failures");
  range = await import("./range");
});

afterAll(async () => {
  await db?.close();
});

const direct = `SELECT date_trunc('hour', created_at, 'UTC') AS hour, status::text AS status, failure_code, provider, auth0_client_id, count(*)::int AS n
  FROM attempt WHERE status IN ('failed', 'declined', 'error') GROUP BY 1, 2, 3, 4, 5`;
const rolled = `SELECT hour, status, failure_code, provider, auth0_client_id, n FROM attempt_failure_hour WHERE n <> 0`;
const directDay = direct.replace("date_trunc('hour'", "date_trunc('day'");
const rolledDay = `SELECT day AS hour, status, failure_code, provider, auth0_client_id, n FROM attempt_failure_day WHERE n <> 0`;
const key = (r: Record<string, unknown>) =>
  [new Date(r.hour as string).toISOString(), r.status, r.failure_code, r.provider, r.auth0_client_id, r.n].join("|");
async function both() {
  const keys = async (q: string) => (await db.pool.query(q)).rows.map(key).sort();
  const [a, b, c, d] = await Promise.all([direct, rolled, directDay, rolledDay].map(keys));
  return { direct: a!, rolled: b!, directDay: c!, rolledDay: d! };
}

const open = (i: number) =>
  flow.openAttempt({
    auth0UserId: `auth0|fh-${i}`,
    auth0ClientId: i % 3 === 0 ? null : `app-${i % 3}`,
    provider: i % 4 === 0 ? "idpartner" : "idme",
    policy: "identity",
    scopes: ["openid"],
  });

describe("attempt_failure_hour", () => {
  it("equals a direct count of the attempts after a mixed, partly simultaneous sequence", async () => {
    const { FlowError } = states;
    const attempts = await Promise.all(Array.from({ length: 40 }, (_, i) => open(i)));
    // Spread over hours, some in a zone with a half-hour offset's boundaries in mind: counted by UTC hour.
    await db.pool.query(
      `UPDATE attempt SET created_at = now() - ((substr(auth0_user_id, 10)::int % 5) * interval '1 hour' + interval '17 minutes') WHERE auth0_user_id LIKE 'auth0|fh-%'`,
    );
    // Forty failures at once, of several causes; each attempt's own first failure wins.
    const codes = ["identity_not_verified", "token_exchange_rejected", "declined_at_portal", "database_error", "state_mismatch"] as const;
    const results = await Promise.all(
      attempts.flatMap((a, i) => [
        flow.fail({ ...a }, new FlowError(codes[i % codes.length]!, "test")),
        // The same attempt failed again at the same moment (a double submit): counted once.
        ...(i % 2 === 0 ? [flow.fail({ ...a }, new FlowError(codes[(i + 1) % codes.length]!, "test again"))] : []),
      ]),
    );
    expect(results.filter(Boolean).length).toBe(attempts.length);
    // Refusals opened and ended together, and an attempt that verifies (never counted).
    await Promise.all([
      flow.openFailedAttempt({ provider: "idme", policy: "identity", scopes: [] }, "token_state_mismatch", "test"),
      flow.openFailedAttempt({ provider: "idme", policy: "identity", scopes: [] }, "session_missing", "test"),
    ]);
    const ok = await open(100);
    await flow.move(ok, "at_provider", {}, ["started"]);
    let counts = await both();
    expect(counts.rolled).toEqual(counts.direct);
    expect(counts.rolledDay).toEqual(counts.directDay);
    expect(counts.direct.length).toBeGreaterThan(5);

    // An attempt moved to another hour, one deleted (retention), all of an hour deleted at once.
    await db.pool.query(`UPDATE attempt SET created_at = created_at - interval '3 hours' WHERE id = $1`, [attempts[1]!.id]);
    await db.pool.query(`DELETE FROM attempt WHERE id = $1`, [attempts[2]!.id]);
    await db.pool.query(`DELETE FROM attempt WHERE created_at < now() - interval '4 hours'`);
    counts = await both();
    expect(counts.rolled).toEqual(counts.direct);
    expect(counts.rolledDay).toEqual(counts.directDay);

    // The failures view reads the hourly counts for whole-hour ranges, attempts otherwise: the same numbers.
    const r = range.rangeFor("24h");
    const fromCounts = await failures.failureInsight(r);
    const fromAttempts = await failures.failureInsight({ ...r, to: new Date(r.to.getTime() - 1) });
    expect(fromCounts.total).toBeGreaterThan(0);
    expect(fromCounts.total).toBe(fromAttempts.total);
    expect(fromCounts.causes.map((c) => [c.code, c.count, c.series])).toEqual(fromAttempts.causes.map((c) => [c.code, c.count, c.series]));
    expect(fromCounts.byApplication).toEqual(fromAttempts.byApplication);
    expect(fromCounts.byProvider).toEqual(fromAttempts.byProvider);
    expect(fromCounts.byStatus).toEqual(fromAttempts.byStatus);
    const week = range.rangeFor("7d");
    const fromDays = await failures.failureInsight(week);
    const weekFromAttempts = await failures.failureInsight({ ...week, to: new Date(week.to.getTime() - 1) });
    expect(fromDays.total).toBe(fromCounts.total);
    expect(fromDays.causes.map((c) => [c.code, c.count, c.series])).toEqual(
      weekFromAttempts.causes.map((c) => [c.code, c.count, c.series]),
    );
    expect(fromDays.byApplication).toEqual(weekFromAttempts.byApplication);
  });
});
