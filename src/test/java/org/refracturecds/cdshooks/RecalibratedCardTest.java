package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
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
        JsonNode card = new CardWriter(json, new RiskAssessmentWriter(Clock.systemUTC()))
                .assessmentCard(afterPvp(), "After PVP", List.of());

        String detail = card.path("detail").asText();
        assertTrue(detail.contains("[PVP-I501] Recalibrated to this centre's own patients"), detail);
        assertTrue(detail.contains("| Recalibrated to this centre (a = -0.5, b = 0.8): a + b x sum |"), detail);
        assertTrue(detail.matches("(?s).*version 2\\.0\\.0\\+rules\\.[0-9a-f]{12}\\.recalibrated\\.20260501;.*"), detail);

        JsonNode risk = json.readTree(card.at("/suggestions/0/actions/0/resource").toString());
        assertTrue(risk.at("/method/coding/0/version").asText().endsWith(".recalibrated.20260501"), risk.toString());
        List<String> notes = risk.path("note").findValuesAsText("text");
        assertTrue(notes.stream().anyMatch(n -> n.startsWith("[PVP-I501] Recalibrated to this centre's own patients")), notes.toString());
        String rationale = risk.at("/prediction/0/rationale").asText();
        assertTrue(rationale.contains("; recalibrated to this centre: a + b x logit = -0.500 + 0.8 x ("), rationale);
        assertFalse(notes.stream().anyMatch(n -> n.startsWith("Alternative incidence-10")), notes.toString());
    }
}
