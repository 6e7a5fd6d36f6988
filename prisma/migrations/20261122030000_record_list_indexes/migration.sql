-- CreateIndex
CREATE INDEX "attempt_record_id_idx" ON "attempt"("record_id");

-- The records list filters on several facets at once (status, policy, provider, application,
-- verified groups); one GIN index over them keeps contradictory combinations fast at 1M rows.
-- Prisma cannot express an expression index: it lives only here (see lib/records/query.ts, FACETS_INDEX_DDL).
CREATE INDEX "verification_record_facets_idx" ON "verification_record" USING GIN ((jsonb_set(jsonb_object(ARRAY[
    'status', CASE status WHEN 'verified' THEN 'verified' WHEN 'not_verified' THEN 'not_verified' WHEN 'revoked' THEN 'revoked' END,
    'policy', CASE policy WHEN 'identity' THEN 'identity' WHEN 'community' THEN 'community' END,
    'provider', provider,
    'app', last_client_id]), '{groups}', jsonb_path_query_array(groups, '$[*] ? (@.verified == true).group'))) jsonb_path_ops);
