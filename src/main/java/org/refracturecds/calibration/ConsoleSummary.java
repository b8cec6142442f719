package org.refracturecds.calibration;

import java.util.ArrayList;
import java.util.List;

import org.refracturecds.facts.Numbers;

/** What {@code calibrate} prints: the cohort, the figures before and after side by side, the fit. */
public final class ConsoleSummary {

    private ConsoleSummary() {
    }

    public static List<String> lines(LocalCalibration c) {
        List<String> lines = new ArrayList<>();
        lines.add("Cohort: " + c.cohort().source() + " (" + c.cohort().format() + "): " + c.cohort().vertebrae()
                + " treated vertebrae of " + c.cohort().patients() + " patients, " + c.cohort().events() + " refractures");
        lines.add("Model: " + c.rules().calibration().getModel() + " " + c.rules().version() + " as published, from "
                + LocalCalibration.describe(c.rules()) + " (sha256:" + c.rules().shortHash() + ")");
        c.notes().forEach(note -> lines.add("Note: " + note));
        lines.add("");
        String format = "%-34s %-24s %s";
        lines.add(String.format(format, "", "before", "after"));
        Figures b = c.before();
        Figures a = c.after();
        lines.add(String.format(format, "calibration-in-the-large (SE)", inTheLarge(b), inTheLarge(a)));
        lines.add(String.format(format, "  observed / expected", Numbers.significant(b.observedExpected(), 3).toPlainString(),
                Numbers.significant(a.observedExpected(), 3).toPlainString()));
        lines.add(String.format(format, "calibration slope (SE)", slope(b), slope(a)));
        lines.add(String.format(format, "c-statistic (" + c.rules().calibration().levelPercent() + " CI, DeLong)", auc(b), auc(a)));
        lines.add(String.format(format, "Brier score", Numbers.significant(b.brier(), 3).toPlainString(),
                Numbers.significant(a.brier(), 3).toPlainString()));
        lines.add("");
        LogisticFit fit = c.used();
        lines.add("Fitted: a = " + Numbers.signed(fit.a()) + " (SE " + Numbers.significant(fit.standardErrorA(), 2).toPlainString()
                + "), b = " + (fit.slopeFitted() ? Numbers.significant(fit.b(), 3).toPlainString() + " (SE "
                + Numbers.significant(fit.standardErrorB(), 2).toPlainString() + ")" : "1 (fixed)"));
        lines.add("  " + c.why());
        return lines;
    }

    private static String inTheLarge(Figures f) {
        return Numbers.signed(f.inTheLarge().a()) + " (" + Numbers.significant(f.inTheLarge().standardErrorA(), 2).toPlainString() + ")";
    }

    private static String slope(Figures f) {
        return f.slope().map(s -> Numbers.significant(s.b(), 3).toPlainString() + " ("
                + Numbers.significant(s.standardErrorB(), 2).toPlainString() + ")").orElse("none");
    }

    private static String auc(Figures f) {
        return Numbers.significant(f.discrimination().auc(), 3).toPlainString() + " ("
                + Numbers.significant(f.discrimination().low(), 3).toPlainString() + "-"
                + Numbers.significant(f.discrimination().high(), 3).toPlainString() + ")";
    }
}
