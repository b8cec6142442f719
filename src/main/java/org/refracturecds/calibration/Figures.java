package org.refracturecds.calibration;

import java.util.List;
import java.util.Optional;

/**
 * How well a set of predictions fits a cohort's outcomes (docs/MODEL.md, Local recalibration;
 * the hierarchy of Van Calster et al., J Clin Epidemiol 2016;74:167-176):
 *
 * @param vertebrae     treated vertebrae (the unit the model predicts for)
 * @param events        those that refractured
 * @param meanPredicted the mean predicted risk
 * @param inTheLarge    calibration-in-the-large: the intercept a of logit P = a + L (0 when the
 *                      predictions are right on average), with its standard error
 * @param slope         the calibration slope: b of logit P = a + b L (1 when the predictions are
 *                      neither too extreme nor too modest); empty when the logit separates the outcomes
 * @param discrimination the c-statistic with its interval
 * @param brier         the Brier score: the mean squared difference between the predicted risk and
 *                      the outcome (0 or 1), lower is better (Brier, Mon Weather Rev 1950;78:1-3)
 * @param groups        observed against predicted by tenths of predicted risk
 * @param curve         the same, smoothed (loess)
 */
record Figures(int vertebrae, int events, double meanPredicted, LogisticFit inTheLarge, Optional<LogisticFit> slope,
               Discrimination discrimination, double brier, List<CalibrationCurve.Group> groups,
               List<CalibrationCurve.Point> curve) {

    /** @param logit each treated vertebra's predicted logit; z the normal quantile of the intervals */
    static Figures of(double[] logit, boolean[] refracture, double z) {
        double[] risk = new double[logit.length];
        double sum = 0;
        double squares = 0;
        int events = 0;
        for (int i = 0; i < logit.length; i++) {
            risk[i] = LogisticFit.expit(logit[i]);
            sum += risk[i];
            double outcome = refracture[i] ? 1 : 0;
            squares += (risk[i] - outcome) * (risk[i] - outcome);
            events += refracture[i] ? 1 : 0;
        }
        return new Figures(logit.length, events, sum / logit.length, LogisticFit.interceptOnly(logit, refracture),
                LogisticFit.withSlope(logit, refracture), Discrimination.of(risk, refracture, z), squares / logit.length,
                CalibrationCurve.groups(risk, refracture, z), CalibrationCurve.smoothed(risk, refracture));
    }

    /** The refracture rate: events / treated vertebrae. */
    double observedRate() {
        return (double) events / vertebrae;
    }

    /** Observed over expected refractures: 1 when right on average, above 1 when the model predicts too few. */
    double observedExpected() {
        return observedRate() / meanPredicted;
    }

    /** The Brier score of giving every vertebra the cohort's own rate: a model worth using scores below it. */
    double brierOfTheRate() {
        return observedRate() * (1 - observedRate());
    }
}
