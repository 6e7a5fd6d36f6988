import { getDb, type DbClient } from "../db/client";
import { Prisma } from "../db/generated/client";
import type { Role } from "../staff/session";

/**
 * The audit log: every settings change, role-relevant action and reveal of
 * personal data, with who and when. Callers pass what changed by name; secret
 * values are never given to this module (say `clientSecret: "replaced"`).
 *
 * Admin actions write through the transaction lib/staff/guard gives them
 * (`ctx.audit`), so a change and its entry are one transaction.
 */

export type AuditAction =
  | "settings.update"
  | "application.create"
  | "application.update"
  | "application.delete"
  | "record.reveal"
  | "record.revoke"
  | "attempt.summary_copied"
  | "identity.unlink"
  | "identity.move"
  | "person.erase"
  | "person.export"
  | "staff.sign_in"
  // Retention (lib/settings/retention-admin.ts) and the purge runs that apply it (lib/lifecycle).
  | "retention.update"
  | "retention.purge"
  // Shared Signals (lib/signals): a transmitter set up by an admin; a verification revoked by an event it sent.
  | "signal.transmitter_update"
  | "signal.revoke"
  | "signal.stream_update"
  // A revocation or erasure pushed to Auth0 (lib/auth0/push.ts): each try's outcome.
  | "auth0.push"
  // Outgoing webhooks (lib/events/admin.ts): endpoints, their secrets, test events and redeliveries.
  | "webhook.endpoint_update"
  | "webhook.secret_rotate"
  | "webhook.test"
  | "webhook.redeliver";

export interface AuditEntry {
  target?: string | null;
  reason?: string | null;
  details?: Record<string, unknown>;
}

/** Writes one entry through `db`: give it the transaction of the change it records. */
export async function writeAudit(
  db: DbClient,
  staff: { id: string; email: string | null; role: Role | "system" },
  action: AuditAction,
  entry: AuditEntry = {},
): Promise<void> {
  await db.auditEvent.create({
    data: {
      actorId: staff.id,
      actorEmail: staff.email,
      actorRole: staff.role,
      action,
      target: entry.target ?? null,
      reason: entry.reason ?? null,
      details: (entry.details ?? {}) as Prisma.InputJsonValue,
    },
  });
}

export interface AuditFilter {
  action?: string;
  actor?: string;
  target?: string;
  from?: Date;
  to?: Date;
  /** keyset: events older than this id */
  before?: bigint;
  limit?: number;
}

export async function listAudit(f: AuditFilter = {}) {
  const db = await getDb();
  const limit = Math.min(f.limit ?? 50, 200);
  const rows = await db.auditEvent.findMany({
    where: {
      ...(f.action ? { action: f.action } : {}),
      ...(f.actor ? { OR: [{ actorEmail: { contains: f.actor, mode: "insensitive" } }, { actorId: f.actor }] } : {}),
      ...(f.target ? { target: f.target } : {}),
      ...(f.from || f.to ? { at: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lt: f.to } : {}) } } : {}),
      ...(f.before ? { id: { lt: f.before } } : {}),
    },
    orderBy: { id: "desc" },
    take: limit + 1,
  });
  return { events: rows.slice(0, limit), next: rows.length > limit ? rows[limit - 1]!.id : null };
}

/** Field-by-field difference of two flat objects, for "what changed" (secrets given as markers only). */
export function changes(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out[key] = { from: before[key] ?? null, to: after[key] ?? null };
  }
  return out;
}
