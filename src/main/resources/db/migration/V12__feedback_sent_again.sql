-- Feedback sent again as it was (an EHR retrying a request whose answer it did not get, perhaps
-- while the first is still being committed, perhaps to another node) is stored once: each item
-- has a key, a SHA-256 (hex) of what it says, unique here. Rows stored before have none (NULL,
-- which a unique index does not compare).
ALTER TABLE cds_feedback ADD COLUMN item_key CHAR(64);
CREATE UNIQUE INDEX cds_feedback_item_key ON cds_feedback (item_key);
