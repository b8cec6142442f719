package org.refracturecds.calibration;

import java.math.BigDecimal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.refracturecds.facts.Numbers;

/**
 * {@code calibration.json}: the figures before and after, keyed by their names (patients, events,
 * calibrationInTheLarge, calibrationSlope, cStatistic, brierScore), the fits, the method and the
 * cohort's notes. Aggregates only: no patient's data.
 */
final class CalibrationJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private CalibrationJson() {
    }

    static String of(LocalCalibration c) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode cohort = root.putObject("cohort");
        cohort.put("file", c.cohort().source());
        cohort.put("format", c.cohort().format());
        cohort.put("patients", c.cohort().patients());
        cohort.put("treatedVertebrae", c.cohort().vertebrae());
        cohort.put("events", c.cohort().events());
        c.notes().forEach(cohort.putArray("notes")::add);
        ObjectNode model = root.putObject("model");
        model.put("id", c.rules().calibration().getModel());
        model.put("version", c.rules().version());
        model.put("rules", c.rules().origin());
        model.put("rulesSha256", c.rules().hash());
        model.put("incidence", number(c.rules().calibration().defaultIncidence()));
        model.put("horizonMonths", c.rules().calibration().getHorizonMonths());
        ObjectNode method = root.putObject("method");
        method.put("recalibration", "logit p_local = a + b x logit p_model, by maximum likelihood (Newton-Raphson);"
                + " b fitted only with at least " + Calibrator.SLOPE_EVENTS + " refractures and as many without"
                + " (docs/MODEL.md, Local recalibration)");
        method.put("calibrationInTheLarge", "a of logit p = a + logit p_model (b fixed at 1); 0 is ideal");
        method.put("calibrationSlope", "b of logit p = a + b x logit p_model; 1 is ideal");
        method.put("cStatistic", "the Mann-Whitney statistic, with DeLong's interval (DeLong et al. 1988)");
        method.put("brierScore", "mean of (predicted risk - outcome)^2; ofTheCohortRate is the score of giving everyone"
                + " the cohort's rate");
        method.put("deciles", "tenths of the cohort by predicted risk, observed rate with Wilson's interval");
        method.put("smoothed", "loess of the outcome on the predicted risk (span 0.75 of the distinct risks, no"
                + " robustness iterations), as [predicted, observed] pairs");
        method.put("afterFiguresAre", "on the same cohort the fit was made on: in-the-large 0 and (when b is fitted)"
                + " slope 1 by construction");
        root.put("intervalLevel", number(c.rules().calibration().getLevel()));
        figures(root.putObject("before"), c, c.before());
        figures(root.putObject("after"), c, c.after());
        ObjectNode fit = root.putObject("recalibration");
        fit.put("a", number(c.used().a()));
        fit.put("standardErrorA", number(c.used().standardErrorA()));
        fit.put("b", number(c.used().b()));
        if (c.used().slopeFitted()) {
            fit.put("standardErrorB", number(c.used().standardErrorB()));
            fit.put("covarianceAB", number(c.used().covariance()));
        } else {
            fit.putNull("standardErrorB");
        }
        fit.put("slopeFitted", c.used().slopeFitted());
        fit.put("why", c.why());
        ObjectNode interceptOnly = fit.putObject("interceptOnly");
        interceptOnly.put("a", number(c.interceptOnly().a()));
        interceptOnly.put("standardError", number(c.interceptOnly().standardErrorA()));
        if (c.withSlope().isPresent()) {
            LogisticFit both = c.withSlope().get();
            ObjectNode node = fit.putObject("interceptAndSlope");
            node.put("a", number(both.a()));
            node.put("standardErrorA", number(both.standardErrorA()));
            node.put("b", number(both.b()));
            node.put("standardErrorB", number(both.standardErrorB()));
            node.put("covarianceAB", number(both.covariance()));
        } else {
            fit.putNull("interceptAndSlope");
        }
        fit.put("fittedBy", c.fittedBy());
        fit.put("fittedOn", c.fittedOn().toString());
        return root.toPrettyString() + "\n";
    }

    private static void figures(ObjectNode node, LocalCalibration c, Figures f) {
        double z = c.z();
        node.put("patients", c.cohort().patients());
        node.put("treatedVertebrae", f.vertebrae());
        node.put("events", f.events());
        node.put("observedRate", number(f.observedRate()));
        node.put("meanPredicted", number(f.meanPredicted()));
        ObjectNode large = node.putObject("calibrationInTheLarge");
        large.put("intercept", number(f.inTheLarge().a()));
        large.put("standardError", number(f.inTheLarge().standardErrorA()));
        interval(large, f.inTheLarge().a(), f.inTheLarge().standardErrorA(), z);
        large.put("observedExpectedRatio", number(f.observedExpected()));
        if (f.slope().isPresent()) {
            ObjectNode slope = node.putObject("calibrationSlope");
            slope.put("slope", number(f.slope().get().b()));
            slope.put("standardError", number(f.slope().get().standardErrorB()));
            interval(slope, f.slope().get().b(), f.slope().get().standardErrorB(), z);
        } else {
            node.putNull("calibrationSlope");
        }
        ObjectNode c95 = node.putObject("cStatistic");
        c95.put("auc", number(f.discrimination().auc()));
        c95.put("standardError", number(f.discrimination().standardError()));
        c95.putArray("interval").add(number(f.discrimination().low())).add(number(f.discrimination().high()));
        c95.put("method", "DeLong");
        ObjectNode brier = node.putObject("brierScore");
        brier.put("value", number(f.brier()));
        brier.put("ofTheCohortRate", number(f.brierOfTheRate()));
        ArrayNode deciles = node.putArray("deciles");
        for (CalibrationCurve.Group g : f.groups()) {
            ObjectNode group = deciles.addObject();
            group.put("treatedVertebrae", g.vertebrae());
            group.put("events", g.events());
            group.put("meanPredicted", number(g.meanPredicted()));
            group.put("observed", number(g.observed()));
            group.putArray("interval").add(number(g.low())).add(number(g.high()));
        }
        ArrayNode smoothed = node.putArray("smoothed");
        f.curve().forEach(p -> smoothed.addArray().add(number(p.predicted())).add(number(p.observed())));
    }

    private static void interval(ObjectNode node, double estimate, double se, double z) {
        node.putArray("interval").add(number(estimate - z * se)).add(number(estimate + z * se));
    }

    /** Six significant figures: more than any figure here can claim. */
    private static BigDecimal number(double value) {
        return Numbers.significant(value, 6);
    }
}
