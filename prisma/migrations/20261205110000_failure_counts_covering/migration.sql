-- The failures page at 1,000,000 attempts (issue 11; README "Performance"): its reads of
-- attempt_failure_hour and attempt_failure_day from the index alone. Each count row is updated in
-- place by the triggers as failures arrive, so a range's rows end up spread over the heap, about one
-- row a page (90 days: some 4,000 rows on 1,400 pages), and a view read every one of those pages.
-- With the count in the key's index (INCLUDE), a range is a few consecutive index pages, and the
-- heap is visited only for pages changed since the last vacuum (the current hour's and day's).
-- The triggers' ON CONFLICT finds the same key columns here; n being in the index only costs the
-- heap-only (HOT) update, which a full page rarely allowed anyway.
CREATE UNIQUE INDEX "attempt_failure_hour_covering" ON "attempt_failure_hour" ("hour", "status", "failure_code", "provider", "auth0_client_id") INCLUDE ("n") NULLS NOT DISTINCT;
DROP INDEX "attempt_failure_hour_key";
ALTER INDEX "attempt_failure_hour_covering" RENAME TO "attempt_failure_hour_key";

CREATE UNIQUE INDEX "attempt_failure_day_covering" ON "attempt_failure_day" ("day", "status", "failure_code", "provider", "auth0_client_id") INCLUDE ("n") NULLS NOT DISTINCT;
DROP INDEX "attempt_failure_day_key";
ALTER INDEX "attempt_failure_day_covering" RENAME TO "attempt_failure_day_key";

-- The index-only reads need the visibility map current: autovacuum visits these small, busy tables
-- after 1% of their rows changed (a few thousand failures) instead of the default 20%.
ALTER TABLE "attempt_failure_hour" SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01);
ALTER TABLE "attempt_failure_day" SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01);
