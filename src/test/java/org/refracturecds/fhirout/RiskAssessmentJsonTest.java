package org.refracturecds.fhirout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.hl7.fhir.utilities.xhtml.NodeType;
import org.hl7.fhir.utilities.xhtml.XhtmlNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.refracturecds.RuleFolders;
import org.refracturecds.authoring.Scenario;
import org.refracturecds.authoring.ScenarioFiles;
import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.engine.RuleSetException;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Settings;
import org.refracturecds.fhirin.ClinicalTerms;
import org.refracturecds.fhirin.InputException;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.ObservationMapper;
import org.refracturecds.fhirin.References;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The RiskAssessment's own encoder gives HAPI's bytes, compact and pretty-printed, with and without
 * an id, for every example patient under examples/ and every scenario of rules/tests (HAPI's
 * {@code encodeResourceToString} is the reference).
 */
class RiskAssessmentJsonTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final RiskAssessmentWriter WRITER =
            new RiskAssessmentWriter(Clock.fixed(Instant.parse("2026-01-15T09:30:00Z"), ZoneOffset.UTC));
    private static Assessor assessor;

    @BeforeAll
    static void compileBundledRules() throws RuleSetException {
        assessor = new Assessor(RuleSet.loadBundled(), new Settings(null));
    }

    private static List<Assessment> examples() throws IOException, InputException {
        List<Assessment> assessments = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("examples"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                List<InputReader.Entry> entries = new InputReader(FHIR).read(Files.readString(file));
                for (PatientFindings patient : new ObservationMapper(assessor.rules().vocabulary(), References.ofFiles(),
                        Clock.systemUTC()).map(entries)) {
                    assessments.add(assessor.assess(patient));
                }
            }
        }
        return assessments;
    }

    private static List<Assessment> scenarios() throws IOException, InputException {
        ScenarioFiles.Read read = ScenarioFiles.read(RuleFolders.RULES);
        assertEquals(List.of(), read.problems());
        List<Assessment> assessments = new ArrayList<>();
        for (Scenario scenario : read.scenarios()) {
            assessments.add(assessor.assess(ClinicalTerms.findings(assessor.rules().vocabulary(), scenario.level(),
                    scenario.findings(), scenario.person(), scenario.where()), true));
        }
        return assessments;
    }

    private static void assertHapisBytes(RiskAssessment risk, String what) {
        String compact = FHIR.newJsonParser().encodeResourceToString(risk);
        String pretty = FHIR.newJsonParser().setPrettyPrint(true).encodeResourceToString(risk);
        assertEquals(compact, RiskAssessmentJson.encode(risk), what);
        assertEquals(pretty, RiskAssessmentJson.encode(risk, true), what + ", pretty-printed");
        assertArrayEquals(compact.getBytes(StandardCharsets.UTF_8), RiskAssessmentJson.encodeUtf8(risk, false), what + ", UTF-8");
        assertArrayEquals(pretty.getBytes(StandardCharsets.UTF_8), RiskAssessmentJson.encodeUtf8(risk, true),
                what + ", pretty-printed, UTF-8");
    }

    @Test
    void everyExamplePatient_isEncodedAsHapiEncodesIt() throws IOException, InputException {
        // given the RiskAssessment of every example patient, as the CLI writes it and as a card files it (with an id)
        List<Assessment> assessments = examples();
        assertTrue(assessments.size() >= 7, "every example patient: " + assessments.size());
        for (Assessment assessment : assessments) {
            RiskAssessment risk = WRITER.write(assessment);

            // when encoded by each, then the bytes are the same
            assertHapisBytes(risk, assessment.input().patient());
            risk.setId(UUID.randomUUID().toString());
            assertHapisBytes(risk, assessment.input().patient() + " with an id");
            RiskAssessment ordered = WRITER.write(assessment, "Encounter/e-1", "ServiceRequest/pvp-1");
            assertHapisBytes(ordered, assessment.input().patient() + " with an encounter and an order");
        }
    }

    @Test
    void everyScenario_isEncodedAsHapiEncodesIt() throws IOException, InputException {
        // given the RiskAssessment of every clinical scenario (before and after PVP, incomplete findings, notices)
        List<Assessment> assessments = scenarios();
        assertTrue(assessments.size() >= 40, "every scenario: " + assessments.size());
        for (int i = 0; i < assessments.size(); i++) {
            // when encoded by each, then the bytes are the same
            assertHapisBytes(WRITER.write(assessments.get(i)), "scenario " + i);
        }
    }

    @Test
    void theNotesEveryPatientShares_areKeptEncoded_thePatientsNoticesAreNot() throws IOException, InputException {
        // given every example patient's RiskAssessment, encoded twice (the second time from the kept notes)
        for (Assessment assessment : examples()) {
            RiskAssessment risk = WRITER.write(assessment);
            assertHapisBytes(risk, assessment.input().patient());
            assertHapisBytes(risk, assessment.input().patient() + ", again");
            assertTrue(risk.getNote().stream().anyMatch(note -> note.getText().startsWith("[PVP-")),
                    "the patient has notices: " + assessment.input().patient());
        }

        // then what is kept is the rules' notes, and no notice of a patient
        Set<String> kept = RiskAssessmentJson.sharedTexts();
        assertTrue(kept.stream().anyMatch(text -> text.startsWith("Source: ")), "kept: " + kept);
        assertTrue(kept.stream().anyMatch(text -> text.startsWith("Limit: ")), "kept: " + kept);
        assertTrue(kept.stream().allMatch(text -> text.matches("(?s)(Interval|Alternative|Band|Limit|Source|Not shown)[ :].*")),
                "only the rules' notes: " + kept);
    }

    @Test
    void inACardsUtf8Bytes_theSharedNotes_areTheBytesTheCardsGeneratorWrites() throws Exception {
        ObjectMapper card = new ObjectMapper();
        for (Assessment assessment : examples()) {
            RiskAssessment risk = WRITER.write(assessment);
            byte[] hapi = FHIR.newJsonParser().encodeResourceToString(risk).getBytes(StandardCharsets.UTF_8);

            assertArrayEquals(hapi, card.writeValueAsBytes(RiskAssessmentJson.value(risk)), assessment.input().patient());
            assertArrayEquals(hapi, card.writeValueAsBytes(RiskAssessmentJson.value(risk)), "again, from the kept notes");
        }

        // A note beyond the Basic Multilingual Plane, or with a lone surrogate (a rule's text from a
        // workbench draft), is written by the generator as any other string.
        RiskAssessment risk = new RiskAssessment();
        for (String text : List.of("Limit: \uD83D\uDE00 a face", "Limit: a lone \uD800 surrogate")) {
            Annotation note = new Annotation().setText(text);
            note.setUserData(RiskAssessmentJson.SHARED_NOTE, Boolean.TRUE);
            risk.addNote(note);
        }
        RiskAssessment unmarked = risk.copy();
        unmarked.getNote().forEach(note -> note.setUserData(RiskAssessmentJson.SHARED_NOTE, null));
        assertArrayEquals(card.writeValueAsBytes(RiskAssessmentJson.value(unmarked)),
                card.writeValueAsBytes(RiskAssessmentJson.value(risk)));
        assertEquals(RiskAssessmentJson.encode(unmarked), RiskAssessmentJson.encode(risk));
        // As UTF-8 bytes: the same strings, every character kept (the two beyond 16 bits and the lone one escaped).
        byte[] bytes = RiskAssessmentJson.encodeUtf8(risk, false);
        String written = new String(bytes, StandardCharsets.UTF_8);
        assertEquals(card.readTree(RiskAssessmentJson.encode(risk)), card.readTree(bytes));
        assertTrue(written.contains("Limit: \\uD83D\\uDE00 a face") && written.contains("a lone \\uD800 surrogate"), written);
    }

    @Test
    void theNarrativesXhtml_isWrittenAsHapiWritesIt_everyCharacterAndEmptyElement() {
        StringBuilder every = new StringBuilder();
        for (int c = 0; c <= 0xFFFF; c++) {
            every.append((char) c);
        }
        every.append("\uD83D\uDE00 \uDBFF\uDFFF x");
        XhtmlNode div = new XhtmlNode(NodeType.Element, "div");
        div.setAttribute("xmlns", "http://www.w3.org/1999/xhtml");
        div.addTag("p").addText(every.toString());
        XhtmlNode row = div.addTag("table").addTag("tr");
        row.addTag("td");
        row.addTag("td").addText("");
        XhtmlNode item = div.addTag("ul").addTag("li");
        item.addText("T12: a sentence ");
        item.addTag("i").addText("Xiong et al. 2021 & others <3");

        assertEquals(div.getValueAsString(), RiskAssessmentJson.xhtml(div));
    }

    @Test
    void aNarrativeWithWhatHapiWritesOtherwise_isLeftToHapi() {
        XhtmlNode div = new XhtmlNode(NodeType.Element, "div");
        div.setAttribute("xmlns", "http://www.w3.org/1999/xhtml");
        div.addTag("p").setAttribute("class", "a \"b\" & c").addText("x");
        div.addComment("a comment");

        assertEquals(div.getValueAsString(), RiskAssessmentJson.xhtml(div));
    }
}
