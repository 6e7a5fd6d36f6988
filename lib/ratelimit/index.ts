import { createHmac } from "node:crypto";
import { encryptionKey } from "../settings/secrets";
import { RateLimiterPrisma, RateLimiterRes } from "rate-limiter-flexible";
import { getDb, type Db } from "../db/client";
import { env } from "../env";
import { log } from "../log";

/**
 * Rate limits shared by every instance of the portal: rate-limiter-flexible's
 * Prisma store on the portal's own database (table `rate_limit`, created by a
 * migration). Two limits:
 *
 * - `flow_failures`: refused requests at the verification flow per client
 *   address (bad or reused tokens, steps from a browser without the attempt).
 *   Each request takes a point before any work and gives it back unless it
 *   was refused, so a burst of simultaneous junk is cut at the limit too;
 *   beyond it the address is answered 429 and no attempt is recorded.
 * - `staff_lookups`: reference-code and record lookups per staff member.
 *
 * Keys are HMACs of the address or staff id (keyed by the active encryption key), so the
 * table holds no addresses. Requests refused by a limit are counted per hour
 * in `rate_limit_refusal`. When the database cannot answer, the limit lets the
 * request through: it protects against junk, it must not add an outage.
 */

export type LimitName = "flow_failures" | "staff_lookups";

export interface Verdict {
  allowed: boolean;
  /** Seconds until the window ends (0 when allowed). */
  retryAfterSec: number;
}

type Holder = Partial<Record<LimitName, Promise<RateLimiterPrisma>>>;
const holder: Holder = ((globalThis as { __idvLimiters?: Holder }).__idvLimiters ??= {});

function pointsOf(name: LimitName): number {
  const e = env();
  return name === "flow_failures" ? e.RATE_LIMIT_FLOW_FAILURES : e.RATE_LIMIT_STAFF_LOOKUPS;
}

type Upsert = (key: string, points: number, msDuration: number, forceExpire?: boolean) => Promise<unknown>;

/**
 * The library's Prisma store, whose write is one statement instead of two (it
 * deletes an expired row, then upserts): every flow request takes a point and
 * most give it back, so this is two round trips a request instead of four.
 * Same rule: an expired window starts afresh, any other row is incremented in
 * the database, so simultaneous calls are all counted.
 */
class OneStatementPrismaLimiter extends RateLimiterPrisma {
  constructor(
    private readonly db: Db,
    opts: ConstructorParameters<typeof RateLimiterPrisma>[0],
  ) {
    super(opts);
  }

  _upsert(key: string, points: number, msDuration: number, forceExpire = false): Promise<unknown> {
    if (forceExpire)
      return (RateLimiterPrisma.prototype as unknown as { _upsert: Upsert })._upsert.call(this, key, points, msDuration, true);
    const now = new Date().toISOString();
    const expire = msDuration > 0 ? new Date(Date.now() + msDuration).toISOString() : null;
    return this.db.$queryRaw<{ points: number; expire: Date | null }[]>`
      INSERT INTO rate_limit (key, points, expire) VALUES (${key}, ${points}, ${expire}::timestamptz)
      ON CONFLICT (key) DO UPDATE SET
        points = CASE WHEN rate_limit.expire <= ${now}::timestamptz THEN EXCLUDED.points ELSE rate_limit.points + EXCLUDED.points END,
        expire = CASE WHEN rate_limit.expire <= ${now}::timestamptz THEN EXCLUDED.expire ELSE rate_limit.expire END
      RETURNING points, expire`.then((rows) => rows[0]);
  }
}

function limiter(name: LimitName): Promise<RateLimiterPrisma> {
  holder[name] ??= getDb().then(
    (db) =>
      new OneStatementPrismaLimiter(db, {
        storeClient: db,
        // The Prisma delegate of model RateLimit (the library calls it a table name).
        tableName: "rateLimit",
        keyPrefix: name,
        points: pointsOf(name),
        duration: env().RATE_LIMIT_WINDOW_SECONDS,
      }),
  );
  return holder[name];
}

/** What is stored: never the address or id itself. */
export function limitKey(name: LimitName, key: string): string {
  return createHmac("sha256", encryptionKey()).update(`${name}:${key}`).digest("base64url").slice(0, 32);
}

const allowed: Verdict = { allowed: true, retryAfterSec: 0 };

function refused(res: RateLimiterRes): Verdict {
  return { allowed: false, retryAfterSec: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
}

function failOpen(name: LimitName, err: unknown): Verdict {
  log("warn", "rate limit unavailable; request let through", { step: name, error: (err as Error)?.name ?? "Error" });
  return allowed;
}

/** Counts one use of this key; refused once the key is beyond its limit. */
export async function take(name: LimitName, key: string): Promise<Verdict> {
  try {
    await (await limiter(name)).consume(limitKey(name, key));
    return allowed;
  } catch (err) {
    if (err instanceof RateLimiterRes) return refused(err);
    return failOpen(name, err);
  }
}

/** Gives back a point taken by a request that turned out not to count. */
export async function giveBack(name: LimitName, key: string): Promise<void> {
  try {
    await (await limiter(name)).reward(limitKey(name, key), 1);
  } catch (err) {
    failOpen(name, err);
  }
}

/** Counts a request refused by a limit, in the hour it happened. */
export async function countRefusal(name: LimitName): Promise<void> {
  const windowStart = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  try {
    const db = await getDb();
    await db.rateLimitRefusal.upsert({
      where: { limiter_windowStart: { limiter: name, windowStart } },
      create: { limiter: name, windowStart, count: 1 },
      update: { count: { increment: 1 } },
    });
  } catch (err) {
    log("warn", "rate limit refusal not counted", { step: name, error: (err as Error)?.name ?? "Error" });
  }
}

/** Refused requests per limit since the given time (for the staff health report). */
export async function refusalsSince(since: Date): Promise<Record<LimitName, number>> {
  const db = await getDb();
  const rows = await db.rateLimitRefusal.groupBy({
    by: ["limiter"],
    where: { windowStart: { gte: new Date(Math.floor(since.getTime() / 3_600_000) * 3_600_000) } },
    _sum: { count: true },
  });
  const out: Record<LimitName, number> = { flow_failures: 0, staff_lookups: 0 };
  for (const r of rows) if (r.limiter in out) out[r.limiter as LimitName] = r._sum.count ?? 0;
  return out;
}
