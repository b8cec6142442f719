package org.refracturecds.facts;

/**
 * One check of whether the patient is like the study's (rules/applicability.drl.csv): the notice
 * code, the range it checks where it checks one, and what the notice says, with its source.
 */
public final class Applicability {

    private final String id;
    private String code;
    private Double lowest;
    private Double highest;
    private String text;
    private String basis;

    public Applicability(String id) {
        this.id = id;
    }

    public String getId() { return id; }
    public String getCode() { return code; }
    public void setCode(String code) { this.code = code; }
    /** The lowest value within the study, or null when the check has no lower end. */
    public Double getLowest() { return lowest; }
    public void setLowest(double lowest) { this.lowest = lowest; }
    public Double getHighest() { return highest; }
    public void setHighest(double highest) { this.highest = highest; }
    public String getText() { return text; }
    public void setText(String text) { this.text = text; }
    public String getBasis() { return basis; }
    public void setBasis(String basis) { this.basis = basis; }

    /** True when the value lies outside the range. */
    public boolean outside(double value) {
        return (lowest != null && value < lowest) || (highest != null && value > highest);
    }

    /** The notice: "{subject} {text} [source]". */
    public Notice notice(String where, String subject) {
        return Notice.warning(code, where, subject + " " + text + " [" + basis + "]");
    }
}
