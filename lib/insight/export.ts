import { getDb } from "../db/client";
import { log } from "../log";
import { MAX_PAGE_SIZE, applicationNames, listRecords, openPersonalData, type RecordFilter } from "../records";
import { attemptCells, attemptHeader, csvLine, recordCells, recordHeader, type CsvRole } from "../records/csv";
import { MAX_ATTEMPT_PAGE, listAttempts, type AttemptFilter } from "./attempts";

/**
 * The CSV export behind GET /api/admin/export: the records list's filters
 * (kind=records) or the attempts' (kind=attempts), as the route parsed them
 * (app/api/admin/export/parse.ts), streamed in keyset pages so a large export
 * never sits in memory. Columns follow the role (lib/records/csv.ts).
 */

export type ExportKind = "records" | "attempts";

export type ExportPlan =
  | { kind: "records"; filter: RecordFilter; withAttributes: boolean; describe: Record<string, string> }
  | { kind: "attempts"; filter: AttemptFilter; withAttributes: false; describe: Record<string, string> };

export type ExportProblem = { status: 400 | 403; error: string; message: string; problems?: Record<string, string> };

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
