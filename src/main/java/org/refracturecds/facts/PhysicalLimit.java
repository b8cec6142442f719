package org.refracturecds.facts;

/**
 * The values a measured finding can physically have (rules/vocabulary.drl.csv), in its canonical
 * unit. An Observation outside them is a data error, not a patient: it is left out and named.
 */
public final class PhysicalLimit {

    private final String finding;
    private double lowest;
    private double highest;
    private String why;
    private String basis;

    public PhysicalLimit(String finding) {
        this.finding = finding;
    }

    public String getFinding() { return finding; }
    public double getLowest() { return lowest; }
    public void setLowest(double lowest) { this.lowest = lowest; }
    public double getHighest() { return highest; }
    public void setHighest(double highest) { this.highest = highest; }
    public String getWhy() { return why; }
    public void setWhy(String why) { this.why = why; }
    public String getBasis() { return basis; }
    public void setBasis(String basis) { this.basis = basis; }

    public boolean allows(double value) {
        return value >= lowest && value <= highest;
    }
}
