package org.refracturecds.calibration;

import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Recalibration;

/**
 * The published model checked on a centre's cohort and fitted to it (docs/MODEL.md, Local
 * recalibration): the figures before and after, both fits, and which one is used.
 *
 * @param rules         the rules whose published model was checked
 * @param before        the published model's figures on the cohort
 * @param after         the recalibrated model's, on the same cohort
 * @param interceptOnly a with b fixed at 1
 * @param withSlope     a and b, when they can be fitted at all
 * @param used          the fit that recalibrates: with the slope only when there are enough events
 * @param why           why the slope is or is not used, in words
 * @param outsideStudy  treated vertebrae whose RR lies outside the study's
 * @param fittedBy      who fitted it
 * @param fittedOn      when
 * @param z             the normal quantile of the intervals (the rules' Calibration table)
 */
public record LocalCalibration(Cohort cohort, RuleSet rules, Figures before, Figures after, LogisticFit interceptOnly,
                               Optional<LogisticFit> withSlope, LogisticFit used, String why, int outsideStudy,
                               String fittedBy, LocalDate fittedOn, double z) {

    /** The fit as the rules hold it (table Recalibration). */
    public Recalibration recalibration() {
        Recalibration r = new Recalibration("local-" + fittedOn);
        r.setModelVersion(rules.version());
        r.setA(used.a());
        r.setStandardErrorA(used.standardErrorA());
        r.setB(used.b());
        r.setStandardErrorB(used.standardErrorB());
        r.setCovarianceAB(used.covariance());
        r.setIncidence(rules.calibration().defaultIncidence());
        r.setPatients(cohort.patients());
        r.setVertebrae(cohort.vertebrae());
        r.setEvents(cohort.events());
        r.setFittedBy(fittedBy);
        r.setFittedOn(fittedOn.toString());
        r.setBasis("maximum likelihood on " + cohort.source() + ", the calibrate command (docs/MODEL.md, Local"
                + " recalibration)");
        return r;
    }

    /** The notes a reader needs: what the reader left aside, where the cohort lies outside the study. */
    public List<String> notes() {
        List<String> notes = new java.util.ArrayList<>(cohort.notes());
        if (outsideStudy > 0) {
            notes.add(outsideStudy + " treated vertebra" + (outsideStudy == 1 ? " has" : "e have") + " a reduction rate"
                    + " outside the study's 0-35 percentage points (PVP-A101, A102): the model was never tested there.");
        }
        long shortFollowUp = cohort.rows().stream().filter(r -> !r.refracture() && r.months() != null
                && r.months() < rules.calibration().getHorizonMonths()).count();
        if (shortFollowUp > 0) {
            notes.add(shortFollowUp + " treated vertebra" + (shortFollowUp == 1 ? " was" : "e were") + " followed for"
                    + " less than " + rules.calibration().getHorizonMonths() + " months without a refracture: some may"
                    + " still refracture, so the observed rate may be too low.");
        }
        return notes;
    }

    /** "the bundled rules", or "the rules in my-rules". */
    static String describe(RuleSet rules) {
        return rules.origin().startsWith("the ") ? rules.origin() : "the rules in " + rules.origin();
    }
}
