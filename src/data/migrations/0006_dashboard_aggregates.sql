-- The dashboard's numbers, kept as rows change (issue 15), so reading it never scans movies.
--
-- Statement-level triggers with transition tables: an ETL batch of 5,000 rows updates each
-- aggregate once. Every writer locks the movie_stats singleton first (as the row counter
-- already did), then touches genre, year and rating rows in key order, so concurrent adds and
-- ETL batches queue behind each other instead of deadlocking, and nothing can drift: the
-- aggregates change in the same transaction as the rows they count.

ALTER TABLE movie_stats
    ADD COLUMN rated   bigint  NOT NULL DEFAULT 0,
    ADD COLUMN rating_sum numeric NOT NULL DEFAULT 0;

-- One row per genre key (genres compare case-insensitively); display is the name the seed's
-- dashboard showed: the smallest spelling of that genre in the library. Counts have no CHECK:
-- an upsert's proposed row carries a negative delta, and emptied rows are deleted instead.
CREATE TABLE genre_stats (
    genre_key   text PRIMARY KEY,
    display     text NOT NULL,
    movies      bigint NOT NULL
);
CREATE INDEX genre_stats_top ON genre_stats (movies DESC, genre_key);

CREATE TABLE year_stats (
    year        integer PRIMARY KEY,
    movies      bigint NOT NULL
);

-- Whole-number rating buckets: 7 holds 7.0 to 7.9; 10 holds 10.0.
CREATE TABLE rating_stats (
    bucket      smallint PRIMARY KEY CHECK (bucket BETWEEN 0 AND 10),
    movies      bigint NOT NULL
);

-- Applies the grouped changes of a DELETE or UPDATE (rare: the library only grows). `changes`
-- holds one row per (genre key, year, bucket, side) with the signed count, the signed rating
-- sum and the smallest spelling.
CREATE FUNCTION movie_aggregates_apply(changes jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE movie_stats SET
        total = total + coalesce((SELECT sum((c->>'n')::bigint) FROM jsonb_array_elements(changes) c), 0),
        rated = rated + coalesce((SELECT sum((c->>'n')::bigint) FROM jsonb_array_elements(changes) c
                                  WHERE c->>'b' IS NOT NULL), 0),
        rating_sum = rating_sum + coalesce((SELECT sum((c->>'s')::numeric) FROM jsonb_array_elements(changes) c), 0);

    INSERT INTO genre_stats AS g (genre_key, display, movies)
    SELECT c->>'g', coalesce(min(c->>'d'), c->>'g'), sum((c->>'n')::bigint)
    FROM jsonb_array_elements(changes) c GROUP BY c->>'g' ORDER BY c->>'g'
    ON CONFLICT (genre_key) DO UPDATE
        SET movies = g.movies + excluded.movies, display = least(g.display, excluded.display);

    INSERT INTO year_stats AS y (year, movies)
    SELECT (c->>'y')::int, sum((c->>'n')::bigint)
    FROM jsonb_array_elements(changes) c WHERE c->>'y' IS NOT NULL
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (year) DO UPDATE SET movies = y.movies + excluded.movies;

    INSERT INTO rating_stats AS r (bucket, movies)
    SELECT (c->>'b')::smallint, sum((c->>'n')::bigint)
    FROM jsonb_array_elements(changes) c WHERE c->>'b' IS NOT NULL
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (bucket) DO UPDATE SET movies = r.movies + excluded.movies;

    -- Removals (DELETE, and the old side of UPDATE) can empty a row or remove the spelling it
    -- showed; recount the display of just those keys from movies.
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(changes) c WHERE (c->>'n')::bigint < 0) THEN
        DELETE FROM genre_stats WHERE movies <= 0;
        DELETE FROM year_stats WHERE movies <= 0;
        DELETE FROM rating_stats WHERE movies <= 0;
        UPDATE genre_stats g SET display = (SELECT min(m.genre) FROM movies m WHERE lower(m.genre) = g.genre_key)
        WHERE g.genre_key IN (SELECT c->>'g' FROM jsonb_array_elements(changes) c WHERE (c->>'n')::bigint < 0);
    END IF;
END $$;

-- Inserts are the hot path (every add, every ETL batch): each aggregate straight from the
-- transition table, one grouped pass each, no intermediate JSON.
CREATE FUNCTION movie_aggregates_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE movie_stats s SET total = s.total + n.total, rated = s.rated + n.rated,
                             rating_sum = s.rating_sum + n.rating_sum
    FROM (SELECT count(*) AS total, count(rating) AS rated, coalesce(sum(rating), 0) AS rating_sum
          FROM new_rows) n;

    INSERT INTO genre_stats AS g (genre_key, display, movies)
    SELECT lower(genre), min(genre), count(*) FROM new_rows GROUP BY 1 ORDER BY 1
    ON CONFLICT (genre_key) DO UPDATE
        SET movies = g.movies + excluded.movies, display = least(g.display, excluded.display);

    INSERT INTO year_stats AS y (year, movies)
    SELECT year, count(*) FROM new_rows WHERE year IS NOT NULL GROUP BY 1 ORDER BY 1
    ON CONFLICT (year) DO UPDATE SET movies = y.movies + excluded.movies;

    INSERT INTO rating_stats AS r (bucket, movies)
    SELECT floor(rating)::int, count(*) FROM new_rows WHERE rating IS NOT NULL GROUP BY 1 ORDER BY 1
    ON CONFLICT (bucket) DO UPDATE SET movies = r.movies + excluded.movies;
    RETURN NULL;
END $$;

CREATE FUNCTION movie_aggregates_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM movie_aggregates_apply(coalesce((
        SELECT jsonb_agg(jsonb_build_object('g', k, 'y', year, 'b', bucket, 'n', -n, 's', -s, 'd', NULL))
        FROM (SELECT lower(genre) AS k, year, floor(rating)::int AS bucket, count(*) AS n, sum(rating) AS s
              FROM old_rows GROUP BY 1, 2, 3) grouped), '[]'::jsonb));
    RETURN NULL;
END $$;

CREATE FUNCTION movie_aggregates_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM movie_aggregates_apply(coalesce((
        SELECT jsonb_agg(jsonb_build_object('g', k, 'y', year, 'b', bucket, 'n', n, 's', s, 'd', d))
        FROM (SELECT lower(genre) AS k, year, floor(rating)::int AS bucket,
                     sum(sign) AS n, sum(sign * rating) AS s, min(genre) AS d
              FROM (SELECT genre, year, rating, 1 AS sign FROM new_rows
                    UNION ALL SELECT genre, year, rating, -1 FROM old_rows) moved
              -- Old and new sides stay apart, so every key an update touched gets its display recounted.
              GROUP BY 1, 2, 3, sign) grouped), '[]'::jsonb));
    RETURN NULL;
END $$;

CREATE FUNCTION movie_aggregates_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE movie_stats SET total = 0, rated = 0, rating_sum = 0;
    DELETE FROM genre_stats;
    DELETE FROM year_stats;
    DELETE FROM rating_stats;
    RETURN NULL;
END $$;

-- The aggregate triggers replace the row counter's.
DROP TRIGGER movies_count_insert ON movies;
DROP TRIGGER movies_count_delete ON movies;
DROP TRIGGER movies_count_truncate ON movies;
DROP FUNCTION movie_stats_on_insert();
DROP FUNCTION movie_stats_on_delete();
DROP FUNCTION movie_stats_on_truncate();

CREATE TRIGGER movies_aggregates_insert AFTER INSERT ON movies
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION movie_aggregates_on_insert();
CREATE TRIGGER movies_aggregates_delete AFTER DELETE ON movies
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION movie_aggregates_on_delete();
CREATE TRIGGER movies_aggregates_update AFTER UPDATE ON movies
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION movie_aggregates_on_update();
CREATE TRIGGER movies_aggregates_truncate AFTER TRUNCATE ON movies
    FOR EACH STATEMENT EXECUTE FUNCTION movie_aggregates_on_truncate();

-- Backfill from the rows already there (the migration runs under its advisory lock; take the
-- table lock too so no insert slips between the counts and the triggers).
LOCK TABLE movies IN SHARE ROW EXCLUSIVE MODE;
UPDATE movie_stats SET
    total = (SELECT count(*) FROM movies),
    rated = (SELECT count(rating) FROM movies),
    rating_sum = (SELECT coalesce(sum(rating), 0) FROM movies);
INSERT INTO genre_stats (genre_key, display, movies)
    SELECT lower(genre), min(genre), count(*) FROM movies GROUP BY 1;
INSERT INTO year_stats (year, movies)
    SELECT year, count(*) FROM movies WHERE year IS NOT NULL GROUP BY 1;
INSERT INTO rating_stats (bucket, movies)
    SELECT floor(rating)::int, count(*) FROM movies WHERE rating IS NOT NULL GROUP BY 1;
