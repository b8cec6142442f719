package org.refracturecds.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The statistics on synthetic cohorts whose truth is known, each checked against an independent
 * computation: the fit recovers the a and b the outcomes were drawn with, the c-statistic is the
 * Mann-Whitney statistic counted pair by pair, DeLong's variance is its structural components
 * summed pair by pair.
 */
class StatisticsTest {

    /** The model's logit and the outcome of each row, as the generator drew them (the engine is not involved). */
    private record Drawn(double[] logits, boolean[] refracture) {

        static Drawn of(List<SyntheticCohort.Row> rows) {
            double[] logits = new double[rows.size()];
            boolean[] refracture = new boolean[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                SyntheticCohort.Row r = rows.get(i);
                logits[i] = SyntheticCohort.modelLogit(r.ivc(), r.epd(), r.npec(), r.rr());
                refracture[i] = r.refracture();
            }
            return new Drawn(logits, refracture);
        }
    }

    @ParameterizedTest(name = "a {0}, b {1}")
    @CsvSource({"0.8, 0.7, 11", "-0.5, 1.3, 12", "0.3, 1.0, 13", "1.2, 0.5, 14"})
    void cohortDrawnFromKnownAAndB_fitRecoversThemWithinTwoStandardErrors(double a, double b, long seed) {
        // given 6,000 treated vertebrae whose outcomes follow logit p = a + b x logit p_model
        Drawn drawn = Drawn.of(SyntheticCohort.generate(6000, a, b, seed));

        // when a and b are fitted
        LogisticFit fit = LogisticFit.withSlope(drawn.logits(), drawn.refracture()).orElseThrow();

        // then each lies within two of its standard errors of the truth
        assertTrue(Math.abs(fit.a() - a) < 2 * fit.standardErrorA(), "a " + fit.a() + " +/- " + fit.standardErrorA());
        assertTrue(Math.abs(fit.b() - b) < 2 * fit.standardErrorB(), "b " + fit.b() + " +/- " + fit.standardErrorB());
        assertTrue(fit.covariance() != 0 && fit.slopeFitted());
    }

    @ParameterizedTest(name = "a {0}")
    @CsvSource({"0.7, 21", "-0.4, 22"})
    void cohortDrawnWithSlopeOne_interceptAloneRecoversA(double a, long seed) {
        Drawn drawn = Drawn.of(SyntheticCohort.generate(4000, a, 1, seed));

        LogisticFit fit = LogisticFit.interceptOnly(drawn.logits(), drawn.refracture());

        assertTrue(Math.abs(fit.a() - a) < 2 * fit.standardErrorA(), "a " + fit.a() + " +/- " + fit.standardErrorA());
        assertEquals(1, fit.b());
        assertFalse(fit.slopeFitted());
    }

    @Test
    void perfectlyCalibratedCohort_givesInterceptZeroAndSlopeOne() {
        // given outcomes drawn from the model itself (a = 0, b = 1)
        Drawn drawn = Drawn.of(SyntheticCohort.generate(20000, 0, 1, 31));

        // when its figures are computed
        Figures figures = Figures.of(drawn.logits(), drawn.refracture(), 1.96);

        // then calibration-in-the-large is 0 and the slope 1, within their standard errors and 0.1
        LogisticFit slope = figures.slope().orElseThrow();
        assertTrue(Math.abs(figures.inTheLarge().a()) < Math.min(0.1, 2 * figures.inTheLarge().standardErrorA()),
                "in the large " + figures.inTheLarge().a());
        assertTrue(Math.abs(slope.b() - 1) < Math.min(0.1, 2 * slope.standardErrorB()), "slope " + slope.b());
        assertEquals(1, figures.observedExpected(), 0.05);
        // and the smoothed curve stays near the diagonal where the data are
        for (CalibrationCurve.Point p : figures.curve()) {
            if (p.predicted() < 0.5) {
                assertEquals(p.predicted(), p.observed(), 0.06, "loess at " + p.predicted());
            }
        }
    }

    @Test
    void interceptAlone_isExactlyMeanCalibrated() {
        // The maximum-likelihood intercept makes the predicted refractures add up to the observed ones.
        Drawn drawn = Drawn.of(SyntheticCohort.generate(3000, 1.1, 0.6, 41));
        LogisticFit fit = LogisticFit.interceptOnly(drawn.logits(), drawn.refracture());
        double predicted = 0;
        int observed = 0;
        for (int i = 0; i < drawn.logits().length; i++) {
            predicted += LogisticFit.expit(fit.apply(drawn.logits()[i]));
            observed += drawn.refracture()[i] ? 1 : 0;
        }
        assertEquals(observed, predicted, 1e-6);
    }

    @Test
    void cStatistic_isTheMannWhitneyStatistic_countedPairByPair_withTies() {
        // given risks with many ties (rounded to 2 decimals) and their outcomes
        Random random = new Random(5);
        int n = 700;
        double[] risk = new double[n];
        boolean[] refracture = new boolean[n];
        for (int i = 0; i < n; i++) {
            risk[i] = Math.round(random.nextDouble() * 20) / 20.0;
            refracture[i] = random.nextDouble() < 0.2 + 0.5 * risk[i];
        }

        // when the c-statistic is computed from midranks
        Discrimination auc = Discrimination.of(risk, refracture, 1.96);

        // then it equals the share of (refracture, no refracture) pairs ranked right, ties one half
        double concordant = 0;
        int pairs = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (refracture[i] && !refracture[j]) {
                    pairs++;
                    concordant += risk[i] > risk[j] ? 1 : risk[i] == risk[j] ? 0.5 : 0;
                }
            }
        }
        assertEquals(concordant / pairs, auc.auc(), 1e-12);
        // and DeLong's variance equals its structural components, summed pair by pair
        assertEquals(deLongVariance(risk, refracture), auc.standardError() * auc.standardError(), 1e-12);
        assertEquals(auc.auc() - 1.96 * auc.standardError(), auc.low(), 1e-12);
    }

    /** DeLong et al. 1988, equations (4)-(5): V10(X_i) and V01(Y_j) as means of psi over the other group. */
    private static double deLongVariance(double[] risk, boolean[] refracture) {
        List<Double> x = new java.util.ArrayList<>();
        List<Double> y = new java.util.ArrayList<>();
        for (int i = 0; i < risk.length; i++) {
            (refracture[i] ? x : y).add(risk[i]);
        }
        double[] v10 = new double[x.size()];
        double[] v01 = new double[y.size()];
        for (int i = 0; i < x.size(); i++) {
            for (int j = 0; j < y.size(); j++) {
                double psi = x.get(i) > y.get(j) ? 1 : x.get(i).equals(y.get(j)) ? 0.5 : 0;
                v10[i] += psi / y.size();
                v01[j] += psi / x.size();
            }
        }
        return variance(v10) / x.size() + variance(v01) / y.size();
    }

    private static double variance(double[] v) {
        double mean = java.util.Arrays.stream(v).average().orElseThrow();
        return java.util.Arrays.stream(v).map(d -> (d - mean) * (d - mean)).sum() / (v.length - 1);
    }

    @Test
    void wilsonInterval_matchesThePublishedExample() {
        // Newcombe, Stat Med 1998;17:857-872, Table I: 81 of 263, Wilson 0.2553 to 0.3662
        double[] interval = CalibrationCurve.wilson(81, 263, 1.96);
        assertEquals(0.2553, interval[0], 0.0001);
        assertEquals(0.3662, interval[1], 0.0001);
    }

    @Test
    void outcomesTheModelSeparatesCompletely_haveNoSlope() {
        double[] logits = {-3, -2, -1, 1, 2, 3};
        boolean[] refracture = {false, false, false, true, true, true};
        assertTrue(LogisticFit.withSlope(logits, refracture).isEmpty());
    }

    @Test
    void tenthsOfTheCohort_takeEveryVertebraOnce_inOrderOfRisk() {
        Drawn drawn = Drawn.of(SyntheticCohort.generate(1003, 0.5, 0.9, 51));
        Figures figures = Figures.of(drawn.logits(), drawn.refracture(), 1.96);
        assertEquals(10, figures.groups().size());
        assertEquals(1003, figures.groups().stream().mapToInt(CalibrationCurve.Group::vertebrae).sum());
        assertEquals(figures.events(), figures.groups().stream().mapToInt(CalibrationCurve.Group::events).sum());
        for (int g = 1; g < 10; g++) {
            assertTrue(figures.groups().get(g).meanPredicted() >= figures.groups().get(g - 1).meanPredicted());
        }
    }
}
