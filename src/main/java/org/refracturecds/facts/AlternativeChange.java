package org.refracturecds.facts;

import java.util.List;

/**
 * One row of the Sensitivity table (rules/model.drl.csv): one change an alternative
 * reconstruction of the model makes. Rows with the same id form one {@link Alternative}; the rule
 * set checks them and groups them at load.
 */
public final class AlternativeChange {

    /** What a row may change: b0, the incidence tau, a factor's beta, or a factor's x for one finding value. */
    public static final List<String> KINDS = List.of("intercept", "incidence", "beta", "coding");

    private final String alternative;
    private String label;
    private String change;
    private String factor;
    private String value;
    private Double number;
    private String why;
    private String basis;

    public AlternativeChange(String alternative) {
        this.alternative = alternative;
    }

    public String getAlternative() { return alternative; }
    /** The alternative in words, as the cards put it: "Under {label} this would be ...". */
    public String getLabel() { return label; }
    public void setLabel(String label) { this.label = label; }
    /** One of {@link #KINDS}. */
    public String getChange() { return change; }
    public void setChange(String change) { this.change = change; }
    /** The factor whose beta or coding changes (beta and coding rows). */
    public String getFactor() { return factor; }
    public void setFactor(String factor) { this.factor = factor; }
    /** The finding value whose x changes (coding rows). */
    public String getValue() { return value; }
    public void setValue(String value) { this.value = value; }
    /** The new b0, incidence (0 to 1), beta (ln OR) or x. */
    public Double getNumber() { return number; }
    public void setNumber(double number) { this.number = number; }
    public String getWhy() { return why; }
    public void setWhy(String why) { this.why = why; }
    public String getBasis() { return basis; }
    public void setBasis(String basis) { this.basis = basis; }
}
