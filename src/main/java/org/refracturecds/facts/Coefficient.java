package org.refracturecds.facts;

/** One risk factor of the model: its coefficient and standard error (rules/model.drl.csv). */
public final class Coefficient {

    private final String factor;
    private String label;
    private String finding;
    private String timing;
    private double beta;
    private double standardError;
    private String basis;

    public Coefficient(String factor) {
        this.factor = factor;
    }

    public String getFactor() { return factor; }
    public String getLabel() { return label; }
    public void setLabel(String label) { this.label = label; }
    /** The pvp-findings code that measures this factor. */
    public String getFinding() { return finding; }
    public void setFinding(String finding) { this.finding = finding; }
    /** pre-operative (from MRI before PVP) or post-operative (from films after the cement). */
    public String getTiming() { return timing; }
    public void setTiming(String timing) { this.timing = timing; }
    public double getBeta() { return beta; }
    public void setBeta(double beta) { this.beta = beta; }
    public double getStandardError() { return standardError; }
    public void setStandardError(double standardError) { this.standardError = standardError; }
    public String getBasis() { return basis; }
    public void setBasis(String basis) { this.basis = basis; }

    public double getOddsRatio() { return Math.exp(beta); }
}
