import { getDb } from "../db/client";

/**
 * Who revoked a record, when and why: its `record.revoke` audit entry (written with the
 * change, lib/records/revoke.ts), or `signal.revoke` when a provider's Shared Signals
 * transmitter reported the account (lib/signals/receiver.ts; the event is the reason).
 */
export interface Revocation {
  at: Date;
  by: string;
  role: string;
  reason: string | null;
}

export async function revocationOf(recordId: string): Promise<Revocation | null> {
  const db = await getDb();
  const e = await db.auditEvent.findFirst({
    where: { action: { in: ["record.revoke", "signal.revoke"] }, target: recordId },
    orderBy: { id: "desc" },
    select: { at: true, actorEmail: true, actorId: true, actorRole: true, reason: true },
  });
  if (!e) return null;
  const transmitter = e.actorId.startsWith("transmitter:") ? e.actorId.slice("transmitter:".length) : null;
  return {
    at: e.at,
    by: transmitter ? `the Shared Signals transmitter “${transmitter}”` : (e.actorEmail ?? e.actorId),
    role: e.actorRole,
    reason: e.reason,
  };
}
