package org.refracturecds.calibration;

import java.time.LocalDate;
import java.util.Optional;

import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Settings;

/**
 * Checks the published model on a centre's cohort and fits it to it (docs/MODEL.md, Local
 * recalibration): logit p_local = a + b x logit p_model, b fitted only with at least
 * {@value #SLOPE_EVENTS} refractures and as many without, a alone (b = 1) otherwise, and nothing
 * under {@value #LEAST_EVENTS} of each.
 */
public final class Calibrator {

    /**
     * The fewest refractures (and vertebrae without) to fit a at all: about ten outcomes per
     * estimated parameter (Peduzzi et al., J Clin Epidemiol 1996;49:1373-1379).
     */
    public static final int LEAST_EVENTS = 10;
    /**
     * The fewest to fit the slope b as well (MODEL.md: "with fewer than about 100 events fit a
     * alone"; Vergouwe et al., J Clin Epidemiol 2005;58:475-483, and Collins et al., Stat Med
     * 2016;35:214-226, ask about 100 events for a validation).
     */
    public static final int SLOPE_EVENTS = 100;

    private final RuleSet rules;

    public Calibrator(RuleSet rules) {
        this.rules = rules;
    }

    /**
     * @throws CohortException when a row cannot be assessed (PVP-C211), or with too few refractures
     *                         or vertebrae without (PVP-C220)
     */
    public LocalCalibration calibrate(Cohort cohort, String fittedBy, LocalDate fittedOn) throws CohortException {
        Assessor published = new Assessor(rules, new Settings(null, false));
        ModelLogits model = ModelLogits.of(published, cohort.rows());
        int events = cohort.events();
        int others = cohort.vertebrae() - events;
        if (Math.min(events, others) < LEAST_EVENTS) {
            throw new CohortException("PVP-C220", cohort.source(), "has " + events + " refracture" + (events == 1 ? "" : "s")
                    + " and " + others + " treated vertebra" + (others == 1 ? "" : "e") + " without: at least "
                    + LEAST_EVENTS + " of each are needed to fit even the intercept a (about " + LEAST_EVENTS
                    + " outcomes per number estimated, Peduzzi et al. 1996), and about " + SLOPE_EVENTS + " of each for"
                    + " the slope b too (docs/MODEL.md, Local recalibration). Add patients, or wait for their follow-up");
        }
        boolean[] refracture = new boolean[cohort.vertebrae()];
        for (int i = 0; i < refracture.length; i++) {
            refracture[i] = cohort.rows().get(i).refracture();
        }
        double z = rules.calibration().getZ();
        double[] logits = model.logits();
        LogisticFit interceptOnly = LogisticFit.interceptOnly(logits, refracture);
        Optional<LogisticFit> withSlope = LogisticFit.withSlope(logits, refracture);
        LogisticFit used;
        String why;
        if (Math.min(events, others) < SLOPE_EVENTS) {
            used = interceptOnly;
            why = "b is fixed at 1 and a alone is fitted: " + Math.min(events, others) + " " + (events <= others
                    ? "refractures" : "vertebrae without a refracture") + " are fewer than the " + SLOPE_EVENTS
                    + " a slope needs (docs/MODEL.md); the slope is reported, not used";
        } else if (withSlope.isEmpty()) {
            used = interceptOnly;
            why = "b is fixed at 1 and a alone is fitted: the model's risk separates the refractures from the others"
                    + " completely on this cohort, so the slope has no finite estimate";
        } else {
            used = withSlope.get();
            why = "a and b are fitted: " + events + " refractures and " + others + " without are enough for the slope ("
                    + SLOPE_EVENTS + " of each, docs/MODEL.md)";
        }
        double[] after = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            after[i] = used.apply(logits[i]);
        }
        return new LocalCalibration(cohort, rules, Figures.of(logits, refracture, z), Figures.of(after, refracture, z),
                interceptOnly, withSlope, used, why, model.outsideStudy(), fittedBy, fittedOn, z);
    }
}
