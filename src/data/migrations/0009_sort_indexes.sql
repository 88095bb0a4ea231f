-- Issue 16: filter and search sort by title, rating or year, each way, keyset-paged. Every order is
-- one ascending key (no rating / no year last in both directions), then title, id, so a page is one
-- row comparison that walks one of these indexes and stops; the expressions match
-- data/movie_reads.py SORT_KEYS exactly. Rating desc is movies_rank (0002); title either way is
-- movies_title_order (0005) read forwards or backwards.
-- Genre-leading variants are left out on purpose: the filter's `lower(genre) = ANY(...)` cannot
-- return rows in key order from them (PostgreSQL 18 planned none of them on a test table), so they
-- would only slow every insert; a genre filter walks these and skips, or for a rare genre reads
-- movies_genre_rating and sorts its few rows.
CREATE INDEX movies_rating_up ON movies ((coalesce(rating, 11)), title, id);
CREATE INDEX movies_year_down ON movies ((-coalesce(year, -1)), title, id);
CREATE INDEX movies_year_up ON movies ((coalesce(year, 9999)), title, id);
-- The dashboard's newest addition: ORDER BY created_at DESC, id DESC LIMIT 1.
CREATE INDEX movies_newest ON movies (created_at DESC, id DESC);
