-- A workflow action's locks and reads in one round trip (WorkflowActRepository.prepare): the
-- item's trace lock (the lock order of appends: trace, then item), the item row locked FOR UPDATE,
-- the first response stored under the request's Idempotency-Key, and for an action that may append
-- its decision (approve, reject, override) what an append reads under its locks
-- (dg_append_prepare: the trace's state, the feed lock) plus the log_seq the decision will take.
-- The log_seq is handed out here, after the feed lock as the feed needs (20261202183613), so that
-- the item, its imported action (whose hash covers the log_seq) and the event are written in one
-- statement; an action that ends up not appending leaves a gap, as a rolled-back append does.
-- Item not found: {"item": null}, nothing locked.
CREATE OR REPLACE FUNCTION "dg_workflow_action_prepare"(p_tenant text, p_workflow_id text, p_request_key text,
  p_append_keys json, p_append_event_ids json)
RETURNS json LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_trace text;
  v_append json;
  v_log_seq bigint;
  v_item json;
BEGIN
  SELECT trace_id INTO v_trace FROM "dg_workflow_items" WHERE tenant_id = p_tenant AND workflow_id = p_workflow_id;
  IF NOT FOUND THEN
    RETURN json_build_object('item', NULL);
  END IF;
  IF p_append_keys IS NULL THEN
    PERFORM pg_advisory_xact_lock(hashtextextended(p_tenant || chr(31) || v_trace, 0));
  ELSE
    v_append := "dg_append_prepare"(p_tenant, json_build_array(v_trace), p_append_keys, p_append_event_ids);
    v_log_seq := nextval('dg_event_log_log_seq_seq');
  END IF;
  SELECT row_to_json(i) INTO v_item FROM "dg_workflow_items" i
  WHERE i.tenant_id = p_tenant AND i.workflow_id = p_workflow_id FOR UPDATE;
  RETURN json_build_object(
    'item', v_item,
    'request', (
      SELECT json_build_object('request_hash', r.request_hash, 'response', r.response)
      FROM "dg_workflow_action_requests" r
      WHERE r.tenant_id = p_tenant AND r.workflow_id = p_workflow_id AND r.idempotency_key = p_request_key
    ),
    'append', v_append,
    'log_seq', v_log_seq
  );
END;
$$;
