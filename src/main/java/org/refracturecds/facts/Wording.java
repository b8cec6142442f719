package org.refracturecds.facts;

import java.util.List;

/**
 * A sentence the cards say in a given situation (statements.drl.csv, table Wording), kept in the
 * rules so that clinicians can change it: what the model needs when no finding is on record, what
 * the outcome means.
 */
public final class Wording {

    public static final String NO_FINDINGS = "W-NO-FINDINGS";
    public static final String POST_OP_MISSING = "W-POST-OP-MISSING";
    public static final String OUTCOME = "W-OUTCOME";
    public static final String SITE_NOT_STUDIED = "W-SITE-NOT-STUDIED";
    /** "could be anywhere from {low} to {high}": the approximate interval in words. */
    public static final String CARD_INTERVAL = "W-CARD-INTERVAL";
    /** A pre-operative factor not reported: {finding}, {level}, {without}, {with}. */
    public static final String CARD_NOT_REPORTED = "W-CARD-NOT-REPORTED";
    public static final String CARD_CONDITIONS_UNKNOWN = "W-CARD-CONDITIONS-UNKNOWN";
    public static final String CARD_AGE_UNKNOWN = "W-CARD-AGE-UNKNOWN";
    /** The card's one line of limits. */
    public static final String CARD_LIMITS = "W-CARD-LIMITS";
    /** The label of the card's link to the page. */
    public static final String CARD_LINK = "W-CARD-LINK";
    /** What every result says when the rules hold a centre's recalibration; needed only then. */
    public static final String RECALIBRATED = "W-RECALIBRATED";
    /** The rows the service asks for: a rule set without one of them is refused at load. */
    public static final List<String> REQUIRED = List.of(NO_FINDINGS, POST_OP_MISSING, OUTCOME, SITE_NOT_STUDIED,
            CARD_INTERVAL, CARD_NOT_REPORTED, CARD_CONDITIONS_UNKNOWN, CARD_AGE_UNKNOWN, CARD_LIMITS, CARD_LINK);

    /** {@code text} with each {name} replaced by its value: fill("{low} to {high}", "low", "2%", "high", "70%"). */
    public static String fill(String text, String... namesAndValues) {
        String filled = text;
        for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
            filled = filled.replace("{" + namesAndValues[i] + "}", namesAndValues[i + 1]);
        }
        return filled;
    }

    private final String id;
    private String text;
    private String basis;

    public Wording(String id) {
        this.id = id;
    }

    public String getId() { return id; }
    public String getText() { return text; }
    public void setText(String text) { this.text = text; }
    public String getBasis() { return basis; }
    public void setBasis(String basis) { this.basis = basis; }
}
