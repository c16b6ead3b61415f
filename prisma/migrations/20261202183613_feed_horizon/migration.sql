-- GET /api/v1/events pages by log_seq, which a sequence hands out before the append commits: a
-- reader could see log_seq 11 committed while 10 is still in flight, page past 10 and never see
-- it. Every append now takes, before its log_seq, a shared advisory lock on its tenant's feed key
-- (class 4711, hashtext(tenant)); the feed reads the sequence's last value, waits until every
-- holder of that key at that moment has ended, and pages only up to that value.
-- It is taken after the trace locks, so that an append queued behind another on its trace does
-- not hold up the feed. The argument needs the sequence's cache at 1 (its default: a backend's
-- cached values would lie below last_value without the lock), and the lock outside any savepoint
-- (rolling one back releases it).
CREATE OR REPLACE FUNCTION "dg_append_prepare"(p_tenant text, p_traces json, p_keys json, p_event_ids json)
RETURNS json LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(k)
  FROM (
    SELECT DISTINCT hashtextextended(p_tenant || chr(31) || t, 0) AS k
    FROM json_array_elements_text(p_traces) AS t
    ORDER BY k
  ) AS keys;
  -- The tenant's feed lock, shared: appends never wait on each other for it; a feed read looks up
  -- its holders in pg_locks (IngestionService.settledLogSeq) to learn which log_seq values may
  -- still commit.
  PERFORM pg_advisory_xact_lock_shared(4711, hashtext(p_tenant));
  RETURN json_build_object(
    'events', COALESCE((
      SELECT json_agg(e ORDER BY e.log_seq) FROM (
        SELECT DISTINCT ON (m.log_seq) m.* FROM (
          SELECT l.* FROM json_to_recordset(p_keys) AS x(p text, k text)
          CROSS JOIN LATERAL (
            SELECT * FROM "dg_event_log" l
            WHERE l.tenant_id = p_tenant AND l.producer_id = x.p AND l.idempotency_key = x.k LIMIT 1
          ) AS l
          UNION ALL
          SELECT l.* FROM json_array_elements_text(p_event_ids) AS i(id)
          CROSS JOIN LATERAL (
            SELECT * FROM "dg_event_log" l WHERE l.tenant_id = p_tenant AND l.event_id = i.id LIMIT 1
          ) AS l
        ) AS m
        ORDER BY m.log_seq
      ) AS e
    ), '[]'::json),
    'traces', COALESCE((
      SELECT json_agg(s) FROM json_array_elements_text(p_traces) AS t(id)
      CROSS JOIN LATERAL (
        SELECT * FROM "dg_trace_summaries" x WHERE x.tenant_id = p_tenant AND x.trace_id = t.id LIMIT 1
      ) AS s
    ), '[]'::json)
  );
END;
$$;
