import { z } from "zod";
import type { Policy } from "@/lib/db/generated/client";
import { ATTEMPT_STATUSES, FAILED_STATUSES, NONE, type AttemptFilter } from "@/lib/insight/attempts";
import type { ExportPlan, ExportProblem } from "@/lib/insight/export";
import { isRangeKey, rangeFor } from "@/lib/insight/range";
import type { CsvRole } from "@/lib/records/csv";
import { day, dayEnd, dayStart, first, optionalText } from "@/app/admin/_ui/query";
import { parseRecordSearch } from "@/app/admin/records/search";

/** The export's query string: the records page's filters (its own parser) or the attempts'. */

const attemptSearchSchema = z.object({
  /** An attempt status, or "failures" for failed, declined and error together. */
  status: z
    .enum([...ATTEMPT_STATUSES, "failures"])
    .optional()
    .or(z.literal("").transform(() => undefined)),
  /** A failure code ("-": none recorded). */
  code: optionalText.refine((v) => v === undefined || /^[a-z0-9_-]{1,64}$/.test(v), "must be a failure code"),
  /** An Auth0 client id ("-": none). */
  application: optionalText,
  provider: optionalText,
  policy: z
    .enum(["identity", "community"])
    .optional()
    .or(z.literal("").transform(() => undefined)),
  /** An Auth0 user id. */
  user: optionalText,
  /** 24h | 7d | 30d | 90d, instead of from/to. */
  range: optionalText.refine((v) => v === undefined || isRangeKey(v), "must be 24h, 7d, 30d or 90d"),
  from: day,
  to: day,
});

function describe(params: Record<string, string | undefined>): Record<string, string> {
  // Only which filters were used: a search term can be an email, so it is not repeated in the audit log.
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v) out[k] = k === "q" || k === "user" ? "(given)" : v.slice(0, 80);
  return out;
}

/** The request's query string → what to export, or why not. */
export function parseExport(
  url: URL,
  role: CsvRole,
  now: Date = new Date(),
): { ok: true; plan: ExportPlan } | { ok: false; problem: ExportProblem } {
  const params: Record<string, string | string[] | undefined> = {};
  for (const key of new Set(url.searchParams.keys())) params[key] = url.searchParams.getAll(key);
  const kind = first(params.kind) ?? "records";
  const withAttributes = ["1", "true", "yes", "on"].includes((first(params.attributes) ?? "").toLowerCase());
  if (kind !== "records" && kind !== "attempts")
    return { ok: false, problem: { status: 400, error: "invalid", message: "kind must be records or attempts" } };
  if (withAttributes && role !== "admin")
    return { ok: false, problem: { status: 403, error: "forbidden", message: "Only admins may export personal data." } };
  if (withAttributes && kind !== "records")
    return { ok: false, problem: { status: 400, error: "invalid", message: "Attributes can be exported with records only." } };

  if (kind === "records") {
    const { filter, problems, search } = parseRecordSearch(params);
    delete problems.cursor;
    if (Object.keys(problems).length)
      return { ok: false, problem: { status: 400, error: "invalid", message: "Some filters are not valid.", problems } };
    const { cursor: _c, size: _s, ...used } = search;
    return { ok: true, plan: { kind, filter, withAttributes, describe: describe(used as Record<string, string | undefined>) } };
  }

  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(attemptSearchSchema.shape)) raw[key] = first(params[key]);
  const parsed = attemptSearchSchema.safeParse(raw);
  if (!parsed.success) {
    const problems: Record<string, string> = {};
    for (const issue of parsed.error.issues) problems[String(issue.path[0] ?? "_")] ??= issue.message;
    return { ok: false, problem: { status: 400, error: "invalid", message: "Some filters are not valid.", problems } };
  }
  const s = parsed.data;
  const range = s.range && isRangeKey(s.range) ? rangeFor(s.range, now) : null;
  const filter: AttemptFilter = {
    statuses: s.status === "failures" ? FAILED_STATUSES : s.status ? [s.status] : undefined,
    code: s.code === NONE ? null : s.code,
    application: s.application === NONE ? null : s.application,
    provider: s.provider,
    policy: s.policy as Policy | undefined,
    auth0UserId: s.user,
    from: range ? range.from : s.from ? dayStart(s.from) : undefined,
    to: range ? range.to : s.to ? dayEnd(s.to) : undefined,
  };
  return { ok: true, plan: { kind, filter, withAttributes: false, describe: describe(s as Record<string, string | undefined>) } };
}
