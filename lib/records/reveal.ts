"use server";

import { z } from "zod";
import { log } from "../log";
import { ActionFailure, staffFormAction } from "../staff/guard";
import { openRecordPersonalData } from "./detail";

/**
 * "Reveal personal data" on a record page: opens the sealed userinfo answer,
 * ID token claims and normalized attributes, on demand, for one staff member.
 * Admins may give a reason; support must (at least 10 characters). Every
 * reveal is written to the audit log, in the action's transaction, before
 * anything is returned (no audit, no data); the data goes back to the form
 * that asked and is neither stored nor logged.
 */

const MIN_SUPPORT_REASON = 10;

const revealSchema = z.object({
  recordId: z.string().trim().min(1, "Which record?").max(200),
  reason: z
    .string()
    .trim()
    .max(500, "Keep the reason under 500 characters.")
    .optional()
    .transform((v) => (v ? v : undefined)),
});

export interface RevealedData {
  recordId: string;
  attributes: Record<string, unknown>;
  rawUserinfo: unknown;
  idTokenClaims: Record<string, unknown> | null;
  revealedAt: string;
}

export const revealPersonalData = staffFormAction(
  "record.reveal",
  "support",
  revealSchema,
  async (staff, input, { tx, audit }): Promise<RevealedData> => {
    if (staff.role !== "admin" && (input.reason?.length ?? 0) < MIN_SUPPORT_REASON) {
      throw new ActionFailure("invalid", "Say why you need to see this person's data.", {
        reason: [`Give a reason of at least ${MIN_SUPPORT_REASON} characters (e.g. the ticket number and what you are checking).`],
      });
    }
    const opened = await openRecordPersonalData(input.recordId, tx);
    if (!opened.ok) {
      if (opened.problem === "not_found") throw new ActionFailure("not_found", "There is no record with that id.");
      log("error", "record could not be opened", { step: "record.reveal", code: "seal_invalid" });
      throw new ActionFailure(
        "failed",
        "The sealed data of this record cannot be opened (was ENCRYPTION_KEY changed?). Nothing was revealed.",
      );
    }
    try {
      await audit("record.reveal", { target: input.recordId, reason: input.reason ?? null });
    } catch {
      // No audit entry, no data.
      throw new ActionFailure("failed", "The reveal could not be written to the audit log, so nothing was revealed. Try again.");
    }
    return {
      recordId: input.recordId,
      attributes: { ...opened.data.attributes },
      rawUserinfo: opened.data.rawUserinfo,
      idTokenClaims: opened.data.idTokenClaims,
      revealedAt: new Date().toISOString(),
    };
  },
);
