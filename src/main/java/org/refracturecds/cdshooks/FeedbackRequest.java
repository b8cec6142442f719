package org.refracturecds.cdshooks;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.refracturecds.store.Feedback;

import com.fasterxml.jackson.databind.JsonNode;

/** The body of {@code POST /cds-services/{id}/feedback}: what the clinician did with each card. */
final class FeedbackRequest {

    private static final Pattern UUID = Pattern.compile(HookRequest.UUID_TEXT);
    private static final int MAX_ITEMS = 100;
    private static final int MAX_COMMENT = 2000;
    /** How far ahead of this service's clock an EHR's may be. */
    private static final Duration CLOCKS_DIFFER = Duration.ofDays(1);
    /** The year CDS Hooks 1.0 was published (https://cds-hooks.hl7.org/1.0/): no card is older. */
    private static final int FIRST_CARDS = 2019;

    private FeedbackRequest() {
    }

    /**
     * Reads {@code {"feedback": [...]}} as the spec shapes it; 400 with the JSON path on anything else.
     *
     * @param now when the feedback arrived: an outcome cannot be later, give or take the clocks' difference
     */
    static List<Feedback> parse(JsonNode body, Instant now) {
        JsonNode items = body == null ? null : body.get("feedback");
        if (items == null || !items.isArray() || items.isEmpty() || items.size() > MAX_ITEMS) {
            throw HookRequest.bad("PVP-H601", "feedback", "must be an array of 1 to " + MAX_ITEMS + " feedback items");
        }
        List<Feedback> feedback = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            feedback.add(item(items.get(i), "feedback[" + i + "].", now));
        }
        return feedback;
    }

    private static Feedback item(JsonNode item, String at, Instant now) {
        String card = uuid(item.get("card"), at + "card");
        String outcome = item.path("outcome").asText();
        if (!outcome.equals("accepted") && !outcome.equals("overridden")) {
            throw HookRequest.bad("PVP-H602", at + "outcome", "must be accepted or overridden");
        }
        List<String> accepted = new ArrayList<>();
        JsonNode suggestions = item.get("acceptedSuggestions");
        if (suggestions != null && !suggestions.isNull()) {
            if (!suggestions.isArray() || outcome.equals("overridden")) {
                throw HookRequest.bad("PVP-H603", at + "acceptedSuggestions", "must be an array of {\"id\": uuid},"
                        + " sent only with outcome accepted");
            }
            for (int j = 0; j < suggestions.size(); j++) {
                accepted.add(uuid(suggestions.get(j).get("id"), at + "acceptedSuggestions[" + j + "].id"));
            }
        }
        String code = null;
        String comment = null;
        JsonNode override = item.get("overrideReason");
        if (override != null && !override.isNull()) {
            if (!outcome.equals("overridden") || !override.isObject()) {
                throw HookRequest.bad("PVP-H604", at + "overrideReason", "must be an object, sent only with outcome"
                        + " overridden");
            }
            JsonNode reason = override.path("reason");
            code = reason.path("code").asText();
            if (!CardWriter.OVERRIDE_REASONS.equals(reason.path("system").asText())
                    || !CardWriter.OVERRIDE_REASON_CODES.containsKey(code)) {
                throw HookRequest.bad("PVP-H604", at + "overrideReason.reason", "must be one of the card's"
                        + " overrideReasons: system " + CardWriter.OVERRIDE_REASONS + ", code one of "
                        + String.join(", ", CardWriter.OVERRIDE_REASON_CODES.keySet()));
            }
            JsonNode text = override.get("userComment");
            if (text != null && !text.isNull()) {
                if (!text.isTextual() || text.asText().codePointCount(0, text.asText().length()) > MAX_COMMENT) {
                    throw HookRequest.bad("PVP-H604", at + "overrideReason.userComment", "must be text of at most "
                            + MAX_COMMENT + " characters");
                }
                comment = text.asText();
            }
        }
        String timestamp = item.path("outcomeTimestamp").asText();
        OffsetDateTime when;
        try {
            when = OffsetDateTime.parse(timestamp);
        } catch (DateTimeParseException e) {
            throw HookRequest.bad("PVP-H605", at + "outcomeTimestamp", "must be an instant with its offset, e.g."
                    + " 2026-01-15T09:30:00Z");
        }
        if (when.toInstant().isAfter(now.plus(CLOCKS_DIFFER))) {
            throw HookRequest.bad("PVP-H605", at + "outcomeTimestamp", "is " + timestamp + ", more than a day after this"
                    + " service's clock (" + now + "): send when the clinician acted");
        }
        if (when.getYear() < FIRST_CARDS) {
            throw HookRequest.bad("PVP-H605", at + "outcomeTimestamp", "is " + timestamp + ", before " + FIRST_CARDS
                    + ", when CDS Hooks 1.0 was published: no card of this service is that old; send when the clinician"
                    + " acted");
        }
        return new Feedback(card, outcome, List.copyOf(accepted), code, comment, timestamp);
    }

    private static String uuid(JsonNode value, String where) {
        if (value == null || !value.isTextual() || !UUID.matcher(value.asText()).matches()) {
            throw HookRequest.bad("PVP-H606", where, "must be the uuid of a card or suggestion this service sent");
        }
        return value.asText();
    }
}
