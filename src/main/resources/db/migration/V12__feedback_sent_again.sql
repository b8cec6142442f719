-- Feedback sent again as it was (an EHR retrying a request whose answer it did not get) is stored
-- once: FeedbackStore looks for the same item of the same card before it inserts, by this index.
CREATE INDEX cds_feedback_card_uuid ON cds_feedback (card_uuid);
