-- Verification facts per policy: one record per (provider, provider uuid, policy key),
-- where the policy key is `identity` or `community:<group>`; and one table that says
-- which person a provider identity belongs to. Today's rows are carried over as they
-- are (same ids, so sealed data still opens: its additional data names the record id).

-- CreateTable
CREATE TABLE "provider_identity" (
    "provider" TEXT NOT NULL,
    "provider_uuid" TEXT NOT NULL,
    "person_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "provider_identity_pkey" PRIMARY KEY ("provider","provider_uuid")
);

-- CreateIndex
CREATE UNIQUE INDEX "provider_identity_provider_provider_uuid_person_id_key" ON "provider_identity"("provider", "provider_uuid", "person_id");

-- CreateIndex
CREATE INDEX "provider_identity_person_id_idx" ON "provider_identity"("person_id");

-- AddForeignKey
ALTER TABLE "provider_identity" ADD CONSTRAINT "provider_identity_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Every existing record names one provider identity ((provider, provider_uuid) was unique).
INSERT INTO "provider_identity" ("provider", "provider_uuid", "person_id", "created_at")
SELECT "provider", "provider_uuid", "person_id", "created_at" FROM "verification_record";

-- The policy key of today's rows: identity, or the community group the check was about:
-- the group the newest attempt of the record asked for (when the record agrees with it),
-- else the group reported verified, else the first group reported.
ALTER TABLE "verification_record" ADD COLUMN "policy_key" TEXT;

UPDATE "verification_record" r SET "policy_key" = CASE
    WHEN r."policy" = 'identity' THEN 'identity'
    ELSE 'community:' || COALESCE(
        (SELECT a."required_group" FROM "attempt" a
          WHERE a."record_id" = r."id" AND a."required_group" IS NOT NULL
            AND (r."status" <> 'verified' OR r."groups" @> jsonb_build_array(jsonb_build_object('group', a."required_group", 'verified', true)))
          ORDER BY a."created_at" DESC LIMIT 1),
        (SELECT g ->> 'group' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r."groups") = 'array' THEN r."groups" ELSE '[]'::jsonb END) WITH ORDINALITY AS e(g, n)
          WHERE g -> 'verified' = 'true'::jsonb AND g ->> 'group' IS NOT NULL ORDER BY n LIMIT 1),
        (SELECT g ->> 'group' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r."groups") = 'array' THEN r."groups" ELSE '[]'::jsonb END) WITH ORDINALITY AS e(g, n)
          WHERE g ->> 'group' IS NOT NULL ORDER BY n LIMIT 1),
        'unknown')
END;

ALTER TABLE "verification_record" ALTER COLUMN "policy_key" SET NOT NULL;

-- DropIndex: a provider identity now has one record per policy.
DROP INDEX "verification_record_provider_provider_uuid_key";

-- CreateIndex (also serves the search by provider uuid: (provider, provider_uuid) is its prefix)
CREATE UNIQUE INDEX "verification_record_provider_provider_uuid_policy_key_key" ON "verification_record"("provider", "provider_uuid", "policy_key");

-- AddForeignKey: a record's person is always its provider identity's person (a move cascades).
ALTER TABLE "verification_record" ADD CONSTRAINT "verification_record_provider_provider_uuid_person_id_fkey" FOREIGN KEY ("provider", "provider_uuid", "person_id") REFERENCES "provider_identity"("provider", "provider_uuid", "person_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The provider identity an attempt came back with (also when it was refused as
-- linked to another Auth0 user: support's "linked identities" page needs it).
ALTER TABLE "attempt" ADD COLUMN "provider_uuid" TEXT;

UPDATE "attempt" a SET "provider_uuid" = r."provider_uuid" FROM "verification_record" r WHERE a."record_id" = r."id";

-- CreateIndex
CREATE INDEX "attempt_provider_uuid_idx" ON "attempt"("provider_uuid");
