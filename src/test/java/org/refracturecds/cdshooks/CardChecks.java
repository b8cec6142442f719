package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What every card the tests receive must be, checked on each reply of {@link RunningService}: a
 * detail a surgeon reads in seconds (at most {@value #ONE_LEVEL} characters for one level, and
 * {@value #EACH_MORE_LEVEL} more for each further level), in plain words: no HTML entities, no
 * rule ids or rule-engine names, no space between a number and its per cent sign.
 */
final class CardChecks {

    static final int ONE_LEVEL = 1500;
    static final int EACH_MORE_LEVEL = 700;
    private static final Pattern LEVEL_HEADLINE = Pattern.compile("\\*\\*[TL]\\d+, (before|after) PVP: ");
    private static final List<Pattern> NOT_PLAIN = List.of(
            Pattern.compile("&(lt|gt|amp|quot|#\\d+);"),
            Pattern.compile("\\bG-[A-Z]{2,}"),
            Pattern.compile("Guidance_\\d"),
            Pattern.compile("\\d %"));

    private CardChecks() {
    }

    /** The detail's length in characters (code points), as an EHR counts what it shows. */
    static int length(JsonNode card) {
        String detail = card.path("detail").asText();
        return detail.codePointCount(0, detail.length());
    }

    /** The levels a card's detail gives an estimate for. */
    static int levels(JsonNode card) {
        return (int) LEVEL_HEADLINE.matcher(card.path("detail").asText()).results().count();
    }

    static void check(JsonNode card) {
        String detail = card.path("detail").asText();
        int limit = ONE_LEVEL + EACH_MORE_LEVEL * Math.max(0, levels(card) - 1);
        assertTrue(length(card) <= limit, "a card of " + levels(card) + " level(s) has " + length(card)
                + " characters, more than " + limit + ":\n" + detail);
        String words = detail.replaceAll("\\]\\([^)]*\\)", "]"); // a link's address may hold anything
        for (Pattern pattern : NOT_PLAIN) {
            assertFalse(pattern.matcher(words).find(), "the card shows '" + pattern + "':\n" + detail);
            assertFalse(pattern.matcher(card.path("summary").asText()).find(), card.path("summary").asText());
        }
    }
}
