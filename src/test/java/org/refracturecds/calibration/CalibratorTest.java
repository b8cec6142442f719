package org.refracturecds.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.engine.RuleSetException;
import org.refracturecds.facts.Settings;

/** The calibration through the engine: the model's logit per row is the service's assessment, and the fit recovers the truth. */
class CalibratorTest {

    private static RuleSet rules;

    @BeforeAll
    static void load() throws RuleSetException {
        rules = RuleSet.loadBundled();
    }

    private static Cohort cohort(List<SyntheticCohort.Row> rows) throws CohortException {
        return Cohorts.read("synthetic.csv", SyntheticCohort.csv(rows).getBytes(StandardCharsets.UTF_8), rules, Clock.systemUTC());
    }

    @Test
    void eachRowsLogit_isTheAssessmentsModelSum_asDocsModelMdGivesIt() throws CohortException {
        List<SyntheticCohort.Row> rows = SyntheticCohort.generate(300, 0, 1, 61);
        double[] logits = ModelLogits.of(new Assessor(rules, new Settings(null, false)), cohort(rows).rows()).logits();
        for (int i = 0; i < rows.size(); i++) {
            SyntheticCohort.Row r = rows.get(i);
            // an RR below 0 is given to the model at 0 (rules/pipeline.drl): the study's line is not followed into protection
            assertEquals(SyntheticCohort.modelLogit(r.ivc(), r.epd(), r.npec(), Math.max(r.rr(), 0)), logits[i], 1e-3,
                    r.toString());
        }
    }

    @Test
    void aCohortDrawnFromKnownAAndB_isFittedWithBoth_andRecoversThem() throws CohortException {
        LocalCalibration c = new Calibrator(rules).calibrate(cohort(SyntheticCohort.generate(3000, 0.6, 0.8, 62)), "test",
                LocalDate.of(2026, 5, 1));

        assertTrue(c.used().slopeFitted(), c.why());
        assertTrue(Math.abs(c.used().a() - 0.6) < 2 * c.used().standardErrorA(), "a " + c.used().a());
        assertTrue(Math.abs(c.used().b() - 0.8) < 2 * c.used().standardErrorB(), "b " + c.used().b());
        // after recalibration on the same cohort: in the large 0 and slope 1 by construction, the ranking unchanged
        assertEquals(0, c.after().inTheLarge().a(), 1e-6);
        assertEquals(1, c.after().slope().orElseThrow().b(), 1e-6);
        assertEquals(c.before().discrimination().auc(), c.after().discrimination().auc(), 1e-12);
        assertTrue(c.after().brier() <= c.before().brier());
        assertEquals(c.cohort().vertebrae(), c.recalibration().getVertebrae());
        assertEquals(0.8, c.recalibration().getB(), 3 * c.recalibration().getStandardErrorB());
    }
}
