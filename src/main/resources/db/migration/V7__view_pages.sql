-- The surgeon's pages that assessment cards link to (/view/...): the page's data, kept under a
-- random id until its link expires, so that any node sharing this database can show it. A card's
-- link names only the id (no patient data) with its expiry and signature. Rows are purged after
-- they expire. The data is the assessment's (findings, Observation ids, estimates): patient data,
-- kept for the link's lifetime only (setting view.linkMinutes).
CREATE TABLE view_page (
  -- 32 random bytes, base64url without padding
  page_id CHAR(43) PRIMARY KEY,
  expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
  -- the page's data as JSON (view/PageData)
  page TEXT NOT NULL
);
CREATE INDEX view_page_expires_at ON view_page (expires_at);
