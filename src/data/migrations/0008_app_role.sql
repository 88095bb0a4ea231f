-- The request-path functions (read API, add processor) connect as movie_app: DML on the app's tables
-- and nothing else (no DDL, no migrations table). In RDS it logs in with an IAM token (rds_iam); the
-- owner role that runs migrations and the ETL keeps the managed master secret. Roles are cluster-wide:
-- creating one that exists (another database, a concurrent runner) is not an error.
DO $$
BEGIN
    CREATE ROLE movie_app LOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
        GRANT rds_iam TO movie_app;
    END IF;
END
$$;

REVOKE CREATE ON SCHEMA public FROM movie_app;
GRANT USAGE ON SCHEMA public TO movie_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO movie_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO movie_app;
REVOKE ALL ON schema_migrations FROM movie_app;

-- Tables later migrations create (as this same owner) get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO movie_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO movie_app;
