package org.refracturecds.calibration;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

import org.apache.commons.math3.analysis.interpolation.LoessInterpolator;

/**
 * Observed against predicted, two ways (Austin and Steyerberg, Stat Med 2014;33:517-535):
 * <ul>
 * <li>by tenths of the cohort ranked by predicted risk: each group's mean predicted risk and its
 *     observed refracture rate, with Wilson's 95% interval (Wilson, JASA 1927;22:209-212);
 * <li>smoothed: loess (Cleveland, JASA 1979;74:829-836; Apache Commons Math's LoessInterpolator),
 *     local linear fits of refracture (0 or 1) on the predicted risk over 75% of the data around
 *     each point, without robustness iterations, as the rms package's val.prob does. Treated
 *     vertebrae with the same predicted risk are one point weighted by their number, as the
 *     interpolator needs distinct x (so the 75% counts distinct predicted risks).
 * </ul>
 */
final class CalibrationCurve {

    static final int GROUPS = 10;
    static final double SPAN = 0.75;
    /** The smoothed curve is kept at about this many points: enough for a plot, small in JSON and SVG. */
    private static final int CURVE_POINTS = 200;

    /** One tenth of the cohort: its mean predicted risk, its observed rate and the rate's interval. */
    record Group(int vertebrae, int events, double meanPredicted, double observed, double low, double high) {
    }

    /** A point of the smoothed curve. */
    record Point(double predicted, double observed) {
    }

    private CalibrationCurve() {
    }

    /** The cohort in tenths by predicted risk (fewer groups when it has fewer than ten vertebrae per group). */
    static List<Group> groups(double[] risk, boolean[] refracture, double z) {
        int n = risk.length;
        int groups = Math.max(1, Math.min(GROUPS, n / 10));
        Integer[] order = byRisk(risk);
        List<Group> result = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            int from = (int) ((long) g * n / groups);
            int to = (int) ((long) (g + 1) * n / groups);
            double predicted = 0;
            int events = 0;
            for (int k = from; k < to; k++) {
                predicted += risk[order[k]];
                events += refracture[order[k]] ? 1 : 0;
            }
            int size = to - from;
            double[] wilson = wilson(events, size, z);
            result.add(new Group(size, events, predicted / size, (double) events / size, wilson[0], wilson[1]));
        }
        return result;
    }

    /** Wilson's score interval for {@code events} of {@code n}. */
    static double[] wilson(int events, int n, double z) {
        double p = (double) events / n;
        double z2 = z * z;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z / (1 + z2 / n) * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
    }

    /** The loess curve at the distinct predicted risks (thinned to about 200 points), cut to 0-1; empty under 4 distinct risks. */
    static List<Point> smoothed(double[] risk, boolean[] refracture) {
        Integer[] order = byRisk(risk);
        double[] x = new double[risk.length];
        double[] y = new double[risk.length];
        double[] w = new double[risk.length];
        int distinct = 0;
        for (int k = 0; k < order.length; k++) {
            double r = risk[order[k]];
            double outcome = refracture[order[k]] ? 1 : 0;
            if (distinct > 0 && x[distinct - 1] == r) {
                y[distinct - 1] = (y[distinct - 1] * w[distinct - 1] + outcome) / (w[distinct - 1] + 1);
                w[distinct - 1]++;
            } else {
                x[distinct] = r;
                y[distinct] = outcome;
                w[distinct] = 1;
                distinct++;
            }
        }
        if (distinct < 4) {
            return List.of();
        }
        x = Arrays.copyOf(x, distinct);
        double[] fitted = new LoessInterpolator(SPAN, 0).smooth(x, Arrays.copyOf(y, distinct), Arrays.copyOf(w, distinct));
        List<Point> curve = new ArrayList<>();
        int every = Math.max(1, distinct / CURVE_POINTS);
        for (int k = 0; k < distinct; k++) {
            if ((k % every == 0 || k == distinct - 1) && Double.isFinite(fitted[k])) {
                curve.add(new Point(x[k], Math.max(0, Math.min(1, fitted[k]))));
            }
        }
        return curve;
    }

    private static Integer[] byRisk(double[] risk) {
        Integer[] order = IntStream.range(0, risk.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> risk[i]));
        return order;
    }
}
