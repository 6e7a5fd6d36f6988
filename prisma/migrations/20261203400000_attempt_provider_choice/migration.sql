-- A provider with a chooser step (IDPartner's account selector): the one-use value sent there,
-- its expiry, and what the person chose there (the bank's issuer).
ALTER TABLE "attempt" ADD COLUMN "chooser_state" TEXT;
ALTER TABLE "attempt" ADD COLUMN "chooser_expires_at" TIMESTAMPTZ(3);
ALTER TABLE "attempt" ADD COLUMN "provider_choice" TEXT;
CREATE UNIQUE INDEX "attempt_chooser_state_key" ON "attempt"("chooser_state");
