"use server";

import { z } from "zod";
import { normalizeReferenceCode } from "@/lib/flow/reference";
import { ActionFailure, staffFormAction } from "@/lib/staff/guard";

/**
 * "Copy summary" on an attempt: the summary itself is built on the server
 * page (lib/support/summary.ts, masked for the role) and copied by the
 * browser; this action writes that it was copied, by whom, to the audit log
 * (in the action's transaction, lib/staff/guard).
 */

const copiedSchema = z.object({
  reference: z
    .string({ error: "Which attempt?" })
    .trim()
    .min(1, "Which attempt?")
    .max(40)
    .transform((v, ctx) => {
      const ref = normalizeReferenceCode(v);
      if (!ref) ctx.addIssue({ code: "custom", message: "That is not a reference code (IDV-XXXX-XXXX)." });
      return ref ?? v;
    }),
});

export const recordSummaryCopied = staffFormAction(
  "attempt.summary_copied",
  "support",
  copiedSchema,
  async (_staff, input, { tx, audit }) => {
    const attempt = await tx.attempt.findUnique({
      where: { referenceCode: input.reference },
      select: { referenceCode: true, status: true, failureCode: true },
    });
    if (!attempt) throw new ActionFailure("not_found", "There is no attempt with that reference code.");
    await audit("attempt.summary_copied", {
      target: attempt.referenceCode,
      details: { status: attempt.status, code: attempt.failureCode },
    });
    return { reference: attempt.referenceCode };
  },
);
