-- Corrections (issue 22): edit and delete movies with an audit trail.
--
-- version: the row's version for ETag/If-Match, raised by every edit. added_by: the Cognito sub of
-- the user whose API add created the row (NULL for rows the ETL loaded, and for adds processed
-- before this migration: only librarians may correct those).
ALTER TABLE movies
    ADD COLUMN version  integer NOT NULL DEFAULT 1,
    ADD COLUMN added_by text;

-- Fill in added_by for earlier adds is not possible from PostgreSQL (the owner lives in the requests
-- table in DynamoDB); new adds record it in the same INSERT.

-- One row per edit or delete, written in the same transaction as the change. `request_id` keeps the
-- creating add's request id on a delete, so a redelivered queued add finds its tombstone and does
-- not bring the movie back (DESIGN §5, "Corrections and the add queue").
CREATE TABLE movie_audit (
    id          bigserial PRIMARY KEY,
    movie_id    uuid NOT NULL,
    action      text NOT NULL CHECK (action IN ('edit', 'delete')),
    actor       text NOT NULL,
    actor_email text,
    librarian   boolean NOT NULL DEFAULT false,
    at          timestamptz NOT NULL DEFAULT now(),
    before      jsonb NOT NULL,
    after       jsonb,
    request_id  uuid,
    suppressed  boolean NOT NULL DEFAULT false
);
CREATE INDEX movie_audit_movie ON movie_audit (movie_id, id DESC);
CREATE INDEX movie_audit_deleted_request ON movie_audit (request_id) WHERE action = 'delete';

-- A librarian's delete of a movie that came from Drive: the ETL skips a file version listed here (by
-- file when provenance names it, else by the movie's normalised identity) until the file changes.
CREATE TABLE movie_suppressions (
    id           bigserial PRIMARY KEY,
    movie_id     uuid NOT NULL,
    source       text,
    file_id      text,
    modified     text,
    path         text,
    title_key    text NOT NULL,
    genre_key    text NOT NULL,
    rating       numeric(3,1),
    year         integer,
    suppressed_by text NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX movie_suppressions_file ON movie_suppressions (source, file_id, modified);
CREATE INDEX movie_suppressions_identity ON movie_suppressions (title_key, genre_key, rating, year);
