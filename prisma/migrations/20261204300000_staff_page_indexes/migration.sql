-- Staff pages at 1,000,000 attempts (issue 11; README "Performance").
-- The failures page and the dashboard read a range of attempts by created_at and group them by
-- status, failure code, provider, application and policy: one covering index answers that from
-- the index alone (an index-only scan), without visiting the table's rows.
CREATE INDEX "attempt_insight_idx" ON "attempt" ("created_at") INCLUDE ("status", "failure_code", "provider", "auth0_client_id", "policy");

-- The audit log lists newest first (id descending); its filters by target and by action walk
-- these instead of the whole log.
CREATE INDEX "audit_event_target_id_idx" ON "audit_event" ("target", "id");
CREATE INDEX "audit_event_action_id_idx" ON "audit_event" ("action", "id");
