-- The failures page's day-long ranges (30 and 90 days) from daily counts: the hourly counts of
-- 20261204310000 summed per UTC day, kept by the same trigger function in the same transaction.
CREATE TABLE "attempt_failure_day" (
  "day"             TIMESTAMPTZ(3) NOT NULL,
  "status"          TEXT NOT NULL,
  "failure_code"    TEXT,
  "provider"        TEXT NOT NULL,
  "auth0_client_id" TEXT,
  "n"               INTEGER NOT NULL
);
CREATE UNIQUE INDEX "attempt_failure_day_key" ON "attempt_failure_day" ("day", "status", "failure_code", "provider", "auth0_client_id") NULLS NOT DISTINCT;

CREATE OR REPLACE FUNCTION "attempt_failure_hour_count"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (OLD.status, OLD.failure_code, OLD.provider, OLD.auth0_client_id, OLD.created_at)
       IS NOT DISTINCT FROM (NEW.status, NEW.failure_code, NEW.provider, NEW.auth0_client_id, NEW.created_at) THEN
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' AND OLD.status IN ('failed', 'declined', 'error') THEN
    INSERT INTO "attempt_failure_hour" AS r ("hour", "status", "failure_code", "provider", "auth0_client_id", "n")
    VALUES (date_trunc('hour', OLD.created_at, 'UTC'), OLD.status::text, OLD.failure_code, OLD.provider, OLD.auth0_client_id, -1)
    ON CONFLICT ("hour", "status", "failure_code", "provider", "auth0_client_id") DO UPDATE SET "n" = r."n" - 1;
    INSERT INTO "attempt_failure_day" AS r ("day", "status", "failure_code", "provider", "auth0_client_id", "n")
    VALUES (date_trunc('day', OLD.created_at, 'UTC'), OLD.status::text, OLD.failure_code, OLD.provider, OLD.auth0_client_id, -1)
    ON CONFLICT ("day", "status", "failure_code", "provider", "auth0_client_id") DO UPDATE SET "n" = r."n" - 1;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.status IN ('failed', 'declined', 'error') THEN
    INSERT INTO "attempt_failure_hour" AS r ("hour", "status", "failure_code", "provider", "auth0_client_id", "n")
    VALUES (date_trunc('hour', NEW.created_at, 'UTC'), NEW.status::text, NEW.failure_code, NEW.provider, NEW.auth0_client_id, 1)
    ON CONFLICT ("hour", "status", "failure_code", "provider", "auth0_client_id") DO UPDATE SET "n" = r."n" + 1;
    INSERT INTO "attempt_failure_day" AS r ("day", "status", "failure_code", "provider", "auth0_client_id", "n")
    VALUES (date_trunc('day', NEW.created_at, 'UTC'), NEW.status::text, NEW.failure_code, NEW.provider, NEW.auth0_client_id, 1)
    ON CONFLICT ("day", "status", "failure_code", "provider", "auth0_client_id") DO UPDATE SET "n" = r."n" + 1;
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION "attempt_failure_hour_truncate"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE "attempt_failure_hour", "attempt_failure_day";
  RETURN NULL;
END
$$;

INSERT INTO "attempt_failure_day" ("day", "status", "failure_code", "provider", "auth0_client_id", "n")
SELECT date_trunc('day', "hour", 'UTC'), "status", "failure_code", "provider", "auth0_client_id", sum("n")::int
FROM "attempt_failure_hour" GROUP BY 1, 2, 3, 4, 5;
