package org.refracturecds.facts;

/** One factor's part in the logit: x from the finding's coding, times the coefficient. */
public final class Term {

    private final Finding finding;
    private final Coding coding;
    private final Coefficient coefficient;
    private final double x;
    /** The measurement the model is given instead of the finding's, or null: see {@link #at}. */
    private final Double takenAs;

    public Term(Finding finding, Coding coding, Coefficient coefficient) {
        this(finding, coding, coefficient, null);
    }

    private Term(Finding finding, Coding coding, Coefficient coefficient, Double takenAs) {
        this.finding = finding;
        this.coding = coding;
        this.coefficient = coefficient;
        this.takenAs = takenAs;
        this.x = takenAs == null ? coding.code(finding) : takenAs / coding.getPer();
    }

    /**
     * A measured finding given to the model as {@code measurement} instead of its own value: a value
     * beyond the study's, where the model's straight line was never tested, is not followed into
     * a lower risk (pipeline.drl).
     */
    public static Term at(Finding finding, Coding coding, Coefficient coefficient, double measurement) {
        return new Term(finding, coding, coefficient, measurement);
    }

    public Vertebra getVertebra() { return finding.getVertebra(); }
    public String getFactor() { return coefficient.getFactor(); }
    public Finding getFinding() { return finding; }
    public Coding getCoding() { return coding; }
    public Coefficient getCoefficient() { return coefficient; }
    public double getX() { return x; }
    /** The measurement the model was given: the finding's, or what {@link #at} gave instead. */
    public double getMeasurement() { return takenAs != null ? takenAs : finding.getQuantity(); }
    public double getContribution() { return coefficient.getBeta() * x; }
    public String getScenario() { return finding.getScenario(); }


    /** "intravertebral cleft present", "reduction rate 12.5%" */
    public String describe() {
        if (coding.isMeasured()) {
            return coefficient.getLabel() + " " + Numbers.withUnit(finding.getQuantity(), finding.getUnit())
                    + (takenAs == null ? "" : " (estimated at " + Numbers.withUnit(takenAs, finding.getUnit()) + ")");
        }
        return coding.getLabel();
    }
}
