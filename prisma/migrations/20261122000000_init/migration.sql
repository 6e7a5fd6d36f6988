-- CreateEnum
CREATE TYPE "Policy" AS ENUM ('identity', 'community');

-- CreateEnum
CREATE TYPE "RecordStatus" AS ENUM ('verified', 'not_verified', 'revoked');

-- CreateEnum
CREATE TYPE "AttemptStatus" AS ENUM ('started', 'at_provider', 'returned', 'verified', 'failed', 'declined', 'error');

-- CreateEnum
CREATE TYPE "EventOutcome" AS ENUM ('ok', 'info', 'error');

-- CreateTable
CREATE TABLE "person" (
    "id" TEXT NOT NULL,
    "auth0_user_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "person_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "verification_record" (
    "id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "provider_uuid" TEXT NOT NULL,
    "person_id" TEXT NOT NULL,
    "auth0_user_id" TEXT NOT NULL,
    "status" "RecordStatus" NOT NULL,
    "policy" "Policy" NOT NULL,
    "groups" JSONB NOT NULL DEFAULT '[]',
    "attributes_enc" TEXT NOT NULL,
    "raw_userinfo_enc" TEXT NOT NULL,
    "id_token_claims_enc" TEXT,
    "last_checked_at" TIMESTAMP(3) NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "verification_record_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "attempt" (
    "id" TEXT NOT NULL,
    "reference_code" TEXT NOT NULL,
    "person_id" TEXT,
    "record_id" TEXT,
    "auth0_user_id" TEXT,
    "auth0_client_id" TEXT,
    "auth0_state" TEXT,
    "provider" TEXT NOT NULL,
    "policy" "Policy" NOT NULL,
    "scopes" TEXT[],
    "required_group" TEXT,
    "status" "AttemptStatus" NOT NULL DEFAULT 'started',
    "oauth_state" TEXT,
    "nonce" TEXT,
    "code_verifier" TEXT,
    "return_status" TEXT,
    "failure_step" TEXT,
    "failure_code" TEXT,
    "checked_at" TIMESTAMP(3),
    "resumed_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "attempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "attempt_event" (
    "id" BIGSERIAL NOT NULL,
    "attempt_id" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "outcome" "EventOutcome" NOT NULL,
    "error_code" TEXT,
    "error_description" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "attempt_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "settings" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "provider" TEXT NOT NULL DEFAULT 'idme',
    "verification_type" "Policy" NOT NULL,
    "environment" TEXT NOT NULL,
    "base_url" TEXT,
    "client_id" TEXT NOT NULL,
    "client_secret_enc" TEXT NOT NULL,
    "scopes" TEXT[],
    "required_group" TEXT,
    "reverify_interval_hours" INTEGER NOT NULL,
    "return_method" TEXT NOT NULL DEFAULT 'post',
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "settings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "application" (
    "client_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "required" BOOLEAN NOT NULL DEFAULT false,
    "policy" "Policy",
    "required_group" TEXT,
    "scopes" TEXT[],
    "reverify_interval_hours" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "application_pkey" PRIMARY KEY ("client_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "person_auth0_user_id_key" ON "person"("auth0_user_id");

-- CreateIndex
CREATE INDEX "verification_record_person_id_idx" ON "verification_record"("person_id");

-- CreateIndex
CREATE INDEX "verification_record_auth0_user_id_idx" ON "verification_record"("auth0_user_id");

-- CreateIndex
CREATE INDEX "verification_record_status_last_checked_at_idx" ON "verification_record"("status", "last_checked_at");

-- CreateIndex
CREATE UNIQUE INDEX "verification_record_provider_provider_uuid_key" ON "verification_record"("provider", "provider_uuid");

-- CreateIndex
CREATE UNIQUE INDEX "attempt_reference_code_key" ON "attempt"("reference_code");

-- CreateIndex
CREATE UNIQUE INDEX "attempt_oauth_state_key" ON "attempt"("oauth_state");

-- CreateIndex
CREATE INDEX "attempt_auth0_user_id_created_at_idx" ON "attempt"("auth0_user_id", "created_at");

-- CreateIndex
CREATE INDEX "attempt_status_created_at_idx" ON "attempt"("status", "created_at");

-- CreateIndex
CREATE INDEX "attempt_created_at_idx" ON "attempt"("created_at");

-- CreateIndex
CREATE INDEX "attempt_event_attempt_id_at_idx" ON "attempt_event"("attempt_id", "at");

-- AddForeignKey
ALTER TABLE "verification_record" ADD CONSTRAINT "verification_record_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attempt" ADD CONSTRAINT "attempt_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attempt" ADD CONSTRAINT "attempt_record_id_fkey" FOREIGN KEY ("record_id") REFERENCES "verification_record"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attempt_event" ADD CONSTRAINT "attempt_event_attempt_id_fkey" FOREIGN KEY ("attempt_id") REFERENCES "attempt"("id") ON DELETE CASCADE ON UPDATE CASCADE;
