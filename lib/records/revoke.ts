"use server";

import { z } from "zod";
import { ActionFailure, staffFormAction } from "../staff/guard";
import { enqueueAuth0Push } from "../auth0/push";
import { emitRecordEvent } from "../events/emit";

/**
 * "Revoke verification" on a record page (support and admins): the record's
 * status becomes `revoked` with updated_at now. From then on the portal's
 * interval shortcut ignores it (only verified records are reused) and the
 * Auth0 Action's status check answers "revoked" (the newest of the verified
 * and revoked records wins), so the person is sent to verify again at their
 * next login. Staff type REVOKE to confirm. The reason is written to the audit log in the same transaction
 * (lib/staff/guard): no audit entry, no revocation. A record that is not
 * verified is refused. A record holds one policy (identity, or one community
 * group): revoking it leaves the person's other policies as they are.
 */

const MIN_REVOKE_REASON = 10;

const revokeSchema = z.object({
  recordId: z.string().trim().min(1, "Which record?").max(200),
  reason: z
    .string({ error: `Say why (at least ${MIN_REVOKE_REASON} characters, e.g. the ticket number).` })
    .trim()
    .min(MIN_REVOKE_REASON, `Give a reason of at least ${MIN_REVOKE_REASON} characters (e.g. the ticket number and what happened).`)
    .max(500, "Keep the reason under 500 characters."),
  confirm: z
    .string({ error: "Type REVOKE to confirm." })
    .trim()
    .refine((v) => v === "REVOKE", "Type REVOKE (in capitals) to confirm: the person will have to verify again."),
});

export interface Revoked {
  recordId: string;
  status: "revoked";
  revokedAt: string;
}

export const revokeRecord = staffFormAction(
  "record.revoke",
  "support",
  revokeSchema,
  async (staff, input, { tx, audit }): Promise<Revoked> => {
    const record = await tx.verificationRecord.findUnique({
      where: { id: input.recordId },
      select: { id: true, status: true, provider: true, policy: true, policyKey: true, personId: true, auth0UserId: true },
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
    const { count } = await tx.verificationRecord.updateMany({
      where: { id: record.id, status: "verified" },
      data: { status: "revoked", updatedAt: revokedAt },
    });
    if (count !== 1) throw new ActionFailure("conflict", "The record changed while you were revoking it. Reload the page and try again.");
    await audit("record.revoke", {
      target: record.id,
      reason: input.reason,
      details: {
        from: "verified",
        to: "revoked",
        provider: record.provider,
        policy: record.policy,
        policyKey: record.policyKey,
        person: record.personId,
      },
    });
    // Optional (README "Revocation pushed to Auth0"): Auth0 is told after this transaction commits.
    await enqueueAuth0Push(tx, { auth0UserId: record.auth0UserId, cause: "revoke", recordId: record.id, personId: record.personId });
    await emitRecordEvent(tx, "verification.revoked", record.id, { source: "staff" });
    return { recordId: record.id, status: "revoked", revokedAt: revokedAt.toISOString() };
  },
);
