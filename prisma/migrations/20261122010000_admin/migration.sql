-- AlterTable
ALTER TABLE "verification_record" ADD COLUMN "email_lookup" TEXT,
ADD COLUMN "last_client_id" TEXT;

-- CreateTable
CREATE TABLE "audit_event" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_id" TEXT NOT NULL,
    "actor_email" TEXT,
    "actor_role" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "reason" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "verification_record_last_checked_at_id_idx" ON "verification_record"("last_checked_at", "id");

-- CreateIndex
CREATE INDEX "verification_record_provider_last_checked_at_idx" ON "verification_record"("provider", "last_checked_at");

-- CreateIndex
CREATE INDEX "verification_record_policy_last_checked_at_idx" ON "verification_record"("policy", "last_checked_at");

-- CreateIndex
CREATE INDEX "verification_record_last_client_id_last_checked_at_idx" ON "verification_record"("last_client_id", "last_checked_at");

-- CreateIndex
CREATE INDEX "verification_record_email_lookup_idx" ON "verification_record"("email_lookup");

-- CreateIndex
CREATE INDEX "audit_event_at_idx" ON "audit_event"("at");

-- CreateIndex
CREATE INDEX "audit_event_action_at_idx" ON "audit_event"("action", "at");

-- CreateIndex
CREATE INDEX "audit_event_actor_id_at_idx" ON "audit_event"("actor_id", "at");

-- Groups are searched by containment (groups @> '[{"group":"military","verified":true}]').
CREATE INDEX "verification_record_groups_idx" ON "verification_record" USING GIN ("groups" jsonb_path_ops);
