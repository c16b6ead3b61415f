-- 20261126001302 found the stored events by index but then read them back with
-- `e.log_seq IN (...)`, which the planner may answer with a hash join over a sequential scan of
-- the whole log (it does on the embedded database, which has no autovacuum to gather
-- statistics): every replay then read every event. Take the rows from the index probes
-- themselves; DISTINCT ON drops an event found by both its idempotency key and its event_id.
CREATE OR REPLACE FUNCTION "dg_append_prepare"(p_tenant text, p_traces json, p_keys json, p_event_ids json)
RETURNS json LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(k)
  FROM (
    SELECT DISTINCT hashtextextended(p_tenant || chr(31) || t, 0) AS k
    FROM json_array_elements_text(p_traces) AS t
    ORDER BY k
  ) AS keys;
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
