-- One round trip for the first half of an append (SPEC §5.5): take the (tenant, trace) advisory
-- locks in a global order, then read — with a snapshot taken after the locks were granted — the
-- stored events that share an idempotency key or event_id with the request and the summaries of
-- its traces. PL/pgSQL takes a new snapshot per statement under READ COMMITTED, which is what
-- makes the read see every append that committed while we waited for a lock.
CREATE FUNCTION "dg_append_prepare"(p_tenant text, p_traces json, p_keys json, p_event_ids json)
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
      SELECT json_agg(e) FROM "dg_event_log" e
      WHERE e.tenant_id = p_tenant
        AND ((e.producer_id, e.idempotency_key) IN (SELECT x.p, x.k FROM json_to_recordset(p_keys) AS x(p text, k text))
          OR e.event_id IN (SELECT json_array_elements_text(p_event_ids)))
    ), '[]'::json),
    'traces', COALESCE((
      SELECT json_agg(s) FROM "dg_trace_summaries" s
      WHERE s.tenant_id = p_tenant AND s.trace_id IN (SELECT json_array_elements_text(p_traces))
    ), '[]'::json)
  );
END;
$$;
