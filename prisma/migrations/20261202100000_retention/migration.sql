-- Issue 12, part 1: retention set by admins, applied by a purge job.

-- How long each kind of data is kept (one row, id = 1, made by lib/settings/retention.ts
-- with its documented defaults on first read). raw_answer_days NULL: raw provider answers
-- are kept as long as the record's attributes.
CREATE TABLE "retention_settings" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "raw_answer_days" INTEGER,
    "attributes_days" INTEGER NOT NULL,
    "failed_attempt_days" INTEGER NOT NULL,
    "anonymous_attempt_days" INTEGER NOT NULL,
    "audit_days" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "retention_settings_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "retention_settings_one_row" CHECK ("id" = 1)
);

-- A purged record keeps its row (status, dates, groups, provider identity) and loses its
-- sealed personal data: the sealed columns may now be empty.
ALTER TABLE "verification_record" ALTER COLUMN "attributes_enc" DROP NOT NULL;
ALTER TABLE "verification_record" ALTER COLUMN "raw_userinfo_enc" DROP NOT NULL;

-- What the purge looks for, indexed only while there is something left to purge, so that a
-- batch never re-reads the rows earlier batches already cleared.
CREATE INDEX "verification_record_raw_kept_idx" ON "verification_record"("last_checked_at")
    WHERE "raw_userinfo_enc" IS NOT NULL OR "id_token_claims_enc" IS NOT NULL;
CREATE INDEX "verification_record_sealed_ends_idx" ON "verification_record"("expires_at")
    WHERE "attributes_enc" IS NOT NULL OR "raw_userinfo_enc" IS NOT NULL OR "id_token_claims_enc" IS NOT NULL OR "email_lookup" IS NOT NULL;
CREATE INDEX "verification_record_sealed_revoked_idx" ON "verification_record"("updated_at")
    WHERE "status" = 'revoked' AND ("attributes_enc" IS NOT NULL OR "raw_userinfo_enc" IS NOT NULL OR "id_token_claims_enc" IS NOT NULL OR "email_lookup" IS NOT NULL);
CREATE INDEX "attempt_anonymous_created_at_idx" ON "attempt"("created_at") WHERE "person_id" IS NULL;
