import { z } from "zod";
import { MAX_PAGE_SIZE, POLICIES, RECORD_STATUSES, decodeCursor, type PageRequest, type RecordFilter } from "@/lib/records";
import { day, dayEnd, dayStart, first, optionalText } from "../_ui/query";

/**
 * The records page's query string (also the CSV export's records filters):
 * parsed into the list's filter and page, and written back for links.
 */

export const recordSearchSchema = z.object({
  q: optionalText,
  status: z
    .enum(RECORD_STATUSES)
    .optional()
    .or(z.literal("").transform(() => undefined)),
  policy: z
    .enum(POLICIES)
    .optional()
    .or(z.literal("").transform(() => undefined)),
  provider: optionalText,
  group: optionalText,
  application: optionalText,
  /** First day (UTC) of the last check, inclusive. */
  from: day,
  /** Last day (UTC) of the last check, inclusive. */
  to: day,
  cursor: optionalText,
  size: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional().catch(undefined),
});

export type RecordSearch = z.output<typeof recordSearchSchema>;

/**
 * The records page's query string → filter and page. Malformed values are
 * dropped and named in `problems` (the page says so instead of failing).
 */
export function parseRecordSearch(params: Record<string, string | string[] | undefined>): {
  search: RecordSearch;
  filter: RecordFilter;
  page: PageRequest;
  problems: Record<string, string>;
} {
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(recordSearchSchema.shape)) raw[key] = first(params[key]);
  const problems: Record<string, string> = {};
  let parsed = recordSearchSchema.safeParse(raw);
  while (!parsed.success) {
    const bad = new Set(parsed.error.issues.map((i) => String(i.path[0] ?? "")));
    for (const issue of parsed.error.issues) problems[String(issue.path[0] ?? "")] ??= issue.message;
    for (const key of bad) raw[key] = undefined;
    if (bad.size === 0) break;
    parsed = recordSearchSchema.safeParse(raw);
  }
  const search: RecordSearch = parsed.success ? parsed.data : ({} as RecordSearch);
  if (search.cursor && !decodeCursor(search.cursor)) {
    problems.cursor = "the page link is not valid; showing the first page";
    search.cursor = undefined;
  }
  const filter: RecordFilter = {
    q: search.q,
    status: search.status,
    policy: search.policy,
    provider: search.provider,
    group: search.group,
    application: search.application,
    from: search.from ? dayStart(search.from) : undefined,
    to: search.to ? dayEnd(search.to) : undefined,
  };
  return { search, filter, page: { cursor: search.cursor, size: search.size }, problems };
}

/** The query string of a records page (empty values left out). */
export function recordSearchQuery(search: Partial<Record<keyof RecordSearch, string | number | undefined | null>>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(search)) if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : "";
}
