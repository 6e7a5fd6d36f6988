-- Every timestamp carries its time zone. The columns were `timestamp(3)` holding UTC
-- (Prisma writes UTC); read them as UTC, whatever the session's TimeZone is.
-- The facets index (20261122030000) reads no timestamp column, so it is rebuilt unchanged.

ALTER TABLE "person"
    ALTER COLUMN "created_at" SET DATA TYPE TIMESTAMPTZ(3) USING "created_at" AT TIME ZONE 'UTC';

ALTER TABLE "verification_record"
    ALTER COLUMN "last_checked_at" SET DATA TYPE TIMESTAMPTZ(3) USING "last_checked_at" AT TIME ZONE 'UTC',
    ALTER COLUMN "expires_at" SET DATA TYPE TIMESTAMPTZ(3) USING "expires_at" AT TIME ZONE 'UTC',
    ALTER COLUMN "created_at" SET DATA TYPE TIMESTAMPTZ(3) USING "created_at" AT TIME ZONE 'UTC',
    ALTER COLUMN "updated_at" SET DATA TYPE TIMESTAMPTZ(3) USING "updated_at" AT TIME ZONE 'UTC';

ALTER TABLE "attempt"
    ALTER COLUMN "checked_at" SET DATA TYPE TIMESTAMPTZ(3) USING "checked_at" AT TIME ZONE 'UTC',
    ALTER COLUMN "resumed_at" SET DATA TYPE TIMESTAMPTZ(3) USING "resumed_at" AT TIME ZONE 'UTC',
    ALTER COLUMN "created_at" SET DATA TYPE TIMESTAMPTZ(3) USING "created_at" AT TIME ZONE 'UTC',
    ALTER COLUMN "updated_at" SET DATA TYPE TIMESTAMPTZ(3) USING "updated_at" AT TIME ZONE 'UTC';

ALTER TABLE "attempt_event"
    ALTER COLUMN "at" SET DATA TYPE TIMESTAMPTZ(3) USING "at" AT TIME ZONE 'UTC';

ALTER TABLE "settings"
    ALTER COLUMN "updated_at" SET DATA TYPE TIMESTAMPTZ(3) USING "updated_at" AT TIME ZONE 'UTC';

ALTER TABLE "application"
    ALTER COLUMN "created_at" SET DATA TYPE TIMESTAMPTZ(3) USING "created_at" AT TIME ZONE 'UTC',
    ALTER COLUMN "updated_at" SET DATA TYPE TIMESTAMPTZ(3) USING "updated_at" AT TIME ZONE 'UTC';

ALTER TABLE "audit_event"
    ALTER COLUMN "at" SET DATA TYPE TIMESTAMPTZ(3) USING "at" AT TIME ZONE 'UTC';

ALTER TABLE "provider_setting"
    ALTER COLUMN "updated_at" SET DATA TYPE TIMESTAMPTZ(3) USING "updated_at" AT TIME ZONE 'UTC';
