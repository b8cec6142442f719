package org.refracturecds.facts;

/**
 * The model's intercept and the numbers that re-anchor it from the case-control sample to the
 * clinic (rules/model.drl.csv; the method is MODEL.md's, after King and Zeng 2001).
 *
 * <p>The study kept all {@code studyRefractures} refractures of its {@code cohort} patients but
 * only {@code studyControls} of the others, so the sample's probabilities are far too high. The
 * prior correction subtracts {@code ln[((1 - tau) / tau) (ybar / (1 - ybar))]} from the logit,
 * where ybar is the sample's refracture share and tau the incidence in the clinic.
 */
public final class Calibration {

    private final String model;
    private String version;
    private double intercept;
    private int studyRefractures;
    private int studyControls;
    private int cohort;
    private double z;
    private double level;
    private int horizonMonths;
    private String basis;
    private Recalibration recalibration;

    public Calibration(String model) {
        this.model = model;
    }

    public String getModel() { return model; }
    public String getVersion() { return version; }
    public void setVersion(String version) { this.version = version; }
    /** b0 on the sample scale (reconstructed: the paper does not publish it). */
    public double getIntercept() { return intercept; }
    public void setIntercept(double intercept) { this.intercept = intercept; }
    public int getStudyRefractures() { return studyRefractures; }
    public void setStudyRefractures(int studyRefractures) { this.studyRefractures = studyRefractures; }
    public int getStudyControls() { return studyControls; }
    public void setStudyControls(int studyControls) { this.studyControls = studyControls; }
    public int getCohort() { return cohort; }
    public void setCohort(int cohort) { this.cohort = cohort; }
    /** The normal quantile of the interval, 1.96 for 95%. */
    public double getZ() { return z; }
    public void setZ(double z) { this.z = z; }
    /** The interval's confidence level as the table states it, 0.95; must agree with z. */
    public double getLevel() { return level; }
    public void setLevel(double level) { this.level = level; }
    /** The level as the texts show it: "95%". */
    public String levelPercent() { return Numbers.plain(level * 100) + "%"; }

    /**
     * The level that z gives, 2 Phi(z) - 1 = erf(z / sqrt 2), by Abramowitz and Stegun 7.1.26
     * (error below 1.5e-7): enough to check that the table's z and level agree.
     */
    public double levelOfZ() {
        double x = Math.abs(z) / Math.sqrt(2);
        double t = 1 / (1 + 0.3275911 * x);
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        return 1 - poly * Math.exp(-x * x);
    }
    /** How far ahead the prediction looks (the study's minimum follow-up). */
    public int getHorizonMonths() { return horizonMonths; }
    public void setHorizonMonths(int horizonMonths) { this.horizonMonths = horizonMonths; }
    public String getBasis() { return basis; }
    public void setBasis(String basis) { this.basis = basis; }
    /** The fit to a centre's own patients (table Recalibration), or null: the published model. */
    public Recalibration getRecalibration() { return recalibration; }
    public void setRecalibration(Recalibration recalibration) { this.recalibration = recalibration; }

    /** The study's incidence, refractures over the whole cohort (48/1303). */
    public double defaultIncidence() {
        return (double) studyRefractures / cohort;
    }

    /** The prior-correction offset for incidence tau. */
    public double offset(double tau) {
        double ybar = (double) studyRefractures / (studyRefractures + studyControls);
        return Math.log(((1 - tau) / tau) * (ybar / (1 - ybar)));
    }

    /** The sampling variance the re-anchoring adds: 1/refractures + 1/non-refractures of the cohort. */
    public double anchoringVariance() {
        return 1.0 / studyRefractures + 1.0 / (cohort - studyRefractures);
    }
}
