/**
 * Time ranges of the insight pages (failures, dashboard): the last 24 hours in
 * hourly buckets, or the last 7 / 30 / 90 days in daily buckets, all in UTC and
 * aligned to whole hours or days, so every bucket is complete except the
 * current one. Pure: no database, no server imports (pages and tests use it).
 */

export const RANGE_KEYS = ["24h", "7d", "30d", "90d"] as const;
export type RangeKey = (typeof RANGE_KEYS)[number];
export type Bucket = "hour" | "day";

export const RANGE_LABELS: Record<RangeKey, string> = {
  "24h": "Last 24 hours",
  "7d": "Last 7 days",
  "30d": "Last 30 days",
  "90d": "Last 90 days",
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface InsightRange {
  key: RangeKey;
  bucket: Bucket;
  /** Inclusive start (a bucket boundary). */
  from: Date;
  /** Exclusive end: the end of the current hour or day. */
  to: Date;
  /** Start of every bucket, oldest first. */
  buckets: Date[];
}

export function isRangeKey(v: unknown): v is RangeKey {
  return typeof v === "string" && (RANGE_KEYS as readonly string[]).includes(v);
}

export function floorTo(bucket: Bucket, d: Date): Date {
  const t = d.getTime();
  const size = bucket === "hour" ? HOUR : DAY;
  return new Date(Math.floor(t / size) * size);
}

/** The range a key names, ending with the bucket that holds `now`. */
export function rangeFor(key: RangeKey, now: Date = new Date()): InsightRange {
  const bucket: Bucket = key === "24h" ? "hour" : "day";
  const count = key === "24h" ? 24 : Number(key.slice(0, -1));
  const size = bucket === "hour" ? HOUR : DAY;
  const to = new Date(floorTo(bucket, now).getTime() + size);
  const from = new Date(to.getTime() - count * size);
  const buckets = Array.from({ length: count }, (_, i) => new Date(from.getTime() + i * size));
  return { key, bucket, from, to, buckets };
}

/** `?range=` of a page → a range (unknown values fall back to the page's default). */
export function parseRange(value: string | string[] | undefined, fallback: RangeKey, now: Date = new Date()): InsightRange {
  const v = Array.isArray(value) ? value[0] : value;
  return rangeFor(isRangeKey(v) ? v : fallback, now);
}

/** The same-length window just before a range (for "compared with the previous period"). */
export function previousRange(r: InsightRange): { from: Date; to: Date } {
  const len = r.to.getTime() - r.from.getTime();
  return { from: new Date(r.from.getTime() - len), to: r.from };
}

/** Index of the bucket a time falls in, or -1 outside the range. */
export function bucketIndex(r: InsightRange, at: Date): number {
  const t = at.getTime();
  if (t < r.from.getTime() || t >= r.to.getTime()) return -1;
  const size = r.bucket === "hour" ? HOUR : DAY;
  return Math.floor((t - r.from.getTime()) / size);
}

/** Short label of a bucket for an axis: "14:00" or "03-07". */
export function bucketLabel(bucket: Bucket, start: Date): string {
  const iso = start.toISOString();
  return bucket === "hour" ? iso.slice(11, 16) : iso.slice(5, 10);
}

/** Full label of a bucket for tables and tooltips: "2026-03-07 14:00–15:00 UTC" or "2026-03-07 (UTC)". */
export function bucketTitle(bucket: Bucket, start: Date): string {
  const iso = start.toISOString();
  if (bucket === "day") return `${iso.slice(0, 10)} (UTC)`;
  const end = new Date(start.getTime() + HOUR).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}–${end.slice(11, 16)} UTC`;
}
