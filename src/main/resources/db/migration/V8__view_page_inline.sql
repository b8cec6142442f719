-- The page's data as a bounded VARCHAR rather than TEXT: H2 keeps TEXT (a CLOB) longer than a few
-- hundred characters in its separate LOB store, which cost every card a LOB write; a VARCHAR is
-- kept in the row. PostgreSQL stores both alike. A page has about 20,000 characters a vertebra, so
-- a million is room for every level the model covers (ViewPages.LONGEST).
ALTER TABLE view_page ALTER COLUMN page SET DATA TYPE VARCHAR(1000000);
