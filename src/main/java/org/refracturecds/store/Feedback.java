package org.refracturecds.store;

import java.util.List;

/**
 * One item of CDS Hooks feedback as stored: what the clinician did with a card.
 *
 * @param card                the card's uuid
 * @param outcome             accepted or overridden
 * @param acceptedSuggestions the uuids of the suggestions taken
 * @param overrideCode        the override reason's code, or null
 * @param userComment         the clinician's comment on the override, or null
 * @param outcomeTimestamp    when the clinician acted, ISO 8601 as sent
 */
public record Feedback(String card, String outcome, List<String> acceptedSuggestions, String overrideCode,
                       String userComment, String outcomeTimestamp) {
}
