-- Mirror semantics: which source file (and which version of it) each movie row came from, so a
-- sync can make the library match its folder. A movie with no link left that no user added through
-- the API (movies.request_id) is removed; a run that would remove too many is held instead.
CREATE TABLE movie_sources (
    source   text NOT NULL,
    file_id  text NOT NULL,
    version  text NOT NULL,
    movie_id uuid NOT NULL,
    PRIMARY KEY (source, file_id, version, movie_id)
);
CREATE INDEX movie_sources_movie ON movie_sources (movie_id);

-- Links go with their movie. Triggers rather than a foreign key, so TRUNCATE movies keeps working.
CREATE FUNCTION movie_sources_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM movie_sources s USING old_rows o WHERE s.movie_id = o.id;
    RETURN NULL;
END $$;

CREATE FUNCTION movie_sources_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE movie_sources;
    RETURN NULL;
END $$;

CREATE TRIGGER movies_sources_delete AFTER DELETE ON movies
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION movie_sources_on_delete();
CREATE TRIGGER movies_sources_truncate AFTER TRUNCATE ON movies
    FOR EACH STATEMENT EXECUTE FUNCTION movie_sources_on_truncate();

-- Files loaded before provenance existed have no links: the first walk after the upgrade downloads
-- them again to link their rows (matching the file's current record) and removes nothing.
ALTER TABLE etl_files ADD COLUMN linked boolean NOT NULL DEFAULT true;
UPDATE etl_files SET linked = false WHERE outcome = 'loaded';
CREATE INDEX etl_files_unlinked ON etl_files (source) WHERE NOT linked;

ALTER TABLE etl_runs DROP CONSTRAINT IF EXISTS etl_runs_status_check;
ALTER TABLE etl_runs
    ADD CONSTRAINT etl_runs_status_check
        CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted', 'held')),
    ADD COLUMN removed  integer NOT NULL DEFAULT 0,  -- rows removed: their files are gone
    ADD COLUMN replaced integer NOT NULL DEFAULT 0,  -- rows removed: their files now say something else
    ADD COLUMN held     integer NOT NULL DEFAULT 0;  -- rows a held run would have removed

-- The tree the changes feed is matched against also keeps what shortcuts reach: 'linked' folders (reached
-- through a folder shortcut, via = the shortcut: only the shortcut decides whether they stay) and file
-- 'shortcut's (via = the target, which goes when its last shortcut does).
ALTER TABLE etl_tree DROP CONSTRAINT IF EXISTS etl_tree_kind_check;
ALTER TABLE etl_tree
    ADD CONSTRAINT etl_tree_kind_check CHECK (kind IN ('folder', 'target', 'linked', 'shortcut')),
    ADD COLUMN via text;

-- Safety net: a walk that finds changed files the changes feed never reported turns the feed off for that
-- source (the reason, shown in each run's summary); every run then walks.
ALTER TABLE etl_sync_state ADD COLUMN feed_off text;
