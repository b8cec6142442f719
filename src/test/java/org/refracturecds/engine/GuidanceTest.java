package org.refracturecds.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.refracturecds.facts.Guidance;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.Prediction;
import org.refracturecds.facts.Settings;

/** Each guidance row fires when its conditions hold and not otherwise; missing findings are never absent. */
class GuidanceTest {

    private static Assessor assessor;

    @BeforeAll
    static void compileBundledRules() throws RuleSetException {
        assessor = new Assessor(RuleSet.loadBundled(), new Settings(null));
    }

    private static List<String> guidance(Assessment assessment) {
        return assessment.guidance().stream().map(Guidance::getId).toList();
    }

    @Test
    void preOperativeCleftAndDisruption_adviseTimingCementInjectionContactAndHeight() {
        Assessment a = assessor.assess(new Patients().with("intravertebral-cleft", "present")
                .with("endplate-cortical-disruption", "present").build());
        assertEquals(List.of("G-IVC-TIMING", "G-IVC-CEMENT", "G-EPD-INJECTION", "G-ENDPLATE-CONTACT",
                "G-HEIGHT-RESTORATION"), guidance(a));
    }

    @Test
    void preOperativeWithoutFactors_advisesOnlyContactAndHeight() {
        Assessment a = assessor.assess(new Patients().with("intravertebral-cleft", "absent")
                .with("endplate-cortical-disruption", "absent").build());
        assertEquals(List.of("G-ENDPLATE-CONTACT", "G-HEIGHT-RESTORATION"), guidance(a));
    }

    @Test
    void preOperative_givesBothTechniqueScenariosAndIsPreliminary() {
        Assessment a = assessor.assess(new Patients().with("intravertebral-cleft", "absent")
                .with("endplate-cortical-disruption", "absent").build());
        assertEquals(List.of("favourable", "unfavourable"), a.predictions().stream().map(Prediction::getScenario).toList());
        assertTrue(a.predictions().get(0).getProbability() < a.predictions().get(1).getProbability());
        assertTrue(a.preliminary());
    }

    @Test
    void postOperativeHighRisk_advisesFollowUp() {
        Assessment a = assessor.assess(new Patients().with("intravertebral-cleft", "present")
                .with("endplate-cortical-disruption", "absent").with("npec-pattern", "upper-and-lower")
                .measured("reduction-rate", 12).build());
        assertEquals("high", a.predictions().get(0).getBand().getCode());
        assertEquals(List.of("G-FOLLOW-UP"), guidance(a));
        assertTrue(!a.preliminary());
    }

    @Test
    void postOperativeLowRisk_givesNoFollowUpAdvice() {
        Assessment a = assessor.assess(new Patients().with("intravertebral-cleft", "absent")
                .with("endplate-cortical-disruption", "absent").with("npec-pattern", "none")
                .measured("reduction-rate", 2).build());
        assertEquals("low", a.predictions().get(0).getBand().getCode());
        assertEquals(List.of(), guidance(a));
    }

    @Test
    void postOperativeDisruption_advisesCloseFollowUpButNotInjection() {
        Assessment a = assessor.assess(new Patients().with("intravertebral-cleft", "absent")
                .with("endplate-cortical-disruption", "present").with("npec-pattern", "none")
                .measured("reduction-rate", 2).build());
        assertEquals(List.of("G-EPD-FOLLOW-UP"), guidance(a));
    }

    @Test
    void missingCleft_isAssessedBothWaysAndAdvisesReviewingTheMri() {
        // given post-operative findings but no report on the cleft
        Assessment a = assessor.assess(new Patients().with("endplate-cortical-disruption", "absent")
                .with("npec-pattern", "none").measured("reduction-rate", 2).build());

        // then two predictions, if absent and if present, and nothing is taken as absent silently
        assertEquals(List.of("if no intravertebral cleft", "if intravertebral cleft present"),
                a.predictions().stream().map(Prediction::describeAssumptions).toList());
        assertTrue(a.predictions().get(1).getProbability() > 10 * a.predictions().get(0).getProbability());
        assertEquals(List.of("G-MRI-IVC"), guidance(a));
        assertTrue(a.notices().stream().map(Notice::code).anyMatch("PVP-W301"::equals));
        assertTrue(a.preliminary());
    }

    @Test
    void reductionRateDerivedFromCompressionRatios_equalsPostMinusPre() {
        Assessment a = assessor.assess(new Patients().with("intravertebral-cleft", "absent")
                .with("endplate-cortical-disruption", "absent").with("npec-pattern", "none")
                .measured("compression-ratio-preoperative", 60).measured("compression-ratio-postoperative", 75).build());
        assertEquals(1.5, a.predictions().get(0).getTerms().get(3).getX(), 1e-9);
    }

    @Test
    void reportedReductionRateFarFromCompressionRatios_isFlagged() {
        Assessment a = assessor.assess(new Patients().with("intravertebral-cleft", "absent")
                .with("endplate-cortical-disruption", "absent").with("npec-pattern", "none").measured("reduction-rate", 5)
                .measured("compression-ratio-preoperative", 60).measured("compression-ratio-postoperative", 75).build());
        assertTrue(a.notices().stream().map(Notice::code).anyMatch("PVP-W201"::equals));
        assertEquals(0.5, a.predictions().get(0).getTerms().get(3).getX(), 1e-9, "the reported RR is used");
    }

    @Test
    void higherIncidence_raisesTheProbability() throws RuleSetException {
        Patients patient = new Patients().with("intravertebral-cleft", "present").with("endplate-cortical-disruption", "absent")
                .with("npec-pattern", "none").measured("reduction-rate", 0);
        double atDefault = assessor.assess(patient.build()).predictions().get(0).getProbability();
        double atTenPercent = new Assessor(assessor.rules(), new Settings(0.10)).assess(patient.build())
                .predictions().get(0).getProbability();
        assertTrue(atTenPercent > 2 * atDefault, atDefault + " vs " + atTenPercent);
    }
}
