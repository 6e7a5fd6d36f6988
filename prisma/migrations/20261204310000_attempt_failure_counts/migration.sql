-- The failures page at 1,000,000 attempts (issue 11; README "Performance"): failed, declined and
-- errored attempts counted per UTC hour and per UTC day of their start, by status, failure code,
-- provider and application. Kept by triggers on `attempt`, in the transaction that changes the
-- attempt, so the counts are exact and as fresh as the attempts themselves (a reader sees them
-- change at commit). lib/insight/failures.ts reads these instead of counting attempts.
CREATE TABLE "attempt_failure_hour" (
  "hour"            TIMESTAMPTZ(3) NOT NULL,
  "status"          TEXT NOT NULL,
  "failure_code"    TEXT,
  "provider"        TEXT NOT NULL,
  "auth0_client_id" TEXT,
  "n"               INTEGER NOT NULL
);
CREATE UNIQUE INDEX "attempt_failure_hour_key" ON "attempt_failure_hour" ("hour", "status", "failure_code", "provider", "auth0_client_id") NULLS NOT DISTINCT;

CREATE TABLE "attempt_failure_day" (
  "day"             TIMESTAMPTZ(3) NOT NULL,
  "status"          TEXT NOT NULL,
  "failure_code"    TEXT,
  "provider"        TEXT NOT NULL,
  "auth0_client_id" TEXT,
  "n"               INTEGER NOT NULL
);
CREATE UNIQUE INDEX "attempt_failure_day_key" ON "attempt_failure_day" ("day", "status", "failure_code", "provider", "auth0_client_id") NULLS NOT DISTINCT;

-- One attempt's row leaves its old counts (-1) and joins its new ones (+1).
CREATE FUNCTION "attempt_failure_count"() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER "attempt_failure_insert" AFTER INSERT ON "attempt"
  FOR EACH ROW WHEN (NEW.status IN ('failed', 'declined', 'error')) EXECUTE FUNCTION "attempt_failure_count"();
CREATE TRIGGER "attempt_failure_update" AFTER UPDATE OF "status", "failure_code", "provider", "auth0_client_id", "created_at" ON "attempt"
  FOR EACH ROW WHEN (OLD.status IN ('failed', 'declined', 'error') OR NEW.status IN ('failed', 'declined', 'error'))
  EXECUTE FUNCTION "attempt_failure_count"();
CREATE TRIGGER "attempt_failure_delete" AFTER DELETE ON "attempt"
  FOR EACH ROW WHEN (OLD.status IN ('failed', 'declined', 'error')) EXECUTE FUNCTION "attempt_failure_count"();

CREATE FUNCTION "attempt_failure_truncate"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE "attempt_failure_hour", "attempt_failure_day";
  RETURN NULL;
END
$$;
CREATE TRIGGER "attempt_failure_truncate" AFTER TRUNCATE ON "attempt"
  FOR EACH STATEMENT EXECUTE FUNCTION "attempt_failure_truncate"();

-- The attempts there already.
INSERT INTO "attempt_failure_hour" ("hour", "status", "failure_code", "provider", "auth0_client_id", "n")
SELECT date_trunc('hour', "created_at", 'UTC'), "status"::text, "failure_code", "provider", "auth0_client_id", count(*)::int
FROM "attempt" WHERE "status" IN ('failed', 'declined', 'error')
GROUP BY 1, 2, 3, 4, 5;
INSERT INTO "attempt_failure_day" ("day", "status", "failure_code", "provider", "auth0_client_id", "n")
SELECT date_trunc('day', "hour", 'UTC'), "status", "failure_code", "provider", "auth0_client_id", sum("n")::int
FROM "attempt_failure_hour" GROUP BY 1, 2, 3, 4, 5;
