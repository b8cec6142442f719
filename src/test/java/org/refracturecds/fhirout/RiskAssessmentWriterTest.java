package org.refracturecds.fhirout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.hl7.fhir.r4.model.RiskAssessment.RiskAssessmentPredictionComponent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.RuleFolders;
import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.engine.RuleSetException;
import org.refracturecds.facts.Finding;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Settings;
import org.refracturecds.facts.Vertebra;

/** What the RiskAssessment says of one assessment, beyond the golden examples. */
class RiskAssessmentWriterTest {

    private static RuleSet rules;
    private static Assessor assessor;
    private static final RiskAssessmentWriter WRITER =
            new RiskAssessmentWriter(Clock.fixed(Instant.parse("2026-01-15T09:30:00Z"), ZoneOffset.UTC));

    @BeforeAll
    static void compileBundledRules() throws RuleSetException {
        rules = RuleSet.loadBundled();
        assessor = new Assessor(rules, new Settings(null));
    }

    static Assessment afterPvp(String ivc, String epd, String npec, double rr) {
        return afterPvp(assessor, ivc, epd, npec, rr);
    }

    private static Assessment afterPvp(Assessor assessor, String ivc, String epd, String npec, double rr) {
        Vertebra t12 = new Vertebra("T12", "280849005");
        List<Finding> findings = List.of(
                Finding.observed(t12, "intravertebral-cleft", ivc, null, null, "Observation/ivc", "2024-01-01"),
                Finding.observed(t12, "endplate-cortical-disruption", epd, null, null, "Observation/epd", "2024-01-01"),
                Finding.observed(t12, "npec-pattern", npec, null, null, "Observation/npec", "2024-01-02"),
                Finding.observed(t12, "reduction-rate", null, rr, "%", "Observation/rr", "2024-01-02"));
        findings.forEach(t12::record);
        return assessor.assess(PatientFindings.of("Patient/p", List.of(t12), findings));
    }

    private static BigDecimal decimal(Extension extension, String url) {
        return ((DecimalType) extension.getExtensionByUrl(url).getValue()).getValue();
    }

    @Test
    void aProbabilityNearOne_isNeverWrittenAsOneOrShownAsAHundredPercent() {
        // given a reduction rate of 100 percentage points with every other factor present (p = 0.99998)
        RiskAssessment risk = WRITER.write(afterPvp("present", "present", "upper-and-lower", 100));
        RiskAssessmentPredictionComponent prediction = risk.getPredictionFirstRep();

        // then the decimals carry the digits that keep them below 1
        BigDecimal probability = prediction.getProbabilityDecimalType().getValue();
        assertEquals(new BigDecimal("0.99998"), probability);
        Extension interval = prediction.getExtensionByUrl(RiskAssessmentWriter.INTERVAL);
        assertTrue(decimal(interval, "high").compareTo(BigDecimal.ONE) < 0, interval.toString());
        for (Extension alternative : prediction.getExtensionsByUrl(RiskAssessmentWriter.ALTERNATIVE)) {
            assertTrue(decimal(alternative, "probability").compareTo(BigDecimal.ONE) < 0);
        }
        // and the text says more than 99%, never 100%
        assertTrue(prediction.getRationale().contains("Probability >99% (approximate 95% interval "), prediction.getRationale());
        assertTrue(prediction.getRationale().contains(" to >99%)"), prediction.getRationale());
        assertFalse(prediction.getRationale().matches("(?s).*(Probability 100%|to 100%\\)).*"), prediction.getRationale());
        String narrative = risk.getText().getDiv().allText();
        assertTrue(narrative.contains(">99%"), narrative);
        assertFalse(narrative.replace("RR 100%", "").contains("100%"), "no probability of 100% (the RR of 100 aside): " + narrative);
    }

    private static String intervalNote(RiskAssessment risk) {
        return risk.getNote().stream().map(n -> n.getText()).filter(t -> t.startsWith("Interval: ")).findFirst().orElseThrow();
    }

    @Test
    void theSharedNotes_areThoseOfEachAssessmentsOwnSettings_writtenOnTwoThreadsAtOnce() throws Exception {
        // given one patient assessed with the study's incidence and with a deployment's own, whose notes differ
        Assessment study = afterPvp("present", "absent", "none", 10);
        Assessment deployment = afterPvp(new Assessor(rules, new Settings(0.05)), "present", "absent", "none", 10);
        List<String> studyNotes = notes(WRITER.write(study));
        List<String> deploymentNotes = notes(WRITER.write(deployment));
        assertNotEquals(studyNotes, deploymentNotes);

        // when both are written in turn, again and again, on two threads at once
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<Boolean>> runs = new ArrayList<>();
            for (int thread = 0; thread < 2; thread++) {
                runs.add(threads.submit(() -> {
                    for (int i = 0; i < 1000; i++) {
                        if (!notes(WRITER.write(study)).equals(studyNotes)
                                || !notes(WRITER.write(deployment)).equals(deploymentNotes)) {
                            return false;
                        }
                    }
                    return true;
                }));
            }

            // then each RiskAssessment has its own every time
            for (Future<Boolean> run : runs) {
                assertTrue(run.get());
            }
        } finally {
            threads.shutdownNow();
        }
    }

    private static List<String> notes(RiskAssessment risk) {
        return risk.getNote().stream().map(Annotation::getText).toList();
    }

    @Test
    void theIntervalNote_citesTheCovarianceTablesSource() {
        String note = intervalNote(WRITER.write(afterPvp("present", "absent", "none", 0)));

        assertTrue(note.contains("[b0: Reconstructed (docs/MODEL.md): variance of b0 from refits on synthetic cohorts"), note);
        assertTrue(note.contains("; IVC: Variance: the SE from Table 2's 95% CI (2.67-275.38) squared."), note);
        assertFalse(note.contains("reconstructed from Table 1 (the paper publishes none"), note);
    }

    @Test
    void aStatisticiansCovariance_isCitedAsItsTableSays(@TempDir Path dir) throws Exception {
        // given a Covariance table whose b0 row cites a local refit
        RuleFolders.copyWithEdit(dir, "model.drl.csv", "\"Reconstructed (docs/MODEL.md): variance of b0 from refits",
                "\"Refitted on 412 patients of Centre X, 2026; was: variance of b0 from refits");
        Assessor edited = new Assessor(RuleSet.load(dir), new Settings(null));
        Vertebra t12 = new Vertebra("T12", null);
        Finding ivc = Finding.observed(t12, "intravertebral-cleft", "absent", null, null, "Observation/ivc", "2024-01-01");
        t12.record(ivc);

        String note = intervalNote(WRITER.write(edited.assess(PatientFindings.of("Patient/p", List.of(t12), List.of(ivc)))));

        assertTrue(note.contains("[b0: Refitted on 412 patients of Centre X, 2026; was:"), note);
    }
}
