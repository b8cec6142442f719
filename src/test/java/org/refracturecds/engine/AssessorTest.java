package org.refracturecds.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.RuleFolders;
import org.refracturecds.facts.Alternative;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Settings;
import org.refracturecds.facts.Statement;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.ObservationMapper;
import org.refracturecds.fhirin.References;

import ca.uhn.fhir.context.FhirContext;

/** What one assessment's session holds and runs: the facts and rules the assessment needs, nothing more. */
class AssessorTest {

    private static RuleSet rules;
    private static Assessor assessor;

    @BeforeAll
    static void compileBundledRules() throws RuleSetException {
        rules = RuleSet.loadBundled();
        assessor = new Assessor(rules, new Settings(null));
    }

    private static Patients afterPvp() {
        return new Patients().with("intravertebral-cleft", "present").with("endplate-cortical-disruption", "absent")
                .with("npec-pattern", "upper-and-lower").measured("reduction-rate", 12);
    }

    @Test
    void eachLevelAssessedAlone_stillSaysThePatientHadSeveral() throws Exception {
        // given a patient with findings at two levels (the study enrolled single-level PVP only: PVP-A103)
        PatientFindings patient = new ObservationMapper(rules.vocabulary(), References.ofFiles(), Clock.systemUTC())
                .map(new InputReader(FhirContext.forR4Cached()).read(Files.readAllBytes(Path.of("examples/several-levels.json"))))
                .get(0);
        assertTrue(assessor.assess(patient).notices().stream().anyMatch(n -> n.code().equals("PVP-A103")));

        // when each level is assessed on its own, as write-back stores them
        List<Assessment> levels = assessor.assessEachLevel(patient);

        // then each is of one level, and each says the patient had several
        assertEquals(2, levels.size());
        for (Assessment level : levels) {
            assertEquals(1, level.input().vertebrae().size());
            assertEquals(1, level.notices().stream().filter(n -> n.code().equals("PVP-A103")).count(), level.notices().toString());
        }
        // and a patient of one level has none
        assertTrue(assessor.assessEachLevel(afterPvp().build()).get(0).notices().stream()
                .noneMatch(n -> n.code().equals("PVP-A103")));
    }

    @Test
    void anOrderOfTwoLevels_oneTreatedBefore_isOutsideTheStudyTwice() throws Exception {
        // given findings at L1 and T12, T12's post-operative ones left out (T12 before PVP, L1 after it)
        PatientFindings both = new ObservationMapper(rules.vocabulary(), References.ofFiles(), Clock.systemUTC())
                .map(new InputReader(FhirContext.forR4Cached()).read(Files.readAllBytes(Path.of("examples/several-levels.json"))))
                .get(0);
        List<org.refracturecds.facts.Finding> kept = both.findings().stream().filter(f -> f.getVertebra() == null
                || !(f.getVertebra().getLevel().equals("T12") && Set.of("npec-pattern", "reduction-rate").contains(f.getCode())))
                .toList();
        PatientFindings mixed = new PatientFindings(both.patient(), both.vertebrae(), kept, both.notices(), false,
                both.leftOut(), both.details(), both.diagnoses());
        assertTrue(assessor.assess(mixed).notices().stream().noneMatch(n -> n.code().equals("PVP-A103")),
                "the findings alone: one level before PVP, one after, neither several");

        // when a PVP order of both is assessed
        Assessment ordered = assessor.assessOrder(mixed, Set.of("T12", "L1"));

        // then the order of two levels is outside the study, and L1 was treated before
        assertEquals(1, ordered.notices().stream().filter(n -> n.code().equals("PVP-A103")).count(), ordered.notices().toString());
        assertEquals(List.of("L1"), ordered.notices().stream().filter(n -> n.code().equals(Assessor.TREATED_BEFORE))
                .map(n -> n.where()).toList());
    }

    @Test
    void estimatesUnderTheAlternatives_areArithmeticNotSessionFacts_soTheBandRuleFiresOncePerPrediction() {
        Assessment a = assessor.assess(afterPvp().build(), true);

        long banded = a.firedRules().stream().filter(r -> r.startsWith("Band each prediction")).count();
        assertEquals(1, a.predictions().size());
        assertEquals(1, banded, "the band rule fired for: " + a.firedRules());
        assertEquals(rules.alternatives().size(), a.predictions().get(0).getAlternatives().size());
        a.predictions().get(0).getAlternatives().forEach(estimate -> assertTrue(estimate.getBand() != null,
                estimate.getAlternative().getId() + " has its band"));
    }

    @Test
    void sessions_getOnlyTheKnowledgeTheAssessmentRulesMatch() {
        Set<String> types = new TreeSet<>(rules.sessionKnowledge().stream().map(o -> o.getClass().getSimpleName()).toList());

        assertEquals(Set.of("Applicability", "Band", "Calibration", "Coding", "Coefficient", "Covariance", "PhysicalLimit",
                "ScenarioValue", "Statement"), types);
        assertTrue(rules.sessionKnowledge().stream().noneMatch(o -> o instanceof Statement s && s.getFinding() == null),
                "the limits are stated by the outputs, no rule matches them");
    }

    @Test
    void theKnowledgeTablesRows_areNotInTheRuleBaseSessionsAreMadeFrom() {
        Set<String> inRuleBase = new TreeSet<>();
        rules.kieBase().getKiePackages().forEach(p -> p.getRules().forEach(r -> inRuleBase.add(r.getName())));

        assertEquals(rules.assessmentRules(), inRuleBase);
    }

    @Test
    void aDeploymentsOwnIncidence_replacesTheStudys_soTheIncidenceAlternativeIsNotShown() {
        // given a deployment that sets the incidence to 10%, the incidence-10 alternative would repeat the estimate
        Assessment a = new Assessor(rules, new Settings(0.10)).assess(afterPvp().build());

        assertEquals(List.of("npec-order", "ivc-or-16"), a.alternatives().stream().map(Alternative::getId).toList());
        assertEquals(List.of("npec-order", "ivc-or-16"), a.predictions().get(0).getAlternatives().stream()
                .map(p -> p.getAlternative().getId()).toList());
        String notShown = a.describeNotShown().orElseThrow();
        assertTrue(notShown.startsWith("Not shown: the alternative incidence-10 (an incidence of 10%"), notShown);
        assertTrue(notShown.endsWith("): it questions the study's incidence of 3.68%, and this deployment sets its own (10%)"),
                notShown);
    }

    @Test
    void theStudysIncidence_showsEveryAlternative() {
        Assessment a = assessor.assess(afterPvp().build());

        assertEquals(List.of("npec-order", "incidence-10", "ivc-or-16"), a.predictions().get(0).getAlternatives().stream()
                .map(p -> p.getAlternative().getId()).toList());
        assertTrue(a.describeNotShown().isEmpty());
    }

    @Test
    void highWhateverTheMissingCleft_isKnown_soTheCardIsCritical() {
        // given after PVP with the cleft not reported: 26% without one, 94% with one, High either way
        Assessment a = assessor.assess(new Patients().with("endplate-cortical-disruption", "present")
                .with("npec-pattern", "upper-and-lower").measured("reduction-rate", 20).build());

        assertEquals(List.of("high", "high"), a.predictions().stream().map(p -> p.getBand().getCode()).toList());
        assertEquals("high", a.knownBand(a.input().vertebrae().get(0)).getCode());
        assertEquals(Assessment.Urgency.CRITICAL, a.urgency());
    }

    @Test
    void highOnlyWithTheMissingCleft_isAWhatIf_soTheCardIsAWarning() {
        // given 4.4% without a cleft and 56% with one: only Low is known
        Assessment a = assessor.assess(new Patients().with("endplate-cortical-disruption", "absent")
                .with("npec-pattern", "upper-and-lower").measured("reduction-rate", 12).build());

        assertEquals("low", a.knownBand(a.input().vertebrae().get(0)).getCode());
        assertEquals("high", a.input().vertebrae().get(0).getBand().getCode());
        assertEquals(Assessment.Urgency.WARNING, a.urgency());
    }

    @Test
    void highUnderATechniqueScenarioOnly_isNotKnown_soTheCardIsAWarning() {
        // given after PVP with RR not measured yet: both technique scenarios give High
        Assessment a = assessor.assess(new Patients().with("intravertebral-cleft", "present")
                .with("endplate-cortical-disruption", "absent").with("npec-pattern", "lower").build());

        assertEquals(null, a.knownBand(a.input().vertebrae().get(0)));
        assertEquals(Assessment.Urgency.WARNING, a.urgency());
    }

    @Test
    void theCardIndicatorOfEachBand_isTheBandsTablesNotJavas(@TempDir Path dir) throws Exception {
        // given bands whose High is only a warning and whose Moderate is critical
        RuleFolders.copy(dir);
        RuleFolders.edit(dir, "bands.drl.csv", "high,0.20,critical,", "high,0.20,warning,");
        RuleFolders.edit(dir, "bands.drl.csv", "moderate,0.05,warning,", "moderate,0.05,critical,");
        Assessor edited = new Assessor(RuleSet.load(dir), new Settings(null));

        // then an observed High is a warning, an observed Moderate (Fig. 4 of the paper, 11%) critical
        assertEquals(Assessment.Urgency.WARNING, edited.assess(afterPvp().build()).urgency());
        assertEquals(Assessment.Urgency.CRITICAL, edited.assess(new Patients().with("intravertebral-cleft", "absent")
                .with("endplate-cortical-disruption", "present").with("npec-pattern", "upper-and-lower")
                .measured("reduction-rate", 10).build()).urgency());
    }

    private static String summary(Assessment a) {
        return a.predictions().stream().map(p -> p.getVertebra().getLabel() + " " + p.getScenario() + " "
                + p.getProbability() + " " + p.getBand().getCode()).toList() + " " + a.guidance().stream()
                .map(g -> g.getId()).toList() + " " + a.notices().stream().map(n -> n.code()).toList() + " " + a.firedRules();
    }

    @Test
    void aSessionGivenBackToThePool_keepsNothingOfTheAssessmentBefore() throws Exception {
        String afterPvp = summary(assessor.assess(afterPvp().build(), true));
        String beforePvp = summary(assessor.assess(new Patients().with("intravertebral-cleft", "absent").build(), true));

        for (int i = 0; i < 20; i++) {
            assertEquals(afterPvp, summary(assessor.assess(afterPvp().build(), true)));
            assertEquals(beforePvp, summary(assessor.assess(new Patients().with("intravertebral-cleft", "absent").build(), true)));
        }
        // and at once on several threads, each with its own session
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<String>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                boolean after = i % 2 == 0;
                results.add(pool.submit(() -> summary(assessor.assess(after ? afterPvp().build()
                        : new Patients().with("intravertebral-cleft", "absent").build(), true))));
            }
            for (int i = 0; i < results.size(); i++) {
                assertEquals(i % 2 == 0 ? afterPvp : beforePvp, results.get(i).get());
            }
        } finally {
            pool.shutdown();
        }
    }
}
