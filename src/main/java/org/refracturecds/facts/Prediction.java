package org.refracturecds.facts;

import java.util.List;

/**
 * The model's answer for one vertebra under one set of factor values (MODEL.md):
 * logit p = b0 + sum(beta x) - offset(tau), with the 95% interval from
 * Var = Var(a_c) + sum(((x - m) SE)^2) + (1/48 + 1/1255).
 */
public final class Prediction {

    private final Vertebra vertebra;
    private final List<Term> terms;
    private final Calibration calibration;
    private final double incidence;
    private final double logit;
    private final double variance;
    private Band band;

    private Prediction(Vertebra vertebra, List<Term> terms, Calibration calibration, double incidence) {
        this.vertebra = vertebra;
        this.terms = List.copyOf(terms);
        this.calibration = calibration;
        this.incidence = incidence;
        double sampleLogit = calibration.getIntercept();
        double spread = calibration.getInterceptVariance() + calibration.anchoringVariance();
        for (Term term : terms) {
            sampleLogit += term.getContribution();
            Coefficient c = term.getCoefficient();
            double away = (term.getX() - c.getSampleMean()) * c.getStandardError();
            spread += away * away;
        }
        this.logit = sampleLogit - calibration.offset(incidence);
        this.variance = spread;
    }

    /** Sums the model over the given terms, re-anchored to the settings' incidence or the default. */
    public static Prediction of(Vertebra vertebra, Calibration calibration, Settings settings, Term... terms) {
        double tau = settings.getIncidence() != null ? settings.getIncidence() : calibration.defaultIncidence();
        return new Prediction(vertebra, List.of(terms), calibration, tau);
    }

    public Vertebra getVertebra() { return vertebra; }
    public List<Term> getTerms() { return terms; }
    public Calibration getCalibration() { return calibration; }
    public double getIncidence() { return incidence; }
    public double getOffset() { return calibration.offset(incidence); }
    public double getLogit() { return logit; }
    public double getProbability() { return expit(logit); }
    public double getLow() { return expit(logit - calibration.getZ() * Math.sqrt(variance)); }
    public double getHigh() { return expit(logit + calibration.getZ() * Math.sqrt(variance)); }
    /** The probability relative to the incidence the model is anchored to. */
    public double getRelativeRisk() { return getProbability() / incidence; }
    public Band getBand() { return band; }
    public void setBand(Band band) { this.band = band; }

    /** "19% (95% interval 2.4% to 70%)". */
    public String describeProbability() {
        return Numbers.percent(getProbability()) + " (" + calibration.levelPercent() + " interval " + Numbers.percent(getLow()) + " to "
                + Numbers.percent(getHigh()) + ")";
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
