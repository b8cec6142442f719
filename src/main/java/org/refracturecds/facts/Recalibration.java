package org.refracturecds.facts;

/**
 * The model fitted to a centre's own patients (docs/MODEL.md, "Local recalibration"; table
 * Recalibration of rules/recalibration.drl.csv, which the calibrate command writes):
 * {@code logit p_local = a + b x logit p_model}, where p_model is the published model re-anchored
 * to {@code incidence}. With b fixed at 1 only the intercept a was fitted.
 *
 * <p>Its approximate interval keeps the published coefficients' uncertainty for the findings
 * (scaled by b) and replaces the intercept's and the re-anchoring's, which the centre's outcomes
 * now set, by the fit's own: Var = b^2 x_f' Sigma_ff x_f + Var(a) + L^2 Var(b) + 2 L Cov(a, b),
 * with x_f the factors' values and L the model's logit.
 */
public final class Recalibration {

    private final String id;
    private String modelVersion;
    private double a;
    private double standardErrorA;
    private double b;
    private double standardErrorB;
    private double covarianceAB;
    private double incidence;
    private int patients;
    private int vertebrae;
    private int events;
    private String fittedBy;
    private String fittedOn;
    private String basis;

    public Recalibration(String id) {
        this.id = id;
    }

    public String getId() { return id; }
    /** The Version of the model (the Calibration table's) that a and b were fitted to. */
    public String getModelVersion() { return modelVersion; }
    public void setModelVersion(String modelVersion) { this.modelVersion = modelVersion; }
    public double getA() { return a; }
    public void setA(double a) { this.a = a; }
    public double getStandardErrorA() { return standardErrorA; }
    public void setStandardErrorA(double standardErrorA) { this.standardErrorA = standardErrorA; }
    public double getB() { return b; }
    public void setB(double b) { this.b = b; }
    /** 0 when b was not fitted (fixed at 1). */
    public double getStandardErrorB() { return standardErrorB; }
    public void setStandardErrorB(double standardErrorB) { this.standardErrorB = standardErrorB; }
    public double getCovarianceAB() { return covarianceAB; }
    public void setCovarianceAB(double covarianceAB) { this.covarianceAB = covarianceAB; }
    /** The incidence the published model was re-anchored to when a and b were fitted. */
    public double getIncidence() { return incidence; }
    public void setIncidence(double incidence) { this.incidence = incidence; }
    /** The patients of the cohort the fit used. */
    public int getPatients() { return patients; }
    public void setPatients(int patients) { this.patients = patients; }
    /** Their treated vertebrae, the unit the model predicts for. */
    public int getVertebrae() { return vertebrae; }
    public void setVertebrae(int vertebrae) { this.vertebrae = vertebrae; }
    /** The refractures among the treated vertebrae. */
    public int getEvents() { return events; }
    public void setEvents(int events) { this.events = events; }
    public String getFittedBy() { return fittedBy; }
    public void setFittedBy(String fittedBy) { this.fittedBy = fittedBy; }
    /** The day of the fit, ISO 8601 (2026-05-01). */
    public String getFittedOn() { return fittedOn; }
    public void setFittedOn(String fittedOn) { this.fittedOn = fittedOn; }
    public String getBasis() { return basis; }
    public void setBasis(String basis) { this.basis = basis; }

    /** True when the slope b was fitted; false when it is fixed at 1 (too few events, MODEL.md). */
    public boolean slopeFitted() {
        return standardErrorB > 0;
    }

    /** The refracture rate of the cohort, refractures / treated vertebrae: what the relative risk is taken against. */
    public double observedIncidence() {
        return (double) events / vertebrae;
    }

    /** a + b x the model's logit. */
    public double apply(double modelLogit) {
        return a + b * modelLogit;
    }

    /** The variance of the recalibrated logit (see the class comment). */
    public double variance(double modelLogit, double factorVariance) {
        return b * b * factorVariance + standardErrorA * standardErrorA
                + modelLogit * modelLogit * standardErrorB * standardErrorB + 2 * modelLogit * covarianceAB;
    }

    /** "a = -0.412, b = 1 (fixed)" or "a = -0.412, b = 0.871": three significant figures. */
    public String describeFit() {
        return "a = " + Numbers.significant(a, 3).toPlainString() + ", b = "
                + (slopeFitted() ? Numbers.significant(b, 3).toPlainString() : Numbers.plain(b) + " (fixed)");
    }

    /** "400 patients, 412 treated vertebrae, 57 refractures; fitted by jdoe on 2026-05-01". */
    public String describeCohort() {
        return patients + " patients, " + vertebrae + " treated vertebrae, " + events + " refractures; fitted by "
                + fittedBy + " on " + fittedOn;
    }
}
