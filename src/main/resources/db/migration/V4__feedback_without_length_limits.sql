-- An item with more than 108 accepted suggestions overflowed VARCHAR(4000) and was answered 500:
-- the list has no length limit now. outcome_timestamp takes the longest instant ISO 8601 allows
-- (+999999999-12-31T23:59:59.999999999+18:00 has 41 characters).
ALTER TABLE cds_feedback ALTER COLUMN accepted_suggestions SET DATA TYPE TEXT;
ALTER TABLE cds_feedback ALTER COLUMN outcome_timestamp SET DATA TYPE VARCHAR(64);
