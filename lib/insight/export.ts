import { z } from "zod";
import { getDb } from "../db/client";
import type { Policy } from "../db/generated/client";
import { log } from "../log";
import { openPersonalData } from "../records";
import { attemptCells, attemptHeader, csvLine, recordCells, recordHeader, type CsvRole } from "../records/csv";
import { MAX_PAGE_SIZE, applicationNames, listRecords, parseRecordSearch, type RecordFilter } from "../records/query";
import { ATTEMPT_STATUSES, FAILED_STATUSES, MAX_ATTEMPT_PAGE, NONE, listAttempts, type AttemptFilter } from "./attempts";
import { isRangeKey, rangeFor } from "./range";

/**
 * The CSV export behind GET /api/admin/export: the records list's filters
 * (kind=records, parsed by the records page's own parser) or the attempts'
 * (kind=attempts), streamed in keyset pages so a large export never sits in
 * memory. Columns follow the role (lib/records/csv.ts).
 */

export type ExportKind = "records" | "attempts";

export type ExportPlan =
  | { kind: "records"; filter: RecordFilter; withAttributes: boolean; describe: Record<string, string> }
  | { kind: "attempts"; filter: AttemptFilter; withAttributes: false; describe: Record<string, string> };

export type ExportProblem = { status: 400 | 403; error: string; message: string; problems?: Record<string, string> };

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

const text = z
  .string()
  .trim()
  .max(320)
  .optional()
  .transform((v) => (v ? v : undefined));

const day = text.refine(
  (v) => v === undefined || (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`))),
  "must be a date (YYYY-MM-DD)",
);

const attemptSearchSchema = z.object({
  /** An attempt status, or "failures" for failed, declined and error together. */
  status: z
    .enum([...ATTEMPT_STATUSES, "failures"])
    .optional()
    .or(z.literal("").transform(() => undefined)),
  /** A failure code ("-": none recorded). */
  code: text.refine((v) => v === undefined || /^[a-z0-9_-]{1,64}$/.test(v), "must be a failure code"),
  /** An Auth0 client id ("-": none). */
  application: text,
  provider: text,
  policy: z
    .enum(["identity", "community"])
    .optional()
    .or(z.literal("").transform(() => undefined)),
  /** An Auth0 user id. */
  user: text,
  /** 24h | 7d | 30d | 90d, instead of from/to. */
  range: text.refine((v) => v === undefined || isRangeKey(v), "must be 24h, 7d, 30d or 90d"),
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
    from: range ? range.from : s.from ? new Date(`${s.from}T00:00:00.000Z`) : undefined,
    to: range ? range.to : s.to ? new Date(Date.parse(`${s.to}T00:00:00.000Z`) + 86_400_000) : undefined,
  };
  return { ok: true, plan: { kind, filter, withAttributes: false, describe: describe(s as Record<string, string | undefined>) } };
}

export function exportFileName(kind: ExportKind, now: Date = new Date()): string {
  return `idv-${kind}-${now.toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-")}.csv`;
}

/** Records per page of the records export (the records list's largest page). */
export const RECORD_EXPORT_PAGE = MAX_PAGE_SIZE;
export const ATTEMPT_EXPORT_PAGE = MAX_ATTEMPT_PAGE;

/** The CSV as a stream: the header, then one chunk per keyset page, fetched when the reader wants more. */
export function exportStream(plan: ExportPlan, role: CsvRole): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let cursor: string | null = null;
  let headerSent = false;
  let names: Map<string, string> | null = null;
  const attributes = plan.kind === "records" && plan.withAttributes && role === "admin";

  async function nextChunk(): Promise<{ text: string; done: boolean }> {
    if (!headerSent) {
      headerSent = true;
      return { text: csvLine(plan.kind === "records" ? recordHeader(role, attributes) : attemptHeader()), done: false };
    }
    if (plan.kind === "records") {
      const page = await listRecords(plan.filter, { cursor, size: RECORD_EXPORT_PAGE });
      let opened: Map<string, Record<string, string | undefined> | null> | null = null;
      if (attributes && page.rows.length) {
        const db = await getDb();
        const sealed = await db.verificationRecord.findMany({
          where: { id: { in: page.rows.map((r) => r.id) } },
          select: { id: true, attributesEnc: true, rawUserinfoEnc: true, idTokenEnc: true },
        });
        opened = new Map();
        for (const s of sealed) {
          try {
            opened.set(s.id, { ...openPersonalData(s).attributes });
          } catch {
            opened.set(s.id, null); // cannot be opened (key changed): empty cells, never a partial value
          }
        }
      }
      cursor = page.nextCursor;
      const text = page.rows.map((r) => csvLine(recordCells(r, role, opened ? (opened.get(r.id) ?? null) : undefined))).join("");
      return { text, done: !cursor };
    }
    names ??= await applicationNames();
    const page = await listAttempts(plan.filter, { cursor, size: ATTEMPT_EXPORT_PAGE });
    cursor = page.nextCursor;
    const text = page.rows
      .map((r) => csvLine(attemptCells({ ...r, applicationName: r.auth0ClientId ? (names!.get(r.auth0ClientId) ?? null) : null }, role)))
      .join("");
    return { text, done: !cursor };
  }

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        // Skip empty pages without handing the reader an empty chunk.
        for (;;) {
          const { text, done } = await nextChunk();
          if (text) controller.enqueue(enc.encode(text));
          if (done) {
            controller.close();
            return;
          }
          if (text) return;
        }
      } catch (err) {
        log("error", "csv export failed", { step: "export.csv", error: (err as Error)?.name });
        controller.error(err);
      }
    },
  });
}
