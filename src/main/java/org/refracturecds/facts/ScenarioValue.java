package org.refracturecds.facts;

/**
 * One post-operative finding as a technique scenario sets it (rules/scenarios.drl.csv), so that
 * before PVP the surgeon sees the risk for a given cement fill and height restoration.
 */
public final class ScenarioValue {

    private final String scenario;
    private String label;
    private String finding;
    private String value;
    private Double quantity;
    private String favourable;
    private String basis;

    public ScenarioValue(String scenario) {
        this.scenario = scenario;
    }

    public String getScenario() { return scenario; }
    public String getLabel() { return label; }
    public void setLabel(String label) { this.label = label; }
    public String getFinding() { return finding; }
    public void setFinding(String finding) { this.finding = finding; }
    public String getValue() { return value; }
    public void setValue(String value) { this.value = value; }
    public Double getQuantity() { return quantity; }
    public void setQuantity(double quantity) { this.quantity = quantity; }
    /** The Favourable column as written: "yes" on the rows of the one scenario whose band is the vertebra's before PVP. */
    public String getFavourableMark() { return favourable; }
    public void setFavourable(String mark) { this.favourable = mark; }
    /** True for the favourable scenario (MODEL.md: what the patient carries even with good technique). */
    public boolean isFavourable() { return favourable != null && favourable.strip().equalsIgnoreCase("yes"); }
    public String getBasis() { return basis; }
    public void setBasis(String basis) { this.basis = basis; }
}
