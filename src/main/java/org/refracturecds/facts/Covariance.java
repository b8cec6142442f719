package org.refracturecds.facts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The covariance matrix Sigma of the model's coefficients (b0 and each factor's beta, on the
 * sample scale), from the Covariance table of rules/model.drl.csv, checked at load to be square
 * over exactly the model's terms, symmetric and positive definite.
 *
 * <p>Why a full matrix (MODEL.md, version 2): the published odds ratios come from one
 * multivariable fit, so their errors are correlated; treating them as independent understates the
 * interval for patients far from the study's means.
 */
public final class Covariance {

    /** The intercept's term: its x is always 1. */
    public static final String INTERCEPT = "b0";

    private final List<String> terms;
    private final double[][] sigma;
    private final String basis;

    /**
     * @param sigma   sigma[i][j] is the covariance of terms i and j
     * @param sources the Source of each term's row, in the order of the terms
     */
    public Covariance(List<String> terms, double[][] sigma, List<String> sources) {
        this.terms = List.copyOf(terms);
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < terms.size(); i++) {
            rows.add(terms.get(i) + ": " + sources.get(i));
        }
        this.basis = String.join("; ", rows);
        this.sigma = new double[terms.size()][];
        for (int i = 0; i < terms.size(); i++) {
            this.sigma[i] = sigma[i].clone();
        }
    }

    public List<String> getTerms() { return terms; }

    /** Where the matrix comes from, row by row, as the table's Source column says: "b0: ...; IVC: ...". */
    public String getBasis() { return basis; }

    /** Var(logit p) = x' Sigma x, x being 1 for b0 and each factor's coded value, by factor. */
    public double variance(Map<String, Double> x) {
        double variance = 0;
        for (int i = 0; i < terms.size(); i++) {
            for (int j = 0; j < terms.size(); j++) {
                variance += xOf(terms.get(i), x) * xOf(terms.get(j), x) * sigma[i][j];
            }
        }
        return variance;
    }

    /**
     * x' Sigma x over the factors alone, without the intercept: the part of the variance that a
     * recalibration to a centre's outcomes, which sets the intercept anew, keeps ({@link Recalibration}).
     */
    public double factorVariance(Map<String, Double> x) {
        double variance = 0;
        for (int i = 0; i < terms.size(); i++) {
            for (int j = 0; j < terms.size(); j++) {
                if (!INTERCEPT.equals(terms.get(i)) && !INTERCEPT.equals(terms.get(j))) {
                    variance += xOf(terms.get(i), x) * xOf(terms.get(j), x) * sigma[i][j];
                }
            }
        }
        return variance;
    }

    private static double xOf(String term, Map<String, Double> x) {
        if (INTERCEPT.equals(term)) {
            return 1;
        }
        Double value = x.get(term);
        if (value == null) {
            throw new IllegalArgumentException("no x for the term " + term + " of the covariance table");
        }
        return value;
    }
}
