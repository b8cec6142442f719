package org.refracturecds.facts;

/**
 * Run-time settings the rules read. {@code incidence} is MODEL.md's tau, the refracture rate
 * the prediction is re-anchored to; null means the rule set's own default (the study's 48/1303).
 * {@code recalibrated} false sets aside a centre's recalibration of the rules (table
 * Recalibration), so that the published model answers: the scenarios written for it, and the
 * calibrate command, which always fits to the published model.
 */
public final class Settings {

    private final Double incidence;
    private final boolean recalibrated;

    public Settings(Double incidence) {
        this(incidence, true);
    }

    public Settings(Double incidence, boolean recalibrated) {
        this.incidence = incidence;
        this.recalibrated = recalibrated;
    }

    public Double getIncidence() { return incidence; }

    /** True when a recalibration in the rules applies (the default). */
    public boolean isRecalibrated() { return recalibrated; }

    /** The same settings with the published model: any recalibration in the rules set aside. */
    public Settings published() {
        return recalibrated ? new Settings(incidence, false) : this;
    }
}
