-- The dashboard reads the attempts of the hours its rollup does not hold yet (the last one to two
-- and a half hours; lib/insight/funnel-rollup.ts) with their trips to the provider. Looking each
-- trip up by its attempt (thousands of index probes) cost most of the page; with this index the
-- trips sent since shortly before those hours are read in one range scan and hash-joined. A trip's
-- first sent_to_provider comes after its attempt was opened, so no trip of those attempts is older.
-- Cost on the login path: one index entry when an attempt is first sent to the provider.
CREATE INDEX "attempt_provider_trip_sent_at" ON "attempt_provider_trip" ("sent_at");
