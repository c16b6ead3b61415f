-- The service's runtime role (SPEC §15): migrations run as the owner of the tables; the service
-- runs as a login role that is a member of decisiongraph_app, which may read and write what the
-- service needs but may only read and append the decision log: no UPDATE, DELETE or TRUNCATE on
-- dg_event_log, and, not owning it, no ALTER TABLE (so it cannot disable the append-only trigger)
-- and no DROP. It reads _prisma_migrations (readiness) and cannot change it.
--
-- Roles belong to the server, not the database: the role is created once (when the migrating
-- role may create roles; otherwise a notice, and a DBA creates it and reapplies the grants below),
-- the grants are per database. Tables created by later migrations get the same table grants
-- through the default privileges of the migrating role. Embedded PGlite has a single user: the
-- role exists there but nothing connects as it.
DO $$
DECLARE
  schema_name text := current_schema();
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'decisiongraph_app') THEN
    BEGIN
      CREATE ROLE decisiongraph_app NOLOGIN;
    EXCEPTION
      WHEN duplicate_object OR unique_violation THEN
        NULL; -- created at the same moment by a migration of another database of the server
      WHEN insufficient_privilege THEN
        RAISE NOTICE 'role decisiongraph_app not created (the migrating role may not create roles): create it, then grant as in migration runtime_role';
        RETURN;
    END;
  END IF;
  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO decisiongraph_app', current_database());
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO decisiongraph_app', schema_name);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO decisiongraph_app', schema_name);
  EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO decisiongraph_app', schema_name);
  EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO decisiongraph_app', schema_name);
  EXECUTE format(
    'ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO decisiongraph_app',
    schema_name);
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO decisiongraph_app', schema_name);
  -- The log: read and append only.
  REVOKE UPDATE, DELETE, TRUNCATE ON "dg_event_log" FROM decisiongraph_app;
  -- The migration history: read only (readiness compares it with the build's migrations). The
  -- shadow database that `db:migrate:create` diffs against has no history table.
  IF to_regclass('_prisma_migrations') IS NOT NULL THEN
    REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "_prisma_migrations" FROM decisiongraph_app;
  END IF;
END
$$;
