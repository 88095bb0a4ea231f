-- Filtering by genres (case-insensitive) and a minimum rating, and counting the matches,
-- can be answered from this one index; it replaces the genre-only index.
CREATE INDEX movies_genre_rating ON movies (lower(genre), rating);
DROP INDEX movies_genre_key;
