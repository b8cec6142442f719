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
    /** The rows the service asks for: a rule set without one of them is refused at load. */
    public static final List<String> REQUIRED = List.of(NO_FINDINGS, POST_OP_MISSING, OUTCOME, SITE_NOT_STUDIED);

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
