-- Issue 24 (security review 8 and 17): two more least-privilege logins, both by RDS IAM token like movie_app.
--
-- movie_etl: the ETL task ingests a third party's folder and has internet egress, so it no longer logs in as the
-- owner (the master secret). It gets DML on exactly the tables it loads, the dashboard aggregates its inserts
-- and deletes maintain (the triggers run as the caller), read access to the librarians' suppressions and to
-- schema_migrations (to refuse a schema older than its image), and its run-id sequence; nothing else: no DDL,
-- no movie_audit, no schema_migrations writes. No default privileges: a migration adding an ETL table grants it.
--
-- movie_reader: the read API (GET routes only) had movie_app's DML; it gets SELECT, on later tables too.
--
-- Roles are cluster-wide: creating one that exists (another database, a concurrent runner) is not an error.
DO $$
BEGIN
    CREATE ROLE movie_etl LOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

DO $$
BEGIN
    CREATE ROLE movie_reader LOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
        GRANT rds_iam TO movie_etl, movie_reader;
    END IF;
END
$$;

REVOKE CREATE ON SCHEMA public FROM movie_etl, movie_reader;
GRANT USAGE ON SCHEMA public TO movie_etl, movie_reader;

GRANT SELECT, INSERT, UPDATE, DELETE ON
    movies, movie_sources,
    movie_stats, genre_stats, year_stats, rating_stats,
    genre_rating_counts, genre_year_rating_counts,  -- the filter's exact counts (0030), kept by movies' triggers
    etl_runs, etl_files, etl_run_files, etl_tree, etl_sync_state, etl_lease
TO movie_etl;
GRANT SELECT ON movie_suppressions, schema_migrations TO movie_etl;
GRANT USAGE, SELECT ON SEQUENCE etl_runs_id_seq TO movie_etl;

GRANT SELECT ON ALL TABLES IN SCHEMA public TO movie_reader;
REVOKE ALL ON schema_migrations FROM movie_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO movie_reader;
