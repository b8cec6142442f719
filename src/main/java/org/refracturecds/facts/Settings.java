package org.refracturecds.facts;

/**
 * Run-time settings the rules read. {@code incidence} is MODEL.md's tau, the refracture rate
 * the prediction is re-anchored to; null means the rule set's own default (the study's 48/1303).
 */
public final class Settings {

    private final Double incidence;

    public Settings(Double incidence) {
        this.incidence = incidence;
    }

    public Double getIncidence() { return incidence; }
}
