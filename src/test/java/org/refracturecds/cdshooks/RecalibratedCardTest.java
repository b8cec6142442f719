package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.RuleFolders;
import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Finding;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Settings;
import org.refracturecds.facts.Vertebra;
import org.refracturecds.fhirout.RiskAssessmentWriter;

/** With rules recalibrated to a centre, the card and the RiskAssessment it files both say so. */
class RecalibratedCardTest {

    @TempDir
    static Path dir;
    private static Assessor assessor;

    @BeforeAll
    static void load() throws Exception {
        assessor = new Assessor(RuleSet.load(RuleFolders.copyRecalibrated(dir.resolve("rules"))), new Settings(null));
    }

    private static Assessment afterPvp() {
        Vertebra v = new Vertebra("T12", "280849005");
        List<Finding> findings = List.of(
                Finding.observed(v, "intravertebral-cleft", "present", null, null, "Observation/ivc", "2025-03-03"),
                Finding.observed(v, "endplate-cortical-disruption", "absent", null, null, "Observation/epd", "2025-03-03"),
                Finding.observed(v, "npec-pattern", "upper", null, null, "Observation/npec", "2025-03-06"),
                Finding.observed(v, "reduction-rate", null, 8.0, "%", "Observation/rr", "2025-03-06"));
        findings.forEach(v::record);
        return assessor.assess(PatientFindings.of("Patient/p", List.of(v), findings));
    }

    @Test
    void theCardAndItsRiskAssessment_sayTheModelIsRecalibratedToThisCentre() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode card = new CardWriter(json, new RiskAssessmentWriter(Clock.systemUTC()), null, Duration.ofHours(8))
                .assessmentCard(afterPvp(), null, List.of(), "After PVP", List.of());

        // the card: one line from the rules' Wording, with the fit and its cohort, and the model version
        String detail = card.path("detail").asText();
        assertTrue(detail.contains("\n\n*Recalibrated to this centre's own patients: the published model adjusted (logit a"
                + " + b x logit) to the refractures of the centre's cohort, and only as good as that cohort (a = -0.5, b = 0.8;"
                + " 412 treated vertebrae, 120 refractures; fitted on 2026-05-01).*\n\n*Limits:*"), detail);
        assertTrue(card.at("/suggestions/0/actions/0/description").asText().endsWith(".recalibrated.20260501)"),
                card.at("/suggestions/0/actions/0/description").asText());

        // the RiskAssessment: the model version, the notice among the notes, the arithmetic
        JsonNode risk = json.readTree(card.at("/suggestions/0/actions/0/resource").toString());
        assertTrue(risk.at("/method/coding/0/version").asText().endsWith(".recalibrated.20260501"), risk.toString());
        List<String> notes = risk.path("note").findValuesAsText("text");
        assertTrue(notes.stream().anyMatch(n -> n.startsWith("[PVP-I501] Recalibrated to this centre's own patients")), notes.toString());
        String rationale = risk.at("/prediction/0/rationale").asText();
        assertTrue(rationale.contains("; recalibrated to this centre: a + b x logit = -0.500 + 0.8 x ("), rationale);
        assertFalse(notes.stream().anyMatch(n -> n.startsWith("Alternative incidence-10")), notes.toString());
    }

    @Test
    void withThePublishedModel_theCardSaysNothingOfARecalibration() {
        Assessment published = new Assessor(assessor.rules(), new Settings(null, false)).assess(afterPvp().input());
        String detail = new CardWriter(new ObjectMapper(), new RiskAssessmentWriter(Clock.systemUTC()), null,
                Duration.ofHours(8)).assessmentCard(published, null, List.of(), "After PVP", List.of()).path("detail").asText();
        assertFalse(detail.contains("Recalibrated"), detail);
    }
}
