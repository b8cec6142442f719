package org.refracturecds.facts;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The model's answer for one vertebra under one set of factor values (MODEL.md, version 2):
 * logit p = b0 + sum(beta x) - offset(tau), with the approximate 95% interval
 * expit(logit +/- z sqrt(Var)), Var = x' Sigma x + (1/refractures + 1/non-refractures). When the
 * rules hold a centre's {@link Recalibration}, logit p = a + b x that logit, with the interval the
 * recalibration gives.
 *
 * <p>A prediction under an {@link Alternative} reconstruction of the model (the Sensitivity table)
 * is a point estimate only: the covariance belongs to the primary reconstruction, so it has no
 * interval. The primary prediction lists its alternatives.
 */
public final class Prediction {

    private final Vertebra vertebra;
    private final List<Term> terms;
    private final Calibration calibration;
    private final Alternative alternative;
    private final Recalibration recalibration;
    private final double incidence;
    private final double modelLogit;
    private final double logit;
    private final double variance;
    private List<Prediction> alternatives = List.of();
    private Band band;

    private Prediction(Vertebra vertebra, List<Term> terms, Calibration calibration, Covariance covariance,
                       double incidence, Alternative alternative, Recalibration recalibration) {
        this.vertebra = vertebra;
        this.terms = terms;
        this.calibration = calibration;
        this.alternative = alternative;
        this.recalibration = recalibration;
        this.incidence = alternative == null ? incidence : alternative.incidence(incidence);
        double sampleLogit = alternative == null ? calibration.getIntercept() : alternative.intercept(calibration.getIntercept());
        Map<String, Double> x = alternative == null ? new HashMap<>() : null;
        for (Term term : terms) {
            if (alternative == null) {
                sampleLogit += term.getContribution();
                x.put(term.getFactor(), term.getX());
            } else {
                sampleLogit += alternative.beta(term.getCoefficient()) * alternative.x(term);
            }
        }
        this.modelLogit = sampleLogit - calibration.offset(this.incidence);
        this.logit = recalibration == null ? modelLogit : recalibration.apply(modelLogit);
        if (alternative != null) {
            this.variance = Double.NaN;
        } else if (recalibration == null) {
            this.variance = covariance.variance(x) + calibration.anchoringVariance();
        } else {
            this.variance = recalibration.variance(modelLogit, covariance.factorVariance(x));
        }
    }

    /**
     * Sums the model over the given terms, re-anchored to the settings' incidence or the default;
     * with a recalibration in the rules (unless the settings set it aside), re-anchored to the
     * incidence it was fitted at and recalibrated.
     */
    public static Prediction of(Vertebra vertebra, Calibration calibration, Covariance covariance, Settings settings,
                                Term... terms) {
        Recalibration recalibration = settings.isRecalibrated() ? calibration.getRecalibration() : null;
        double tau = recalibration != null ? recalibration.getIncidence()
                : settings.getIncidence() != null ? settings.getIncidence() : calibration.defaultIncidence();
        return new Prediction(vertebra, List.of(terms), calibration, covariance, tau, null, recalibration);
    }

    /**
     * Estimates the same findings under each alternative reconstruction, in the order given, and
     * bands each estimate as the band rule does ({@link Band#of}). Plain arithmetic, not rules:
     * the estimates are shown beside this prediction, and no rule reasons on them.
     */
    public void estimateUnder(List<Alternative> others, List<Band> bands) {
        List<Prediction> estimates = new ArrayList<>(others.size());
        for (Alternative other : others) {
            Prediction estimate = new Prediction(vertebra, terms, calibration, null, incidence, other, recalibration);
            estimate.band = Band.of(bands, estimate.getProbability());
            estimates.add(estimate);
        }
        alternatives = List.copyOf(estimates);
    }

    public Vertebra getVertebra() { return vertebra; }
    public List<Term> getTerms() { return terms; }
    public Calibration getCalibration() { return calibration; }
    /** The alternative reconstruction this estimate is under, or null for the primary one. */
    public Alternative getAlternative() { return alternative; }
    /** The estimates under each alternative reconstruction, in the Sensitivity table's order. */
    public List<Prediction> getAlternatives() { return alternatives; }

    /** The estimate under {@code other}, or null when it was not estimated under it. */
    public Prediction under(Alternative other) {
        return alternatives.stream().filter(p -> p.alternative == other).findFirst().orElse(null);
    }
    public double getIncidence() { return incidence; }
    public double getOffset() { return calibration.offset(incidence); }
    /** The logit: the model's, recalibrated when {@link #getRecalibration()} is not null. */
    public double getLogit() { return logit; }
    /** The published model's logit, before any recalibration. */
    public double getModelLogit() { return modelLogit; }
    /** The centre's recalibration this prediction went through, or null. */
    public Recalibration getRecalibration() { return recalibration; }
    public double getProbability() { return expit(logit); }
    public double getLow() { return expit(logit - calibration.getZ() * Math.sqrt(variance)); }
    public double getHigh() { return expit(logit + calibration.getZ() * Math.sqrt(variance)); }
    /**
     * The probability relative to the incidence the model is anchored to; when recalibrated, to
     * the refracture rate of the centre's cohort.
     */
    public double getRelativeRisk() {
        return getProbability() / (recalibration == null ? incidence : recalibration.observedIncidence());
    }

    /**
     * The recalibration as arithmetic, after the model's logit: "recalibrated to this centre:
     * a + b x logit = -0.412 + 1 x (-2.810) = -3.222". Empty without a recalibration.
     */
    public String describeRecalibration() {
        if (recalibration == null) {
            return "";
        }
        return "recalibrated to this centre: a + b x logit = " + Numbers.signed(recalibration.getA()) + " + "
                + Numbers.significant(recalibration.getB(), 3).toPlainString() + " x (" + Numbers.signed(modelLogit)
                + ") = " + Numbers.signed(logit);
    }
    public Band getBand() { return band; }
    public void setBand(Band band) { this.band = band; }

    /**
     * "19% (approximate 95% interval 1.8% to 76%)": approximate, as MODEL.md asks wherever the
     * interval is shown; never 0% or 100% ({@link Numbers#probability}).
     */
    public String describeProbability() {
        return Numbers.probability(getProbability()) + " (approximate " + calibration.levelPercent() + " interval "
                + Numbers.probability(getLow()) + " to " + Numbers.probability(getHigh()) + ")";
    }

    /** True when any factor was assumed or set by a scenario rather than observed. */
    public boolean isHypothetical() {
        return terms.stream().anyMatch(t -> !t.getFinding().isFactual());
    }

    /** The assumptions behind a hypothetical prediction: "if intravertebral cleft present; RR 5 pp". */
    public String describeAssumptions() {
        return String.join("; ", terms.stream().filter(t -> !t.getFinding().isFactual())
                .map(t -> (t.getFinding().getOrigin() == Finding.Origin.ASSUMED ? "if " : "") + t.describe())
                .toList());
    }

    /** The technique scenario this prediction belongs to, or null. */
    public String getScenario() {
        return terms.stream().map(Term::getScenario).filter(s -> s != null).findFirst().orElse(null);
    }

    static double expit(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
