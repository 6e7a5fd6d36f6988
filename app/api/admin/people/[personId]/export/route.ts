import { subjectAccess } from "@/lib/records/export";
import { log } from "@/lib/log";
import { staffRoute } from "@/lib/staff/guard";

/**
 * GET /api/admin/people/<person id>/export — subject access (admins): everything
 * the portal holds about the person as one JSON document, decrypted
 * (lib/records/export.ts). Written to the audit log before anything is sent: no
 * audit entry, no data.
 */

export const dynamic = "force-dynamic";

const NO_STORE = { "cache-control": "no-store" };

export const GET = staffRoute("person.export", "admin", async (request, _staff, { audit }) => {
  const match = /\/api\/admin\/people\/([^/]+)\/export$/.exec(new URL(request.url).pathname);
  const personId = match ? decodeURIComponent(match[1]!) : "";
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(personId)) {
    return Response.json({ error: "invalid", message: "Give a portal person id." }, { status: 400, headers: NO_STORE });
  }
  const doc = await subjectAccess(personId);
  if (!doc) return Response.json({ error: "not_found", message: "There is no person with that id." }, { status: 404, headers: NO_STORE });
  try {
    await audit("person.export", {
      target: personId,
      reason: "subject access",
      details: { records: doc.records.length, attempts: doc.attempts.length },
    });
  } catch {
    log("error", "subject access not audited", { step: "person.export", code: "audit_failed" });
    return Response.json(
      { error: "failed", message: "The download could not be written to the audit log, so nothing was sent. Try again." },
      { status: 500, headers: NO_STORE },
    );
  }
  return new Response(JSON.stringify(doc, null, 2), {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "content-disposition": `attachment; filename="person-${personId}.json"`,
      "x-content-type-options": "nosniff",
      ...NO_STORE,
    },
  });
});
