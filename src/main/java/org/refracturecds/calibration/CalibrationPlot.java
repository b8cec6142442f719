package org.refracturecds.calibration;

import java.util.ArrayList;
import java.util.List;

import org.refracturecds.facts.Numbers;

/**
 * The calibration plot: observed refracture rate against predicted risk, before recalibration
 * (the published model) and after, side by side on the same axes. In each: the diagonal of
 * perfect calibration, the tenths of the cohort (dots) with their 95% intervals (whiskers), and
 * the loess curve. The axes run from 0 to a little above the highest tenth, so that a rare outcome
 * is not squeezed into a corner; the curve is cut where it leaves them.
 */
final class CalibrationPlot {

    static final String CURVE = "#0072B2";
    private static final String GRID = "#dddddd";
    private static final String INK = "#000000";
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 540;
    private static final double SIZE = 380;
    private static final double TOP = 70;
    private static final double[] LEFT = {80, 580};

    private CalibrationPlot() {
    }

    static Drawing of(LocalCalibration c) {
        Drawing d = new Drawing(WIDTH, HEIGHT, "Calibration plot: observed refracture rate against the model's predicted"
                + " risk, before and after recalibration to this centre's cohort");
        double max = axisMax(c.before(), c.after());
        d.add(new Drawing.Label(WIDTH / 2.0, 28, "Observed against predicted refracture within "
                + c.rules().calibration().getHorizonMonths() + " months (" + c.cohort().vertebrae() + " treated vertebrae, "
                + c.cohort().events() + " refractures)", 17, Drawing.Anchor.MIDDLE, true, false));
        panel(d, LEFT[0], "Before: the published model", c.before(), max);
        panel(d, LEFT[1], "After: recalibrated (" + describe(c.used()) + ")", c.after(), max);
        legend(d, TOP + SIZE + 62);
        return d;
    }

    private static void panel(Drawing d, double left, String title, Figures f, double max) {
        double bottom = TOP + SIZE;
        d.add(new Drawing.Label(left + SIZE / 2, TOP - 14, title, 14, Drawing.Anchor.MIDDLE, true, false));
        double step = tickStep(max);
        for (double tick = 0; tick <= max + 1e-9; tick += step) {
            double x = left + tick / max * SIZE;
            double y = bottom - tick / max * SIZE;
            d.add(new Drawing.Line(x, TOP, x, bottom, GRID, 1, false));
            d.add(new Drawing.Line(left, y, left + SIZE, y, GRID, 1, false));
            String label = Numbers.percent(tick, 3).replaceAll("\\.0+%$", "%");
            d.add(new Drawing.Label(x, bottom + 18, label, 11, Drawing.Anchor.MIDDLE, false, false));
            d.add(new Drawing.Label(left - 6, y + 4, label, 11, Drawing.Anchor.END, false, false));
        }
        d.add(new Drawing.Box(left, TOP, SIZE, SIZE, INK, null));
        d.add(new Drawing.Line(left, bottom, left + SIZE, TOP, "#888888", 1.2, true));
        d.add(new Drawing.Label(left + SIZE / 2, bottom + 38, "Predicted risk", 12, Drawing.Anchor.MIDDLE, false, false));
        d.add(new Drawing.Label(left - 48, TOP + SIZE / 2, "Observed refracture rate", 12, Drawing.Anchor.MIDDLE, false, true));
        curve(d, left, f.curve(), max);
        for (CalibrationCurve.Group g : f.groups()) {
            double x = left + Math.min(g.meanPredicted(), max) / max * SIZE;
            double y = bottom - Math.min(g.observed(), max) / max * SIZE;
            d.add(new Drawing.Line(x, bottom - Math.min(g.low(), max) / max * SIZE, x,
                    bottom - Math.min(g.high(), max) / max * SIZE, INK, 1.2, false));
            d.add(new Drawing.Dot(x, y, 4, INK));
        }
        String slope = f.slope().map(s -> Numbers.significant(s.b(), 2).toPlainString()).orElse("none");
        List<String> lines = List.of(
                "In the large " + Numbers.signed(f.inTheLarge().a()) + ", observed/expected "
                        + Numbers.significant(f.observedExpected(), 2).toPlainString(),
                "Slope " + slope + ", c-statistic " + Numbers.significant(f.discrimination().auc(), 3).toPlainString()
                        + " (" + Numbers.significant(f.discrimination().low(), 3).toPlainString() + " to "
                        + Numbers.significant(f.discrimination().high(), 3).toPlainString() + ")",
                "Brier " + Numbers.significant(f.brier(), 2).toPlainString());
        for (int i = 0; i < lines.size(); i++) {
            d.add(new Drawing.Label(left + 8, TOP + 18 + 15 * i, lines.get(i), 11, Drawing.Anchor.START, false, false));
        }
    }

    /** The loess curve in pixels, broken where it leaves the axes. */
    private static void curve(Drawing d, double left, List<CalibrationCurve.Point> curve, double max) {
        double bottom = TOP + SIZE;
        List<double[]> run = new ArrayList<>();
        for (CalibrationCurve.Point p : curve) {
            if (p.predicted() <= max && p.observed() <= max) {
                run.add(new double[] {left + p.predicted() / max * SIZE, bottom - p.observed() / max * SIZE});
            } else {
                flush(d, run);
            }
        }
        flush(d, run);
    }

    private static void flush(Drawing d, List<double[]> run) {
        if (run.size() > 1) {
            d.add(new Drawing.Polyline(run.stream().mapToDouble(p -> p[0]).toArray(),
                    run.stream().mapToDouble(p -> p[1]).toArray(), CURVE, 2.2));
        }
        run.clear();
    }

    private static void legend(Drawing d, double y) {
        double x = LEFT[0];
        d.add(new Drawing.Line(x, y - 4, x + 30, y - 4, "#888888", 1.2, true));
        d.add(new Drawing.Label(x + 36, y, "perfect calibration", 12, Drawing.Anchor.START, false, false));
        x += 190;
        d.add(new Drawing.Dot(x + 15, y - 4, 4, INK));
        d.add(new Drawing.Line(x + 15, y - 14, x + 15, y + 6, INK, 1.2, false));
        d.add(new Drawing.Label(x + 36, y, "tenth of the cohort by predicted risk, with its 95% interval", 12,
                Drawing.Anchor.START, false, false));
        x += 440;
        d.add(new Drawing.Line(x, y - 4, x + 30, y - 4, CURVE, 2.2, false));
        d.add(new Drawing.Label(x + 36, y, "smoothed (loess)", 12, Drawing.Anchor.START, false, false));
    }

    /** "a = +0.52, b = 1 fixed". */
    static String describe(LogisticFit fit) {
        return "a " + Numbers.signed(fit.a()) + ", b " + (fit.slopeFitted()
                ? Numbers.significant(fit.b(), 3).toPlainString() : "1 fixed");
    }

    /** The axes' top: the highest tenth (its interval included) or its mean prediction, rounded up to a tick. */
    static double axisMax(Figures... figures) {
        double top = 0.01;
        for (Figures f : figures) {
            for (CalibrationCurve.Group g : f.groups()) {
                top = Math.max(top, Math.max(g.high(), g.meanPredicted()));
            }
        }
        double step = tickStep(Math.min(1, top));
        return Math.min(1, Math.ceil(top / step - 1e-9) * step);
    }

    /** A tick step giving 4 to 10 ticks: 1, 2 or 5 times a power of ten. */
    static double tickStep(double max) {
        double power = Math.pow(10, Math.floor(Math.log10(max / 5)));
        for (double factor : new double[] {1, 2, 5, 10}) {
            if (max / (factor * power) <= 10) {
                return factor * power;
            }
        }
        return 10 * power;
    }
}
