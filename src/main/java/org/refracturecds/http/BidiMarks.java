package org.refracturecds.http;

import java.util.regex.Pattern;

/**
 * The invisible marks that embed, override or isolate a direction of text (Unicode's bidirectional
 * controls). Text from the input shown to a person goes without them: one such mark in a display
 * ("T12" followed by U+202E) would show what follows it reversed, so a card or a page could say
 * other than what was sent.
 */
public final class BidiMarks {

    private static final Pattern MARKS = Pattern.compile("[\\u200E\\u200F\\u061C\\u202A-\\u202E\\u2066-\\u2069]");

    private BidiMarks() {
    }

    /** {@code text} without its bidirectional controls. */
    public static String dropped(String text) {
        return MARKS.matcher(text).replaceAll("");
    }
}
