-- Least-privilege database roles (README, "Database roles"). Run as a superuser, connected to the application's
-- database, with the psql variables `owner` and `app` naming two existing LOGIN roles:
--
--   psql -v owner=referral_owner -v app=referral_app -d referral -f scripts/db-roles.sql
--
-- owner: owns the database and every table, sequence and function of the schema; runs the migrations
--        (ConnectionStrings__ReferralMigrations). Not a superuser.
-- app:   what the API connects as for requests (ConnectionStrings__Referral): SELECT, INSERT, UPDATE, DELETE on the
--        tables, the sequences, and session-private temporary tables (gap analyses and imports stage rows in them);
--        no CREATE/ALTER/DROP on anything, no superuser.
-- Idempotent: run it again after restoring a dump made by another role; objects made earlier (by a superuser)
-- pass to the owner, except those that belong to an extension (PostGIS's spatial_ref_sys).
SELECT set_config('referral.owner_role', :'owner', false), set_config('referral.app_role', :'app', false);

DO $roles$
DECLARE
  owner_role text := current_setting('referral.owner_role');
  app_role text := current_setting('referral.app_role');
  r record;
BEGIN
  EXECUTE format('ALTER DATABASE %I OWNER TO %I', current_database(), owner_role);
  -- Before PostgreSQL 15 every role could create objects in public.
  REVOKE CREATE ON SCHEMA public FROM PUBLIC;
  EXECUTE format('GRANT USAGE, CREATE ON SCHEMA public TO %I', owner_role);

  FOR r IN
    SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      -- a sequence owned by a column follows its table
      AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO %I',
      CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, r.name, owner_role);
  END LOOP;
  FOR r IN
    SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER ROUTINE %s OWNER TO %I', r.name, owner_role);
  END LOOP;

  EXECUTE format('REVOKE CREATE ON DATABASE %I FROM %I', current_database(), app_role);
  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), app_role);
  EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', app_role);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', app_role);
  EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO %I', app_role);
  -- Tables and sequences the owner's migrations create later get the same grants.
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', owner_role, app_role);
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %I', owner_role, app_role);
END
$roles$;
