-- Erasure of a person (lib/records/erase.ts): the person row stays as a tombstone
-- (its Auth0 user id replaced by "erased:<person id>") so counts and the audit trail stay true.
ALTER TABLE "person" ADD COLUMN "erased_at" TIMESTAMPTZ(3);
