import { getDb } from "../db/client";
import { longestIntervalHours, recordPurgeDates } from "../lifecycle/purge";
import { retentionSettings } from "../settings/retention";

/**
 * For the record page: what of this record's personal data is still kept, and when the
 * purge will clear it under the retention settings in force (lib/lifecycle/purge.ts).
 * Reads no sealed value.
 */

export interface RecordRetention {
  /** The sealed attributes (and with them everything personal) were purged. */
  attributesPurged: boolean;
  /** The raw provider answer and ID token claims were purged. */
  rawAnswerPurged: boolean;
  /** When the attributes go (the first purge run after it), unless a new check comes first. */
  attributesPurgeAt: Date;
  rawAnswerPurgeAt: Date;
}

export async function recordRetention(id: string): Promise<RecordRetention | null> {
  const db = await getDb();
  const record = await db.verificationRecord.findUnique({
    where: { id },
    select: {
      status: true,
      updatedAt: true,
      expiresAt: true,
      lastCheckedAt: true,
      attributesEnc: true,
      rawUserinfoEnc: true,
      idTokenEnc: true,
    },
  });
  if (!record) return null;
  const [retention, maxInterval] = await Promise.all([retentionSettings(db), longestIntervalHours(db)]);
  const dates = recordPurgeDates(record, retention, maxInterval);
  return {
    attributesPurged: record.attributesEnc === null,
    rawAnswerPurged: record.rawUserinfoEnc === null && record.idTokenEnc === null,
    attributesPurgeAt: dates.attributes,
    rawAnswerPurgeAt: dates.rawAnswer,
  };
}
