-- The dashboard at 1,000,000 attempts (issue 11; README "Performance"): the funnel of each closed
-- UTC hour (and day), rolled up by a job once the hour has settled, instead of every attempt of
-- the range read at every view. lib/insight/funnel-rollup.ts writes these and explains the rules;
-- lib/insight/dashboard.ts reads them for the settled hours and the attempts for the rest.
--
-- Nothing here runs on the login path: the job writes the rollups, and the triggers below fire
-- only for attempts more than an hour old (their WHEN clause is false for a login in progress),
-- so a burst of logins takes no shared row lock.

-- Time at the provider, in seconds, down to its histogram bucket's lower bound: 1 s steps under a
-- minute, 10 s under ten minutes, 1 min under an hour, 1 h beyond. The dashboard's median is read
-- from these buckets (lib/insight/funnel-rollup.ts tripBucket mirrors this function).
CREATE FUNCTION "attempt_trip_bucket"(secs float8) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN secs < 60 THEN floor(secs)::int
              WHEN secs < 600 THEN (floor(secs / 10) * 10)::int
              WHEN secs < 3600 THEN (floor(secs / 60) * 60)::int
              ELSE (floor(secs / 3600) * 3600)::int END
$$;

-- Two kinds of row, told apart by which columns are null:
--   counts: status and sent set, trip null: n attempts with that status, sent to the provider or not;
--   trips:  status and sent null, trip set: n attempts whose time at the provider falls in that bucket.
CREATE TABLE "attempt_funnel_hour" (
  "hour"            TIMESTAMPTZ(3) NOT NULL,
  "auth0_client_id" TEXT,
  "policy"          TEXT NOT NULL,
  "status"          TEXT,
  "sent"            BOOLEAN,
  "trip"            INTEGER,
  "n"               INTEGER NOT NULL
);
CREATE INDEX "attempt_funnel_hour_hour" ON "attempt_funnel_hour" ("hour");

CREATE TABLE "attempt_funnel_day" (
  "day"             TIMESTAMPTZ(3) NOT NULL,
  "auth0_client_id" TEXT,
  "policy"          TEXT NOT NULL,
  "status"          TEXT,
  "sent"            BOOLEAN,
  "trip"            INTEGER,
  "n"               INTEGER NOT NULL
);
CREATE INDEX "attempt_funnel_day_day" ON "attempt_funnel_day" ("day");

-- How far the job has rolled: every hour before rolled_until is in attempt_funnel_hour, and every
-- day that ends by then in attempt_funnel_day, except the hours (and their days) marked dirty.
CREATE TABLE "attempt_funnel_state" (
  "id"           INTEGER PRIMARY KEY CHECK ("id" = 1),
  "rolled_until" TIMESTAMPTZ(3) NOT NULL
);

-- Hours whose attempts changed after they may have been rolled up (a purge, a late update, a
-- late answer from the provider): the dashboard reads their attempts until the job redoes them.
CREATE TABLE "attempt_funnel_dirty" (
  "hour" TIMESTAMPTZ(3) PRIMARY KEY
);

CREATE FUNCTION "attempt_funnel_mark"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO "attempt_funnel_dirty" ("hour") VALUES (date_trunc('hour', OLD."created_at", 'UTC')) ON CONFLICT DO NOTHING;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO "attempt_funnel_dirty" ("hour") VALUES (date_trunc('hour', NEW."created_at", 'UTC')) ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;

-- The job rolls an hour up only when it ended 70 minutes ago; these fire for attempts started
-- more than one hour ago, so a change is marked unless its transaction stayed open across the
-- job's run for over ten minutes (the portal's last 30 s at most). A login in progress (and a
-- retry, which keeps its login's start, at most 55 minutes back) never matches.
CREATE TRIGGER "attempt_funnel_insert" AFTER INSERT ON "attempt"
  FOR EACH ROW WHEN (NEW."created_at" < statement_timestamp() - interval '1 hour')
  EXECUTE FUNCTION "attempt_funnel_mark"();
CREATE TRIGGER "attempt_funnel_update" AFTER UPDATE OF "status", "auth0_client_id", "policy", "created_at" ON "attempt"
  FOR EACH ROW WHEN ((OLD."created_at" < statement_timestamp() - interval '1 hour' OR NEW."created_at" < statement_timestamp() - interval '1 hour')
    AND (OLD."status", OLD."auth0_client_id", OLD."policy", OLD."created_at") IS DISTINCT FROM (NEW."status", NEW."auth0_client_id", NEW."policy", NEW."created_at"))
  EXECUTE FUNCTION "attempt_funnel_mark"();
CREATE TRIGGER "attempt_funnel_delete" AFTER DELETE ON "attempt"
  FOR EACH ROW WHEN (OLD."created_at" < statement_timestamp() - interval '1 hour')
  EXECUTE FUNCTION "attempt_funnel_mark"();

-- A trip to the provider recorded for an old attempt (an answer arriving late). The trip row does
-- not carry its attempt's start, so this looks it up by primary key (the attempt row the same
-- transaction just touched); it takes no lock and writes nothing for a login in progress.
CREATE FUNCTION "attempt_funnel_trip_mark"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "attempt_funnel_dirty" ("hour")
  SELECT date_trunc('hour', a."created_at", 'UTC') FROM "attempt" a
  WHERE a."id" = NEW."attempt_id" AND a."created_at" < statement_timestamp() - interval '1 hour'
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
CREATE TRIGGER "attempt_funnel_trip_insert" AFTER INSERT ON "attempt_provider_trip"
  FOR EACH ROW EXECUTE FUNCTION "attempt_funnel_trip_mark"();
CREATE TRIGGER "attempt_funnel_trip_update" AFTER UPDATE ON "attempt_provider_trip"
  FOR EACH ROW WHEN ((OLD."sent_at", OLD."returned_at") IS DISTINCT FROM (NEW."sent_at", NEW."returned_at"))
  EXECUTE FUNCTION "attempt_funnel_trip_mark"();

-- Emptying the attempts empties the rollups, and the job starts over.
CREATE FUNCTION "attempt_funnel_truncate"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE "attempt_funnel_hour", "attempt_funnel_day", "attempt_funnel_state", "attempt_funnel_dirty";
  RETURN NULL;
END
$$;
CREATE TRIGGER "attempt_funnel_truncate" AFTER TRUNCATE ON "attempt"
  FOR EACH STATEMENT EXECUTE FUNCTION "attempt_funnel_truncate"();
