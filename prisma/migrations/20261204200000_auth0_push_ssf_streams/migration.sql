-- Revocations pushed to Auth0 (issue 13 §3): an outbox written with the change, drained by the job runner.
CREATE TABLE "auth0_push" (
    "id" BIGSERIAL NOT NULL,
    "auth0_user_id" TEXT NOT NULL,
    "person_id" TEXT,
    "record_id" TEXT,
    "cause" TEXT NOT NULL,
    "revoke_sessions" BOOLEAN NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "done_at" TIMESTAMPTZ(3),
    CONSTRAINT "auth0_push_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "auth0_push_status_next_attempt_at_idx" ON "auth0_push"("status", "next_attempt_at");
CREATE INDEX "auth0_push_record_id_idx" ON "auth0_push"("record_id");

-- Shared Signals streams (SSF 1.0 §8.1.1): the stream this receiver created at a transmitter.
ALTER TABLE "signal_transmitter"
    ADD COLUMN "configuration_url" TEXT,
    ADD COLUMN "stream_id" TEXT,
    ADD COLUMN "stream_status" TEXT,
    ADD COLUMN "events_delivered" TEXT[] DEFAULT ARRAY[]::TEXT[],
    ADD COLUMN "management_token_enc" TEXT,
    ADD COLUMN "push_authorization_sha256" TEXT,
    ADD COLUMN "verification_state" TEXT,
    ADD COLUMN "verification_asked_at" TIMESTAMPTZ(3),
    ADD COLUMN "verified_at" TIMESTAMPTZ(3);
