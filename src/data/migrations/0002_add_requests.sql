-- Which add request created a movie: a redelivered queue message finds its own row
-- and reports "created" again instead of "duplicate".
ALTER TABLE movies ADD COLUMN request_id uuid;
CREATE UNIQUE INDEX movies_request_id ON movies (request_id);
