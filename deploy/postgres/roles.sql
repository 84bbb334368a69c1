-- agentmesh's PostgreSQL roles, least privilege (issue 18 §6, ADR 0014).
--
--   <prefix>_owner     NOLOGIN. Owns the schema and every table in it.
--   <prefix>_migrator  LOGIN. Runs the migrations as the owner (its sessions
--                      start with SET ROLE <prefix>_owner), so what it creates
--                      belongs to the owner. DATABASE_MIGRATION_URL.
--   <prefix>_app       LOGIN. What every role serves with (DATABASE_URL):
--                      reads and writes rows, creates nothing, and is neither
--                      superuser nor BYPASSRLS, so the row-level security of
--                      migration 0009 applies to it.
--
-- Run it once per database as a superuser (or a role with CREATEROLE that owns
-- the database), before the first start; it is safe to run again (it creates
-- what is missing and resets the attributes). Roles belong to the server, not
-- to a database: give each mesh on a server its own prefix (-v prefix=…), or
-- two meshes share roles. The password of a role that already exists is kept
-- (the script says so on stderr): pass -v reset_passwords=on to set it, e.g.
-- when rotating it; a new role gets the password it is given.
--
--   psql "postgres://postgres@db/agentmesh" -v ON_ERROR_STOP=1 \
--     -v migrator_password="$(cat secrets/db_migrator_password)" \
--     -v app_password="$(cat secrets/db_app_password)" \
--     -f deploy/postgres/roles.sql
--
-- Optional variables: -v prefix=agentmesh (role names; one per mesh on a server),
-- -v schema=agentmesh, -v statement_timeout=30s (the application role's bound on
-- one statement), -v reset_passwords=on (set the passwords of existing roles).
-- Then, with the database named in the URLs:
--
--   DATABASE_MIGRATION_URL=postgres://agentmesh_migrator:…@db/agentmesh
--   DATABASE_URL=postgres://agentmesh_app:…@db/agentmesh
--
-- Both roles get search_path = <schema>, so the URLs need no options.

\set ON_ERROR_STOP on
\if :{?prefix}
\else
  \set prefix agentmesh
\endif
\if :{?schema}
\else
  \set schema agentmesh
\endif
\if :{?statement_timeout}
\else
  \set statement_timeout 30s
\endif
\if :{?migrator_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'roles.sql: pass -v migrator_password=… (and -v app_password=…)'; END $$;
\endif
\if :{?app_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'roles.sql: pass -v app_password=…'; END $$;
\endif
\if :{?reset_passwords}
\else
  \set reset_passwords off
\endif

\set owner :prefix '_owner'
\set migrator :prefix '_migrator'
\set app :prefix '_app'

-- Which login roles are new (they get their passwords) and which exist (theirs are kept unless asked).
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'migrator') AS new_migrator,
       NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app') AS new_app \gset

-- CREATE ROLE has no IF NOT EXISTS: \gexec runs each statement the query yields.
SELECT format('CREATE ROLE %I NOLOGIN', :'owner') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'migrator') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'migrator') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app') \gexec

-- Whatever they were created with: no role here bypasses row security or
-- makes roles and databases.
ALTER ROLE :"owner" NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE :"migrator" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT;
ALTER ROLE :"app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT;

-- Passwords: a new role's is set; an existing role's is kept unless -v reset_passwords=on (another mesh's
-- roles of the same name would otherwise have their passwords changed under them).
\if :new_migrator
  ALTER ROLE :"migrator" PASSWORD :'migrator_password';
\elif :reset_passwords
  ALTER ROLE :"migrator" PASSWORD :'migrator_password';
\else
  \warn 'roles.sql: role' :migrator 'exists: its password is kept (pass -v reset_passwords=on to set it)'
\endif
\if :new_app
  ALTER ROLE :"app" PASSWORD :'app_password';
\elif :reset_passwords
  ALTER ROLE :"app" PASSWORD :'app_password';
\else
  \warn 'roles.sql: role' :app 'exists: its password is kept (pass -v reset_passwords=on to set it)'
\endif

-- The migrator acts as the owner; the application never does.
GRANT :"owner" TO :"migrator";
ALTER ROLE :"migrator" SET role = :'owner';
ALTER ROLE :"migrator" SET search_path = :"schema";
ALTER ROLE :"app" SET search_path = :"schema";
-- Set on the role, not by the client at connect: a pooler in transaction mode
-- (PgBouncer) forwards no startup parameter but the server applies the role's
-- settings to every session it opens (docs/operations.md#pgbouncer, ADR 0024).
-- The migrator has none: a migration may run long.
ALTER ROLE :"app" SET statement_timeout = :'statement_timeout';

CREATE SCHEMA IF NOT EXISTS :"schema" AUTHORIZATION :"owner";
ALTER SCHEMA :"schema" OWNER TO :"owner";
-- Nobody else creates objects in the schema (PostgreSQL 14 and older let PUBLIC create in `public`).
REVOKE ALL ON SCHEMA :"schema" FROM PUBLIC;
GRANT USAGE ON SCHEMA :"schema" TO :"app";

-- Rows only: no DDL, no TRUNCATE (which skips row security), no REFERENCES or TRIGGER.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA :"schema" TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA :"schema" TO :"app";
-- And the same on every table and sequence the migrations create later.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA :"schema" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA :"schema" GRANT USAGE, SELECT ON SEQUENCES TO :"app";
