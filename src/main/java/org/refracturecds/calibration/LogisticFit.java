package org.refracturecds.calibration;

import java.util.Optional;

import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.linear.SingularMatrixException;

/**
 * Logistic recalibration by maximum likelihood (Cox 1958; docs/MODEL.md, Local recalibration):
 * {@code logit P(refracture) = a + b x L}, L the model's logit for each treated vertebra. Fitted
 * by Newton-Raphson (for the logistic model the same as iteratively reweighted least squares),
 * started at the model as it is (a = 0, b = 1), with step halving when a step lowers the
 * likelihood. The standard errors come from the inverse of the information matrix X'WX at the
 * estimate (Apache Commons Math's LU decomposition).
 *
 * @param a             the intercept; with b fixed at 1, the calibration-in-the-large
 * @param standardErrorA its standard error
 * @param b             the slope (the calibration slope), 1 when fixed
 * @param standardErrorB its standard error, 0 when b is fixed
 * @param covariance    the covariance of a and b, 0 when b is fixed
 * @param iterations    Newton steps taken
 */
record LogisticFit(double a, double standardErrorA, double b, double standardErrorB, double covariance,
                   int iterations) {

    private static final int MOST_ITERATIONS = 100;
    private static final double CONVERGED = 1e-10;
    /** A slope this steep means the model's logit separates the outcomes: no finite maximum. */
    private static final double SEPARATED = 1e3;

    /** True when b was fitted; false for the intercept alone (b = 1). */
    boolean slopeFitted() {
        return standardErrorB > 0;
    }

    /** a + b x L: the recalibrated logit. */
    double apply(double logit) {
        return a + b * logit;
    }

    /** The intercept alone, with L as an offset (b = 1): the calibration-in-the-large. */
    static LogisticFit interceptOnly(double[] logit, boolean[] refracture) {
        double a = 0;
        double information = 0;
        for (int iteration = 1; iteration <= MOST_ITERATIONS; iteration++) {
            double score = 0;
            information = 0;
            for (int i = 0; i < logit.length; i++) {
                double p = expit(a + logit[i]);
                score += (refracture[i] ? 1 : 0) - p;
                information += p * (1 - p);
            }
            double step = score / information;
            a += step;
            if (Math.abs(step) < CONVERGED) {
                return new LogisticFit(a, 1 / Math.sqrt(information), 1, 0, 0, iteration);
            }
        }
        throw new IllegalStateException("the intercept did not converge in " + MOST_ITERATIONS + " steps");
    }

    /**
     * The intercept and the slope; empty when there is no finite maximum (the model's logit
     * separates the refractures from the others perfectly on this cohort).
     */
    static Optional<LogisticFit> withSlope(double[] logit, boolean[] refracture) {
        double[] beta = {0, 1};
        double likelihood = logLikelihood(beta, logit, refracture);
        for (int iteration = 1; iteration <= MOST_ITERATIONS; iteration++) {
            RealMatrix information = MatrixUtils.createRealMatrix(2, 2);
            RealVector score = MatrixUtils.createRealVector(new double[2]);
            accumulate(beta, logit, refracture, information, score);
            RealVector step;
            try {
                step = new LUDecomposition(information).getSolver().solve(score);
            } catch (SingularMatrixException e) {
                // every risk at 0 or 1: the logit separates the outcomes
                return Optional.empty();
            }
            double[] next = {beta[0] + step.getEntry(0), beta[1] + step.getEntry(1)};
            double nextLikelihood = logLikelihood(next, logit, refracture);
            for (int halving = 0; halving < 30 && nextLikelihood < likelihood - 1e-12; halving++) {
                next = new double[] {(beta[0] + next[0]) / 2, (beta[1] + next[1]) / 2};
                nextLikelihood = logLikelihood(next, logit, refracture);
            }
            boolean converged = Math.abs(next[0] - beta[0]) < CONVERGED && Math.abs(next[1] - beta[1]) < CONVERGED;
            beta = next;
            likelihood = nextLikelihood;
            if (Math.abs(beta[1]) > SEPARATED) {
                return Optional.empty();
            }
            if (converged) {
                RealMatrix at = MatrixUtils.createRealMatrix(2, 2);
                accumulate(beta, logit, refracture, at, MatrixUtils.createRealVector(new double[2]));
                RealMatrix covariance = new LUDecomposition(at).getSolver().getInverse();
                return Optional.of(new LogisticFit(beta[0], Math.sqrt(covariance.getEntry(0, 0)), beta[1],
                        Math.sqrt(covariance.getEntry(1, 1)), covariance.getEntry(0, 1), iteration));
            }
        }
        return Optional.empty();
    }

    /** Adds X'WX and X'(y - p) at beta, X = (1, L). */
    private static void accumulate(double[] beta, double[] logit, boolean[] refracture, RealMatrix information,
                                   RealVector score) {
        double i00 = 0;
        double i01 = 0;
        double i11 = 0;
        double s0 = 0;
        double s1 = 0;
        for (int i = 0; i < logit.length; i++) {
            double p = expit(beta[0] + beta[1] * logit[i]);
            double w = p * (1 - p);
            double residual = (refracture[i] ? 1 : 0) - p;
            i00 += w;
            i01 += w * logit[i];
            i11 += w * logit[i] * logit[i];
            s0 += residual;
            s1 += residual * logit[i];
        }
        information.setEntry(0, 0, i00);
        information.setEntry(0, 1, i01);
        information.setEntry(1, 0, i01);
        information.setEntry(1, 1, i11);
        score.setEntry(0, s0);
        score.setEntry(1, s1);
    }

    private static double logLikelihood(double[] beta, double[] logit, boolean[] refracture) {
        double sum = 0;
        for (int i = 0; i < logit.length; i++) {
            double eta = beta[0] + beta[1] * logit[i];
            // log p = -log(1 + e^-eta), log(1 - p) = -log(1 + e^eta), computed without overflow
            sum -= refracture[i] ? log1pExp(-eta) : log1pExp(eta);
        }
        return sum;
    }

    private static double log1pExp(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }

    static double expit(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
