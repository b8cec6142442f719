package org.refracturecds.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.refracturecds.facts.Guidance;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.Prediction;
import org.refracturecds.facts.Settings;
import org.refracturecds.facts.Statement;

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
    void postOperativeModerateRisk_advisesFollowUpToo() {
        // given Fig. 4's patient after PVP (refractured at 6 months): disruption, contact with neither endplate, RR 10
        Assessment a = assessor.assess(new Patients().with("intravertebral-cleft", "absent")
                .with("endplate-cortical-disruption", "present").with("npec-pattern", "upper-and-lower")
                .measured("reduction-rate", 10).build());

        // then Moderate under the model, with the follow-up advice as for High
        assertEquals("moderate", a.predictions().get(0).getBand().getCode());
        assertEquals(List.of("G-EPD-FOLLOW-UP", "G-FOLLOW-UP"), guidance(a).stream().sorted().toList());
    }

    @Test
    void guidanceText_keepsToWhatThePaperSays() {
        Assessment a = assessor.assess(new Patients().with("intravertebral-cleft", "present")
                .with("endplate-cortical-disruption", "present").build());
        String contact = text(a, "G-ENDPLATE-CONTACT");
        assertTrue(contact.contains("this project's reconstruction") && !contact.contains("Each step"), contact);
        assertTrue(text(a, "G-EPD-INJECTION").contains("every patient"), text(a, "G-EPD-INJECTION"));
        assertTrue(text(a, "G-HEIGHT-RESTORATION").contains("more unstable fractures"), text(a, "G-HEIGHT-RESTORATION"));
        assertTrue(text(a, "G-IVC-CEMENT").contains("1 of the 19"), text(a, "G-IVC-CEMENT"));
        assertTrue(text(a, "G-IVC-TIMING").contains("reports no result"), text(a, "G-IVC-TIMING"));
    }

    @Test
    void limits_sayNotAnIndependentFactor_andQuoteTheBmdPAsPrinted() {
        Assessment a = assessor.assess(new Patients().with("intravertebral-cleft", "absent")
                .with("endplate-cortical-disruption", "absent").build());
        String limits = a.limits().stream().map(Statement::getText).collect(Collectors.joining("\n"));
        assertTrue(limits.contains("not independent factors in this study of 93 patients"), limits);
        assertTrue(!limits.contains("not associated"), limits);
        assertTrue(limits.contains("P = 0.686") && limits.contains("looks inconsistent"), limits);
        assertTrue(limits.contains("67 of 93") && limits.contains("bias"), limits);
    }

    private static String text(Assessment a, String id) {
        return a.guidance().stream().filter(g -> g.getId().equals(id)).map(Guidance::getText).findFirst().orElseThrow();
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
        // the vertebra's band is its highest prediction's (Moderate if a cleft is present): follow-up advice too
        assertEquals(List.of("G-FOLLOW-UP", "G-MRI-IVC"), guidance(a));
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
