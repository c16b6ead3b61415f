-- dg_append_prepare() read the stored events with `tenant_id = $1 AND (... IN (SELECT ...) OR ...)`
-- and the summaries with `trace_id IN (SELECT ...)`: PostgreSQL scans every event (every summary)
-- of the tenant and filters them, so an append cost grew with the tenant's log (1.2 ms of database
-- time at 3,000 events). Same result, one unique-index probe per requested key, event_id and
-- trace (a LATERAL subquery with LIMIT 1 cannot be turned into a scan of the tenant's rows).
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
      SELECT json_agg(e ORDER BY e.log_seq) FROM "dg_event_log" e
      WHERE e.log_seq IN (
        SELECT m.log_seq FROM json_to_recordset(p_keys) AS x(p text, k text)
        CROSS JOIN LATERAL (
          SELECT l.log_seq FROM "dg_event_log" l
          WHERE l.tenant_id = p_tenant AND l.producer_id = x.p AND l.idempotency_key = x.k LIMIT 1
        ) AS m
        UNION
        SELECT m.log_seq FROM json_array_elements_text(p_event_ids) AS i(id)
        CROSS JOIN LATERAL (
          SELECT l.log_seq FROM "dg_event_log" l WHERE l.tenant_id = p_tenant AND l.event_id = i.id LIMIT 1
        ) AS m
      )
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
