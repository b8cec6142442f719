package org.refracturecds.facts;

/** One factor's part in the logit: x from the finding's coding, times the coefficient. */
public final class Term {

    private final Finding finding;
    private final Coding coding;
    private final Coefficient coefficient;
    private final double x;

    public Term(Finding finding, Coding coding, Coefficient coefficient) {
        this.finding = finding;
        this.coding = coding;
        this.coefficient = coefficient;
        this.x = coding.code(finding);
    }

    public Vertebra getVertebra() { return finding.getVertebra(); }
    public String getFactor() { return coefficient.getFactor(); }
    public Finding getFinding() { return finding; }
    public Coding getCoding() { return coding; }
    public Coefficient getCoefficient() { return coefficient; }
    public double getX() { return x; }
    public double getContribution() { return coefficient.getBeta() * x; }
    public String getScenario() { return finding.getScenario(); }


    /** "intravertebral cleft present", "reduction rate 12.5%" */
    public String describe() {
        if (coding.isMeasured()) {
            return coefficient.getLabel() + " " + Numbers.withUnit(finding.getQuantity(), finding.getUnit());
        }
        return coding.getLabel();
    }
}
