package org.refracturecds.facts;

/**
 * How a finding becomes the value x a coefficient multiplies (rules/model.drl.csv): a category
 * maps to a fixed x (IVC present = 1), a measurement is divided by {@code per} (RR per 10 pp).
 */
public final class Coding {

    private final String factor;
    private String finding;
    private String value;
    private Double x;
    private Double per;
    private String label;
    private String basis;

    public Coding(String factor) {
        this.factor = factor;
    }

    public String getFactor() { return factor; }
    public String getFinding() { return finding; }
    public void setFinding(String finding) { this.finding = finding; }
    public String getValue() { return value; }
    public void setValue(String value) { this.value = value; }
    public Double getX() { return x; }
    public void setX(double x) { this.x = x; }
    public Double getPer() { return per; }
    public void setPer(double per) { this.per = per; }
    public String getLabel() { return label; }
    public void setLabel(String label) { this.label = label; }
    public String getBasis() { return basis; }
    public void setBasis(String basis) { this.basis = basis; }

    /** True for a coding of a measurement (x = quantity / per) rather than of a category. */
    public boolean isMeasured() { return per != null; }

    public double code(Finding finding) {
        return isMeasured() ? finding.getQuantity() / per : x;
    }
}
