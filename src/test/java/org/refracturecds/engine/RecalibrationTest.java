package org.refracturecds.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.RuleFolders;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Prediction;
import org.refracturecds.facts.Settings;

/**
 * A rules folder recalibrated to a centre (the fixture a = -0.5, b = 0.8): every prediction is
 * a + b x the published model's logit, says so, and the published model is still there for what
 * asks for it.
 */
class RecalibrationTest {

    @TempDir
    static Path dir;
    private static RuleSet recalibrated;

    @BeforeAll
    static void load() throws Exception {
        recalibrated = RuleSet.load(RuleFolders.copyRecalibrated(dir.resolve("rules")));
    }

    /** Fig. 2's patient after PVP: cleft, disruption, no contact with the lower endplate, RR 10. */
    private static PatientFindings fig2() {
        return new Patients().with("intravertebral-cleft", "present").with("endplate-cortical-disruption", "present")
                .with("npec-pattern", "lower").measured("reduction-rate", 10).build();
    }

    @Test
    void aPrediction_isAPlusBTimesThePublishedLogit_withTheRecalibrationsInterval() {
        Prediction published = new Assessor(recalibrated, new Settings(null, false)).assess(fig2()).predictions().get(0);
        Prediction local = new Assessor(recalibrated, new Settings(null)).assess(fig2()).predictions().get(0);

        assertEquals(0.62, published.getProbability(), 0.005, "MODEL.md's reference value for Fig. 2");
        assertNull(published.getRecalibration());
        assertEquals(published.getLogit(), local.getModelLogit(), 1e-12);
        assertEquals(-0.5 + 0.8 * published.getLogit(), local.getLogit(), 1e-12);
        // Var = b^2 x_f' Sigma_ff x_f + Var(a) + L^2 Var(b) + 2 L Cov(a, b), x_f = (IVC 1, EPD 1, NPEC 2, RR/10 1)
        double[] x = {1, 1, 2, 1};
        double[][] sigma = {{1.39878, 0.03731, 0.00235, 0.08624}, {0.03731, 0.31776, 0.01055, 0.01711},
            {0.00235, 0.01055, 0.06106, 0.00705}, {0.08624, 0.01711, 0.00705, 0.16289}};
        double factors = 0;
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                factors += x[i] * x[j] * sigma[i][j];
            }
        }
        double l = published.getLogit();
        double variance = 0.64 * factors + 0.04 + l * l * 0.01 + 2 * l * -0.005;
        assertEquals(1 / (1 + Math.exp(-(local.getLogit() - 1.96 * Math.sqrt(variance)))), local.getLow(), 1e-9);
        assertEquals(1 / (1 + Math.exp(-(local.getLogit() + 1.96 * Math.sqrt(variance)))), local.getHigh(), 1e-9);
        assertEquals(local.getProbability() / (120.0 / 412), local.getRelativeRisk(), 1e-9);
        assertTrue(local.describeRecalibration().startsWith("recalibrated to this centre: a + b x logit = -0.500 + 0.8 x ("),
                local.describeRecalibration());
    }

    @Test
    void everyAssessment_saysItIsRecalibrated_andLeavesTheIncidenceAlternativeOut() {
        Assessment a = new Assessor(recalibrated, new Settings(null)).assess(fig2());

        Notice notice = a.notices().stream().filter(n -> n.code().equals("PVP-I501")).findFirst().orElseThrow();
        assertEquals(Notice.Severity.INFO, notice.severity());
        assertTrue(notice.message().startsWith("Recalibrated to this centre's own patients: ") && notice.message().endsWith(
                "(a = -0.5, b = 0.8; 400 patients, 412 treated vertebrae, 120 refractures; fitted by Test fitter on"
                        + " 2026-05-01) [a test fixture]."), notice.message());
        assertEquals(List.of("npec-order", "ivc-or-16"), a.alternatives().stream().map(x -> x.getId()).toList());
        assertTrue(a.describeNotShown().orElseThrow().endsWith("and the model is recalibrated to this centre's own"
                + " patients, whose refractures set the level"), a.describeNotShown().orElseThrow());
        // the alternatives go through the same recalibration
        Prediction p = a.predictions().get(0);
        assertEquals(-0.5 + 0.8 * p.getAlternatives().get(0).getModelLogit(), p.getAlternatives().get(0).getLogit(), 1e-12);
    }

    @Test
    void anIncidenceSetting_isNotUsedUnderARecalibration_andTheNoticeSaysSo() {
        Assessment a = new Assessor(recalibrated, new Settings(0.10)).assess(fig2());
        Assessment same = new Assessor(recalibrated, new Settings(null)).assess(fig2());

        assertEquals(same.predictions().get(0).getProbability(), a.predictions().get(0).getProbability(), 1e-15);
        assertTrue(a.notices().stream().anyMatch(n -> n.code().equals("PVP-I501")
                && n.message().endsWith("The incidence setting (10%) is not used: the centre's own refractures set the level.")),
                a.notices().toString());
    }

    @Test
    void thePublishedModel_saysNothingOfTheRecalibration() {
        Assessment a = new Assessor(recalibrated, new Settings(null, false)).assess(fig2());
        assertTrue(a.notices().stream().noneMatch(n -> n.code().equals("PVP-I501")));
        assertNull(a.recalibration());
        assertEquals(3, a.alternatives().size());
    }

    @Test
    void aSecondRecalibrationRow_isRefused(@TempDir Path other) throws IOException {
        RuleFolders.copyRecalibrated(other);
        RuleFolders.edit(other, "recalibration.drl.csv", "\"local-2026-05-01\",\"2.0.0\",-0.5,0.2,0.8,0.1,-0.005,0.03683806600153492,400,412,120,\"Test fitter\",\"2026-05-01\",\"a test fixture\"",
                "\"local-2026-05-01\",\"2.0.0\",-0.5,0.2,0.8,0.1,-0.005,0.03683806600153492,400,412,120,\"Test fitter\",\"2026-05-01\",\"a test fixture\"\n"
                        + "\"local-2026-06-01\",\"2.0.0\",-0.4,0.2,0.9,0.1,-0.005,0.03683806600153492,400,412,120,\"Test fitter\",\"2026-06-01\",\"a test fixture\"");
        RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.load(other));
        assertEquals("recalibration.drl.csv row 12: the Recalibration table has 2 rows: one at most, the fit in use",
                e.problems().get(0).where() + ": " + e.problems().get(0).message());
    }

    @Test
    void aSlopeOfZeroOrBelow_isRefused(@TempDir Path other) throws IOException {
        RuleFolders.copyRecalibrated(other);
        RuleFolders.edit(other, "recalibration.drl.csv", ",-0.5,0.2,0.8,0.1,", ",-0.5,0.2,-0.8,0.1,");
        RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.load(other));
        assertTrue(e.getMessage().contains("recalibration.drl.csv row 11: the slope b is -0.8: it must be above 0"), e.getMessage());
    }

    @Test
    void aRecalibrationFittedToAnotherVersionOfTheModel_isRefused(@TempDir Path other) throws IOException {
        RuleFolders.copyRecalibrated(other);
        RuleFolders.edit(other, "model.drl.csv", "xiong-2021-logistic,2.0.0,", "xiong-2021-logistic,2.1.0,");
        RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.load(other));
        assertTrue(e.getMessage().contains("recalibration.drl.csv row 11: a and b were fitted to version 2.0.0 of the model,"
                + " but the Calibration table of model.drl.csv says version 2.1.0"), e.getMessage());
    }

    @Test
    void aRecalibrationWithoutItsWording_isRefused(@TempDir Path other) throws IOException {
        RuleFolders.copyRecalibrated(other);
        RuleFolders.edit(other, "statements.drl.csv", "W-RECALIBRATED,", "W-RECALIBRATED-X,");
        RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.load(other));
        assertTrue(e.getMessage().contains("statements.drl.csv: the Wording table has no row W-RECALIBRATED"), e.getMessage());
    }
}
