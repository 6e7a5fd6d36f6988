import { getDb } from "../db/client";

/** Who revoked a record, when and why: its `record.revoke` audit entry (written with the change, lib/records/revoke.ts). */
export interface Revocation {
  at: Date;
  by: string;
  role: string;
  reason: string | null;
}

export async function revocationOf(recordId: string): Promise<Revocation | null> {
  const db = await getDb();
  const e = await db.auditEvent.findFirst({
    where: { action: "record.revoke", target: recordId },
    orderBy: { id: "desc" },
    select: { at: true, actorEmail: true, actorId: true, actorRole: true, reason: true },
  });
  return e ? { at: e.at, by: e.actorEmail ?? e.actorId, role: e.actorRole, reason: e.reason } : null;
}
