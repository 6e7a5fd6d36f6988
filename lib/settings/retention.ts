import { getDb, type DbClient } from "../db/client";
import { RETENTION_DEFAULTS, type Retention } from "./retention-schema";

export * from "./retention-schema";

/** The retention in force: one row of `retention_settings`, made with the documented defaults on first read. */
export async function retentionSettings(client?: DbClient): Promise<Retention & { updatedAt: Date }> {
  const db = client ?? (await getDb());
  const select = {
    rawAnswerDays: true,
    attributesDays: true,
    failedAttemptDays: true,
    anonymousAttemptDays: true,
    auditDays: true,
    updatedAt: true,
  };
  const row = await db.retentionSettings.findUnique({ where: { id: 1 }, select });
  if (row) return row;
  await db.retentionSettings.createMany({ data: [{ id: 1, ...RETENTION_DEFAULTS }], skipDuplicates: true });
  return db.retentionSettings.findUniqueOrThrow({ where: { id: 1 }, select });
}
