"use server";

import { changes } from "../audit";
import { staffFormAction } from "../staff/guard";
import { retentionSchema, retentionSettings, type Retention } from "./retention";

/**
 * An admin's change to the retention periods: checked with the form's own schema, saved
 * with its audit entry (every field's before and after) in one transaction. The purge job
 * reads the row at each run, so the next run applies it.
 */

export interface RetentionSaved {
  /** The names of the periods that changed. */
  changed: string[];
}

export const saveRetention = staffFormAction(
  "retention.save",
  "admin",
  retentionSchema,
  async (_staff, input: Retention, { tx, audit }): Promise<RetentionSaved> => {
    const { updatedAt: _at, ...before } = await retentionSettings(tx);
    const diff = changes({ ...before }, { ...input });
    if (Object.keys(diff).length) {
      await tx.retentionSettings.update({ where: { id: 1 }, data: input });
      await audit("retention.update", { target: "retention", details: diff });
    }
    return { changed: Object.keys(diff) };
  },
);
