package org.refracturecds.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.refracturecds.facts.Alternative;
import org.refracturecds.facts.Settings;
import org.refracturecds.facts.Statement;

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

        assertEquals(Set.of("Applicability", "Band", "Calibration", "Coding", "Coefficient", "Covariance", "ScenarioValue",
                "Statement"), types);
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
}
