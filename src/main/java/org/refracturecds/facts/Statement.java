package org.refracturecds.facts;

/**
 * A sentence the rule set states with its source: a limit of the model (stated with every
 * result) or what the paper found about a context finding that is not in the model.
 */
public final class Statement {

    private final String id;
    private String finding;
    private String text;
    private String basis;

    public Statement(String id) {
        this.id = id;
    }

    public String getId() { return id; }
    /** The finding code this statement is about, or null for a limit of the model. */
    public String getFinding() { return finding; }
    public void setFinding(String finding) { this.finding = finding; }
    public String getText() { return text; }
    public void setText(String text) { this.text = text; }
    public String getBasis() { return basis; }
    public void setBasis(String basis) { this.basis = basis; }
}
