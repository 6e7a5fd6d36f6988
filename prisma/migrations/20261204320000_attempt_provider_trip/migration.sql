-- The dashboard at 1,000,000 attempts (issue 11; README "Performance"): each attempt's trip to
-- the provider (its first successful `sent_to_provider` event and its first `returned` event),
-- kept by a trigger on `attempt_event` in the transaction that writes the event, so the
-- dashboard reads one row per attempt instead of searching every attempt's timeline. Exact and
-- as fresh as the events; removed with its attempt. lib/insight/dashboard.ts reads it.
CREATE TABLE "attempt_provider_trip" (
  "attempt_id"  TEXT PRIMARY KEY REFERENCES "attempt" ("id") ON DELETE CASCADE,
  "sent_at"     TIMESTAMPTZ(3),
  "returned_at" TIMESTAMPTZ(3)
);

CREATE FUNCTION "attempt_provider_trip_mark"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.step = 'sent_to_provider' AND NEW.outcome = 'ok' THEN
    INSERT INTO "attempt_provider_trip" AS t ("attempt_id", "sent_at") VALUES (NEW.attempt_id, NEW.at)
    ON CONFLICT ("attempt_id") DO UPDATE SET "sent_at" = LEAST(COALESCE(t."sent_at", EXCLUDED."sent_at"), EXCLUDED."sent_at");
  ELSIF NEW.step = 'returned' THEN
    INSERT INTO "attempt_provider_trip" AS t ("attempt_id", "returned_at") VALUES (NEW.attempt_id, NEW.at)
    ON CONFLICT ("attempt_id") DO UPDATE SET "returned_at" = LEAST(COALESCE(t."returned_at", EXCLUDED."returned_at"), EXCLUDED."returned_at");
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "attempt_provider_trip_insert" AFTER INSERT ON "attempt_event"
  FOR EACH ROW WHEN (NEW.step IN ('sent_to_provider', 'returned')) EXECUTE FUNCTION "attempt_provider_trip_mark"();

-- The trips of the attempts already recorded.
INSERT INTO "attempt_provider_trip" ("attempt_id", "sent_at", "returned_at")
SELECT "attempt_id",
       min("at") FILTER (WHERE "step" = 'sent_to_provider' AND "outcome" = 'ok'),
       min("at") FILTER (WHERE "step" = 'returned')
FROM "attempt_event"
WHERE "step" IN ('sent_to_provider', 'returned')
GROUP BY "attempt_id"
HAVING min("at") FILTER (WHERE "step" = 'sent_to_provider' AND "outcome" = 'ok') IS NOT NULL
    OR min("at") FILTER (WHERE "step" = 'returned') IS NOT NULL;

-- Statistics now, so the planner knows the table's size before autovacuum gets to it.
ANALYZE "attempt_provider_trip";
