-- The files of each published rules version: the rules folder as it was compiled, its tests/
-- (the scenarios) included, so that a node whose rules folder is not shared, or that has none,
-- loads the published version from here. Rows are never changed.
--   SELECT path, OCTET_LENGTH(content) FROM rules_file WHERE rules_version_id = 7 ORDER BY path;
CREATE TABLE rules_file (
  rules_version_id BIGINT NOT NULL REFERENCES rules_version (id),
  -- the path inside the rules folder, folders separated by /, e.g. tests/before-pvp.yaml
  path VARCHAR(500) NOT NULL,
  -- the file's bytes as they were compiled (text files in UTF-8; an .xlsx table as it is)
  content BYTEA NOT NULL,
  PRIMARY KEY (rules_version_id, path)
);
