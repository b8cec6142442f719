package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.hl7.fhir.r4.model.CodeSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Settings;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.ObservationMapper;
import org.refracturecds.fhirin.References;
import org.refracturecds.fhirout.RiskAssessmentJson;
import org.refracturecds.fhirout.RiskAssessmentWriter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;

/**
 * Every coding the module writes (in each RiskAssessment and in each card: its topic, its override
 * reasons, the RiskAssessment its suggestion files) has the display of its published CodeSystem
 * (fhir-profiles/, or HL7's for risk-probability), or none at all when the CodeSystem is not one
 * the module can check (SNOMED CT): so a FHIR server's $validate finds no display to warn about.
 */
class CodeDisplaysTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RISK_PROBABILITY = "http://terminology.hl7.org/CodeSystem/risk-probability";
    /** "system|code" to display, of every CodeSystem the module writes codes of. */
    private static final Map<String, String> DISPLAYS = new HashMap<>();
    private static Assessor assessor;

    @BeforeAll
    static void readCodeSystems() throws Exception {
        assessor = new Assessor(RuleSet.loadBundled(), new Settings(null));
        List<CodeSystem> systems = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("fhir-profiles"))) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("CodeSystem-")).toList()) {
                systems.add(FHIR.newJsonParser().parseResource(CodeSystem.class, Files.readString(file)));
            }
        }
        systems.add((CodeSystem) new DefaultProfileValidationSupport(FHIR).fetchCodeSystem(RISK_PROBABILITY));
        for (CodeSystem system : systems) {
            system.getConcept().forEach(c -> DISPLAYS.put(system.getUrl() + "|" + c.getCode(), c.getDisplay()));
        }
    }

    private static List<Assessment> examples() throws Exception {
        List<Assessment> assessments = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("examples"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                for (PatientFindings patient : new ObservationMapper(assessor.rules().vocabulary(), References.ofFiles(),
                        Clock.systemUTC()).map(new InputReader(FHIR).read(Files.readString(file)))) {
                    assessments.add(assessor.assess(patient));
                }
            }
        }
        return assessments;
    }

    @Test
    void everyCodingWritten_hasItsCodeSystemsDisplayOrNone() throws Exception {
        // given every example patient, as a RiskAssessment and as a card
        RiskAssessmentWriter writer = new RiskAssessmentWriter(Clock.systemUTC());
        CardWriter cards = new CardWriter(JSON, writer, null, Duration.ofHours(8));
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Assessment assessment : examples()) {
            // when written
            JsonNode risk = JSON.readTree(RiskAssessmentJson.encode(writer.write(assessment, "Encounter/e", "ServiceRequest/o")));
            JsonNode card = JSON.readTree(JSON.writeValueAsString( // the suggestion's resource as JSON, not raw text
                    cards.assessmentCard(assessment, "Encounter/e", List.of("ServiceRequest/o"), "After PVP", List.of())));

            // then each display is its CodeSystem's
            checked += check(risk, assessment.input().patient() + " RiskAssessment", wrong);
            checked += check(card, assessment.input().patient() + " card", wrong);
        }
        assertEquals(List.of(), wrong);
        assertTrue(checked > 50, "codings checked: " + checked);
    }

    @Test
    void theCardsTopicAndTheRiskAssessmentsMethod_nameTheModelAlike() throws Exception {
        Assessment assessment = examples().get(0);
        JsonNode card = JSON.readTree(JSON.writeValueAsString(new CardWriter(JSON, new RiskAssessmentWriter(Clock.systemUTC()),
                null, Duration.ofHours(8)).assessmentCard(assessment, null, List.of(), "After PVP", List.of())));

        JsonNode method = card.at("/suggestions/0/actions/0/resource/method/coding/0");
        assertEquals(card.at("/source/topic/display").asText(), method.path("display").asText());
        assertEquals(DISPLAYS.get("https://fhir.refracture-cds.org/CodeSystem/risk-models|xiong-2021-logistic"),
                method.path("display").asText());
    }

    /** Checks each object with a system and a code under {@code node}; returns how many. */
    private static int check(JsonNode node, String where, List<String> wrong) {
        int checked = 0;
        if (node.isObject() && node.path("system").isTextual() && node.path("code").isTextual()) {
            String key = node.path("system").asText() + "|" + node.path("code").asText();
            String display = node.path("display").isMissingNode() ? null : node.path("display").asText();
            if (DISPLAYS.containsKey(key) ? !DISPLAYS.get(key).equals(display) : display != null) {
                wrong.add(where + ": " + key + " has display '" + display + "', its CodeSystem "
                        + (DISPLAYS.containsKey(key) ? "'" + DISPLAYS.get(key) + "'" : "is not one the module can check"));
            }
            checked++;
        }
        for (JsonNode child : node) {
            checked += check(child, where, wrong);
        }
        return checked;
    }
}
