import { z } from "zod";

/**
 * (No database here: the settings form imports this in the browser.)
 *
 * How long the portal keeps each kind of data, set by admins on the settings page
 * (one row of `retention_settings`) and applied by the purge job (lib/lifecycle/purge.ts).
 * The defaults below are the documented ones (README "Personal data: what is kept, for how
 * long"); the row is made with them on first read, so a fresh install has them.
 */

export interface Retention {
  /** Days a raw provider answer (userinfo, ID token claims) is kept after its check; null: as long as the record's attributes. */
  rawAnswerDays: number | null;
  /** Days a record's sealed attributes are kept after the verification ended (expired or revoked). */
  attributesDays: number;
  /** Days failed, declined, errored or abandoned attempts of a known person are kept, with their timelines. */
  failedAttemptDays: number;
  /** Days attempts with no person (bad, forged or reused tokens …) are kept, with their timelines. */
  anonymousAttemptDays: number;
  /** Days audit log entries are kept. */
  auditDays: number;
}

export const RETENTION_DEFAULTS: Retention = {
  // ID.me advises keeping its answers for audit: the answer is the evidence behind a record's
  // status, so it stays as long as the record's attributes (it holds the same personal data,
  // so keeping it longer would defeat the attributes' limit).
  rawAnswerDays: null,
  // After a verification ends, a quarter for support questions and disputes; the person's next
  // verification writes fresh data anyway.
  attributesDays: 90,
  failedAttemptDays: 90,
  // Junk (bad or forged tokens) is only useful while someone investigates it.
  anonymousAttemptDays: 30,
  // Six years: HIPAA's documentation period, longer than most audit cycles and statutes of limitation.
  auditDays: 2190,
};

/** The longest any period may be: ten years. */
export const MAX_RETENTION_DAYS = 3650;
/** Shortest periods: an attempt a support call is about must survive the call; an audit entry, an audit. */
export const MIN_ATTEMPT_DAYS = 1;
export const MIN_AUDIT_DAYS = 30;

export const RETENTION_LABELS: Record<keyof Retention, string> = {
  rawAnswerDays: "Raw provider answers",
  attributesDays: "Attributes after a verification ends",
  failedAttemptDays: "Failed attempts and their timelines",
  anonymousAttemptDays: "Anonymous attempts and their timelines",
  auditDays: "Audit log",
};

function text(v: unknown): string {
  if (Array.isArray(v)) return text(v[v.length - 1]);
  if (typeof v === "string") return v.trim();
  if (typeof v === "number") return String(v);
  return "";
}

/** Whole days between `min` and MAX_RETENTION_DAYS, or null for an empty field. */
function parseDays(v: string, min: number, ctx: z.RefinementCtx): number | null {
  if (v === "") return null;
  if (!/^\d{1,6}$/.test(v)) {
    ctx.addIssue({ code: "custom", message: "Enter a whole number of days." });
    return null;
  }
  const n = Number(v);
  if (n < min) ctx.addIssue({ code: "custom", message: `At least ${min} day${min === 1 ? "" : "s"}.` });
  if (n > MAX_RETENTION_DAYS) ctx.addIssue({ code: "custom", message: `At most ${MAX_RETENTION_DAYS} days (ten years).` });
  return n;
}

const days = (min: number) =>
  z.preprocess(
    text,
    z.string().transform((v, ctx): number => {
      if (v === "") ctx.addIssue({ code: "custom", message: "Enter a number of days." });
      return parseDays(v, min, ctx) ?? 0; // 0 only ever accompanies an issue
    }),
  );

/** Empty is allowed and means "as long as the attributes". */
const daysOrEmpty = (min: number) =>
  z.preprocess(
    text,
    z.string().transform((v, ctx) => parseDays(v, min, ctx)),
  );

/** The settings form's schema (the server action checks with it too). */
export const retentionSchema = z.object({
  rawAnswerDays: daysOrEmpty(0),
  attributesDays: days(0),
  failedAttemptDays: days(MIN_ATTEMPT_DAYS),
  anonymousAttemptDays: days(MIN_ATTEMPT_DAYS),
  auditDays: days(MIN_AUDIT_DAYS),
});

/** "90 days", "1 day", "as long as the attributes". */
export function daysText(n: number | null): string {
  if (n === null) return "as long as the attributes";
  return n === 1 ? "1 day" : `${n} days`;
}
