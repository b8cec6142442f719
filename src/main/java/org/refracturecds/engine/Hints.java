package org.refracturecds.engine;

import java.util.List;
import java.util.regex.Pattern;

/** Plain-language hints for the compile errors a clinician editing the rules meets most. */
final class Hints {

    private record Hint(Pattern message, String text) {
    }

    private static final List<Hint> HINTS = List.of(
            new Hint(Pattern.compile("cannot be resolved to a variable|Syntax error on token|invalid number|"
                    + "NumberFormat", Pattern.CASE_INSENSITIVE),
                    "a cell that the table reads as a number holds something else: type only the number,"
                    + " with a point for decimals (0.05, 3.3003), no % sign or words"),
            new Hint(Pattern.compile("method .* is undefined|cannot be resolved to a type|Unable to resolve"
                    + " ObjectType|is undefined for the type", Pattern.CASE_INSENSITIVE),
                    "the code of this column names something that does not exist: the rows between"
                    + " RuleTable and the column names are code, leave them as they were"),
            new Hint(Pattern.compile("mismatched input|no viable alternative|extraneous input|missing \\S+ at|"
                    + "unterminated|String literal", Pattern.CASE_INSENSITIVE),
                    "a quote, bracket or comma is out of place: in a table, a cell's text needs no quotes;"
                    + " in a .drl file, compare the line with the rule above it"),
            new Hint(Pattern.compile("Duplicate rule name|already defined", Pattern.CASE_INSENSITIVE),
                    "two rules or two tables have the same name: give each its own"));

    private Hints() {
    }

    /** The hint for a compiler message, or null when none fits. */
    static String of(String message) {
        return HINTS.stream().filter(h -> h.message().matcher(message).find()).map(Hint::text).findFirst().orElse(null);
    }

    static String forTableLayout() {
        return "a cell lies outside the table's columns: look for an unbalanced quote (\") in this row, or a"
                + " value typed into a column that has no CONDITION or ACTION heading";
    }
}
