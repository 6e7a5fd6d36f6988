"use server";

import { z } from "zod";
import { audit } from "../audit";
import { getDb } from "../db/client";
import { log } from "../log";
import { ActionFailure, staffFormAction } from "../staff/guard";

/**
 * "Revoke verification" on a record page (support and admins): the record's
 * status becomes `revoked` with updated_at now. From then on the portal's
 * interval shortcut ignores it (only verified records are reused) and the
 * Auth0 Action's status check answers "revoked" (the newest of the verified
 * and revoked records wins), so the person is sent to verify again at their
 * next login. The reason is written to the audit log; a record that is not
 * verified is refused.
 */

const MIN_REVOKE_REASON = 10;

const revokeSchema = z.object({
  recordId: z.string().trim().min(1, "Which record?").max(200),
  reason: z
    .string({ error: `Say why (at least ${MIN_REVOKE_REASON} characters, e.g. the ticket number).` })
    .trim()
    .min(MIN_REVOKE_REASON, `Give a reason of at least ${MIN_REVOKE_REASON} characters (e.g. the ticket number and what happened).`)
    .max(500, "Keep the reason under 500 characters."),
});

export interface Revoked {
  recordId: string;
  status: "revoked";
  revokedAt: string;
}

export const revokeRecord = staffFormAction("record.revoke", "support", revokeSchema, async (staff, input): Promise<Revoked> => {
  const db = await getDb();
  const record = await db.verificationRecord.findUnique({
    where: { id: input.recordId },
    select: { id: true, status: true, provider: true, policy: true, personId: true },
  });
  if (!record) throw new ActionFailure("not_found", "There is no record with that id.");
  if (record.status !== "verified") {
    throw new ActionFailure(
      "conflict",
      record.status === "revoked"
        ? "This verification is already revoked."
        : "Only a verified record can be revoked; this one is not verified.",
    );
  }
  const revokedAt = new Date();
  // Conditional: a concurrent revoke or re-verification decides first.
  const { count } = await db.verificationRecord.updateMany({
    where: { id: record.id, status: "verified" },
    data: { status: "revoked", updatedAt: revokedAt },
  });
  if (count !== 1) throw new ActionFailure("conflict", "The record changed while you were revoking it. Reload the page and try again.");
  try {
    await audit(staff, "record.revoke", {
      target: record.id,
      reason: input.reason,
      details: { from: "verified", to: "revoked", provider: record.provider, policy: record.policy, person: record.personId },
    });
  } catch {
    // No audit entry, no revocation: put the record back as it was.
    await db.verificationRecord.updateMany({
      where: { id: record.id, status: "revoked", updatedAt: revokedAt },
      data: { status: "verified" },
    });
    log("error", "revocation not audited; undone", { step: "record.revoke", code: "audit_failed" });
    throw new ActionFailure("failed", "The revocation could not be written to the audit log, so nothing was changed. Try again.");
  }
  return { recordId: record.id, status: "revoked", revokedAt: revokedAt.toISOString() };
});
