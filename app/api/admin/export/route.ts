import { exportFileName, exportStream } from "@/lib/insight/export";
import { parseExport } from "./parse";
import { log } from "@/lib/log";
import { staffRoute } from "@/lib/staff/guard";

/**
 * GET /api/admin/export?kind=records|attempts&… — the records list's filters
 * (status, policy, provider, group, application, from, to, q) or the
 * attempts' (status|failures, code, application, provider, policy, user,
 * range|from/to), as a streamed CSV download. Support staff get masked Auth0
 * user ids and no attributes; admins may add `attributes=1` for the
 * normalized attributes in clear, which is written to the audit log first.
 */

export const dynamic = "force-dynamic";

export const GET = staffRoute("export.csv", "support", async (request, staff, { audit }) => {
  const parsed = parseExport(new URL(request.url), staff.role);
  if (!parsed.ok) {
    const { status, ...body } = parsed.problem;
    return Response.json(body, { status, headers: { "cache-control": "no-store" } });
  }
  const { plan } = parsed;
  if (plan.withAttributes) {
    try {
      await audit("record.reveal", { target: "export", reason: "csv export", details: { kind: plan.kind, filters: plan.describe } });
    } catch {
      // No audit entry, no personal data.
      log("error", "export not audited", { step: "export.csv", code: "audit_failed" });
      return Response.json(
        { error: "failed", message: "The export could not be written to the audit log, so nothing was exported. Try again." },
        { status: 500 },
      );
    }
  }
  return new Response(exportStream(plan, staff.role), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${exportFileName(plan.kind)}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
});
