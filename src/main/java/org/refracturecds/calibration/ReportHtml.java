package org.refracturecds.calibration;

import java.util.List;

import org.refracturecds.facts.Numbers;

/**
 * {@code report.html}: the calibration in words a clinician can read, with the plot, what each
 * figure means, the method and its sources, and the limits. One self-contained page (the plot
 * inline as SVG) that prints; aggregates only, no patient's data.
 */
final class ReportHtml {

    private ReportHtml() {
    }

    static String of(LocalCalibration c, String svg) {
        Figures b = c.before();
        Figures a = c.after();
        int horizon = c.rules().calibration().getHorizonMonths();
        String level = c.rules().calibration().levelPercent();
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>How well the refracture model predicts this centre's patients</title>\n")
                .append("<style>body{font-family:sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;line-height:1.45}"
                        + "table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #999;padding:.3rem .6rem;"
                        + "text-align:left;vertical-align:top}th{background:#eee}.n{text-align:right;white-space:nowrap}"
                        + ".box{border-left:4px solid #D55E00;background:#fff4ec;padding:.5rem 1rem}svg{max-width:100%;"
                        + "height:auto}@media print{body{margin:0}}</style>\n</head>\n<body>\n");
        h.append("<h1>How well the refracture model predicts this centre's patients</h1>\n");
        h.append("<p class=\"box\">The model (Xiong et al., BMC Musculoskelet Disord 2021;22:459) comes from one centre's 93"
                + " patients and has not been validated elsewhere. This report checks it against ")
                .append(c.cohort().vertebrae()).append(" treated vertebrae of this centre and fits it to them. It is")
                .append(" advisory: read the limits at the end.</p>\n");

        h.append("<h2>In short</h2>\n<p>").append(esc(summary(c, horizon))).append("</p>\n");

        h.append("<h2>The figures</h2>\n<table>\n<tr><th>Figure</th><th>What it means</th><th>Ideal</th>")
                .append("<th>Before: the published model</th><th>After: recalibrated</th></tr>\n");
        row(h, "Treated vertebrae (patients)", "The cohort: one row per treated vertebra.", "",
                c.cohort().vertebrae() + " (" + c.cohort().patients() + ")", c.cohort().vertebrae() + " (" + c.cohort().patients() + ")");
        row(h, "Refractures", "Treated vertebrae that broke again within " + horizon + " months (at least 15% height loss"
                + " with bone marrow oedema).", "", events(b), events(a));
        row(h, "Mean predicted risk", "What the model expected on average.", "the observed rate",
                Numbers.percent(b.meanPredicted(), 3), Numbers.percent(a.meanPredicted(), 3));
        row(h, "Calibration-in-the-large", "Whether the risks are right on average: the log odds ratio of observed to"
                + " predicted. Above 0 the model predicts too few refractures, below 0 too many. Observed/expected in"
                + " brackets.", "0 (1)", inTheLarge(b, c.z()), inTheLarge(a, c.z()));
        row(h, "Calibration slope", "Whether the risks are spread as far as they should be. Below 1 they are too extreme"
                + " (high risks too high, low too low), above 1 too modest.", "1", slope(b, c.z()), slope(a, c.z()));
        row(h, "c-statistic (AUC)", "How well the model ranks: the chance that a vertebra that refractured got a higher"
                + " risk than one that did not. 0.5 is a coin toss. Recalibration does not change it: it keeps the order.",
                "1", auc(b), auc(a));
        row(h, "Brier score", "The mean squared difference between risk and outcome (0 or 1): lower is better. Giving"
                + " every vertebra the cohort's own rate would score " + Numbers.significant(b.brierOfTheRate(), 3)
                .toPlainString() + ".", "0", Numbers.significant(b.brier(), 3).toPlainString(),
                Numbers.significant(a.brier(), 3).toPlainString());
        h.append("</table>\n<p>Intervals are ").append(esc(level)).append(". The figures after recalibration are on the")
                .append(" same patients the fit was made on: calibration-in-the-large is 0 by construction")
                .append(c.used().slopeFitted() ? ", and the slope 1" : "")
                .append(". They show that the fit worked, not how it will do on the next patients.</p>\n");

        h.append("<h2>The calibration plot</h2>\n").append(svg.replaceFirst("^<\\?xml[^>]*>\\s*", ""))
                .append("<p>Each dot is a tenth of the vertebrae, ranked by predicted risk: across, the risk the model")
                .append(" gave them on average; up, how many of them refractured, with its ").append(esc(level))
                .append(" interval (Wilson's). The blue curve follows the same by a smoother (loess). On the dashed")
                .append(" diagonal, predicted and observed agree. Dots above it: more refractures than predicted.")
                .append(" The axes stop a little above the highest tenth, so a rare outcome is not squeezed into a")
                .append(" corner.</p>\n");

        h.append("<h2>The recalibration</h2>\n<p>The model's risk is adjusted on the log-odds scale: logit p = a + b")
                .append(" &times; logit p<sub>model</sub>, where p<sub>model</sub> is the published model. ")
                .append(esc(fitInWords(c))).append("</p>\n<ul>\n");
        h.append("<li>").append(esc("Intercept alone (b fixed at 1): a = " + Numbers.signed(c.interceptOnly().a())
                + " (standard error " + Numbers.significant(c.interceptOnly().standardErrorA(), 2).toPlainString() + ")"))
                .append("</li>\n");
        h.append("<li>").append(esc(c.withSlope().map(f -> "Intercept and slope: a = " + Numbers.signed(f.a())
                + " (standard error " + Numbers.significant(f.standardErrorA(), 2).toPlainString() + "), b = "
                + Numbers.significant(f.b(), 3).toPlainString() + " (standard error "
                + Numbers.significant(f.standardErrorB(), 2).toPlainString() + ")")
                .orElse("Intercept and slope: no finite estimate (the model's risk separates the outcomes)")))
                .append("</li>\n</ul>\n<p>").append(esc("Used: " + c.why() + ".")).append("</p>\n");
        if (!c.notes().isEmpty()) {
            h.append("<h2>About this cohort</h2>\n<ul>\n");
            c.notes().forEach(n -> h.append("<li>").append(esc(n)).append("</li>\n"));
            h.append("</ul>\n");
        }

        h.append("<h2>Method and sources</h2>\n<ul>\n");
        for (String line : List.of(
                "Each vertebra's predicted risk is the assessment the service gives, from "
                        + LocalCalibration.describe(c.rules()) + " (model " + c.rules().calibration().getModel() + " version "
                        + c.rules().version() + ", sha256 " + c.rules().shortHash() + "), with the published model"
                        + " re-anchored to an incidence of " + Numbers.percent(c.rules().calibration().defaultIncidence(), 3)
                        + " (docs/MODEL.md).",
                "Logistic recalibration by maximum likelihood (Cox, Biometrika 1958;45:562-565; Steyerberg, Clinical"
                        + " Prediction Models, 2nd ed., 2019): calibration-in-the-large is a with b fixed at 1, the"
                        + " calibration slope is b (Van Calster et al., J Clin Epidemiol 2016;74:167-176).",
                "The slope is fitted only with at least " + Calibrator.SLOPE_EVENTS + " refractures and as many without"
                        + " (docs/MODEL.md; Vergouwe et al., J Clin Epidemiol 2005;58:475-483; Collins et al., Stat Med"
                        + " 2016;35:214-226); nothing is fitted under " + Calibrator.LEAST_EVENTS + " of each (Peduzzi et al.,"
                        + " J Clin Epidemiol 1996;49:1373-1379).",
                "c-statistic: the Mann-Whitney statistic, with DeLong's interval (DeLong et al., Biometrics"
                        + " 1988;44:837-845; computed as Sun and Xu, IEEE Signal Process Lett 2014;21:1389-1393).",
                "Brier score: Brier, Monthly Weather Review 1950;78:1-3.",
                "Calibration plot: tenths of predicted risk with Wilson's intervals (JASA 1927;22:209-212) and a loess"
                        + " smoother (Cleveland, JASA 1979;74:829-836; span 0.75, no robustness iterations), as Austin and"
                        + " Steyerberg recommend (Stat Med 2014;33:517-535)."
        )) {
            h.append("<li>").append(esc(line)).append("</li>\n");
        }
        h.append("</ul>\n");

        h.append("<h2>Limits</h2>\n<ul>\n");
        for (String line : List.of(
                "One centre's cohort: the fit describes these patients, treated and followed as this centre does. A"
                        + " change in technique, imaging or follow-up calls for a new check.",
                "Small numbers: with " + c.cohort().events() + " refractures every figure is uncertain; read the"
                        + " intervals, not only the estimates.",
                "Recalibration moves the level (a) and the spread (b) of the risks; it does not change what the model"
                        + " looks at (the four findings of the paper) or how much each counts relative to the others. A"
                        + " poor c-statistic is not mended by it.",
                "The outcome must be the paper's: a refracture of the cemented vertebra within " + horizon + " months,"
                        + " at least 15% height loss with bone marrow oedema on MRI. Vertebrae not followed for the whole"
                        + " time, or not imaged, make the observed rate too low.",
                "The figures after recalibration are on the same patients it was fitted to (apparent performance): they"
                        + " are better than the next patients will see.",
                "The model itself: one retrospective study of 93 patients, its intercept and the coding of NPEC"
                        + " reconstructed (docs/MODEL.md)."
        )) {
            h.append("<li>").append(esc(line)).append("</li>\n");
        }
        h.append("</ul>\n<p><small>").append(esc("Fitted by " + c.fittedBy() + " on " + c.fittedOn() + " from "
                + c.cohort().source() + " (" + c.cohort().format() + ") with the calibrate command of pvp-refracture-cds."))
                .append("</small></p>\n</body>\n</html>\n");
        return h.toString();
    }

    /** The result in two or three sentences. */
    private static String summary(LocalCalibration c, int horizon) {
        Figures b = c.before();
        double oe = b.observedExpected();
        String level = oe > 1.2 ? "predicted too few refractures: " + Numbers.significant(oe, 2).toPlainString()
                + " times as many happened as it expected"
                : oe < 0.83 ? "predicted too many refractures: only " + Numbers.significant(oe, 2).toPlainString()
                + " times as many happened as it expected" : "was about right on average (observed/expected "
                + Numbers.significant(oe, 2).toPlainString() + ")";
        String ranking = b.discrimination().auc() >= 0.8 ? "ranked the vertebrae well"
                : b.discrimination().auc() >= 0.7 ? "ranked the vertebrae fairly well"
                : b.discrimination().auc() >= 0.6 ? "ranked the vertebrae poorly" : "ranked the vertebrae little better than chance";
        return "Of " + c.cohort().vertebrae() + " treated vertebrae (" + c.cohort().patients() + " patients), "
                + c.cohort().events() + " refractured within " + horizon + " months ("
                + Numbers.percent(b.observedRate(), 3) + "). The published model predicted " + Numbers.percent(b.meanPredicted(), 3)
                + " on average: it " + level + ". It " + ranking + " (c-statistic "
                + Numbers.significant(b.discrimination().auc(), 2).toPlainString() + "). " + fitInWords(c);
    }

    /** What the recalibration does to a risk, in words. */
    private static String fitInWords(LocalCalibration c) {
        LogisticFit fit = c.used();
        if (!fit.slopeFitted()) {
            return "Recalibrated with the intercept alone (a = " + Numbers.signed(fit.a()) + ", b = 1): every vertebra's"
                    + " odds of refracture are multiplied by " + Numbers.significant(Math.exp(fit.a()), 3).toPlainString()
                    + " (e to the power a).";
        }
        return "Recalibrated with intercept and slope (a = " + Numbers.signed(fit.a()) + ", b = "
                + Numbers.significant(fit.b(), 3).toPlainString() + "): the log odds are multiplied by b, then a is added,"
                + " which moves the risks towards" + (fit.b() < 1 ? " the middle (b below 1)" : " the extremes (b above 1)")
                + " as well as up or down.";
    }

    private static void row(StringBuilder h, String figure, String meaning, String ideal, String before, String after) {
        h.append("<tr><th scope=\"row\">").append(esc(figure)).append("</th><td>").append(esc(meaning)).append("</td><td>")
                .append(esc(ideal)).append("</td><td class=\"n\">").append(esc(before)).append("</td><td class=\"n\">")
                .append(esc(after)).append("</td></tr>\n");
    }

    private static String events(Figures f) {
        return f.events() + " (" + Numbers.percent(f.observedRate(), 3) + ")";
    }

    private static String inTheLarge(Figures f, double z) {
        LogisticFit fit = f.inTheLarge();
        return Numbers.signed(fit.a()) + " (" + Numbers.signed(fit.a() - z * fit.standardErrorA()) + " to "
                + Numbers.signed(fit.a() + z * fit.standardErrorA()) + "); O/E "
                + Numbers.significant(f.observedExpected(), 3).toPlainString();
    }

    private static String slope(Figures f, double z) {
        return f.slope().map(s -> Numbers.significant(s.b(), 3).toPlainString() + " ("
                + Numbers.significant(s.b() - z * s.standardErrorB(), 3).toPlainString() + " to "
                + Numbers.significant(s.b() + z * s.standardErrorB(), 3).toPlainString() + ")").orElse("no finite estimate");
    }

    private static String auc(Figures f) {
        return Numbers.significant(f.discrimination().auc(), 3).toPlainString() + " ("
                + Numbers.significant(f.discrimination().low(), 3).toPlainString() + " to "
                + Numbers.significant(f.discrimination().high(), 3).toPlainString() + ")";
    }

    private static String esc(String text) {
        return SvgRenderer.escape(text);
    }
}
