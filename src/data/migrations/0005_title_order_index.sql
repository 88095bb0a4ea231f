-- Title order for search: with it the planner walks titles in order for broad terms ("a",
-- "harbor") and stops after a page, and keeps the trigram index for selective ones.
CREATE INDEX movies_title_order ON movies (title, id);
