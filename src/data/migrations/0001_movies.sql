-- The movie library (DESIGN §3).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- One normalised form for comparing titles and genres: trimmed, inner whitespace
-- collapsed, lower case. IMMUTABLE so it can back the uniqueness index.
CREATE FUNCTION movie_key(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN lower(regexp_replace(btrim(value), '\s+', ' ', 'g'));

CREATE TABLE movies (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title       varchar(255) NOT NULL CHECK (btrim(title) <> ''),
    genre       varchar(100) NOT NULL CHECK (btrim(genre) <> ''),
    rating      numeric(3,1) CHECK (rating >= 0 AND rating <= 10),
    year        integer CHECK (year >= 1900 AND year <= 2100),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The seed's UNIQUE (title, genre, rating, year) let NULL ratings/years repeat and
-- compared raw strings; this one compares normalised values and treats NULLs as equal.
CREATE UNIQUE INDEX movies_identity_key
    ON movies (movie_key(title), movie_key(genre), rating, year) NULLS NOT DISTINCT;

-- Title substring search (ILIKE '%…%').
CREATE INDEX movies_title_trgm ON movies USING gin (title gin_trgm_ops);
-- Genre matching is case-insensitive everywhere.
CREATE INDEX movies_genre_key ON movies (lower(genre));
CREATE INDEX movies_year ON movies (year);
-- Ranking order (rating desc, no rating last, title, id) as one ascending key, so a
-- keyset cursor is a single row comparison that walks this index.
CREATE INDEX movies_rank ON movies ((-coalesce(rating, -1)), title, id);

-- Row count kept by statement triggers so totals never scan the table.
CREATE TABLE movie_stats (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    total       bigint NOT NULL
);
INSERT INTO movie_stats (total) VALUES (0);

CREATE FUNCTION movie_stats_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE movie_stats SET total = total + (SELECT count(*) FROM new_rows);
    RETURN NULL;
END $$;

CREATE FUNCTION movie_stats_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE movie_stats SET total = total - (SELECT count(*) FROM old_rows);
    RETURN NULL;
END $$;

CREATE FUNCTION movie_stats_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE movie_stats SET total = 0;
    RETURN NULL;
END $$;

CREATE TRIGGER movies_count_insert AFTER INSERT ON movies
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION movie_stats_on_insert();
CREATE TRIGGER movies_count_delete AFTER DELETE ON movies
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION movie_stats_on_delete();
CREATE TRIGGER movies_count_truncate AFTER TRUNCATE ON movies
    FOR EACH STATEMENT EXECUTE FUNCTION movie_stats_on_truncate();
