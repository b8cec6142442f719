package org.refracturecds.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.ElementDefinition;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.OperationDefinition;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Settings;
import org.refracturecds.fhirin.Codes;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.ObservationMapper;
import org.refracturecds.fhirin.References;
import org.refracturecds.fhirout.RiskAssessmentWriter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.validation.ResultSeverityEnum;

/** fhir-profiles/ loads as a package, its examples give what the manifest says, and the module's outputs conform. */
class ProfilesTest {

    private static final Path PROFILES = Path.of("fhir-profiles");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FhirContext FHIR = FhirContext.forR4Cached();

    static List<JsonNode> manifest() throws IOException {
        List<JsonNode> examples = new ArrayList<>();
        JSON.readTree(PROFILES.resolve("examples/manifest.json").toFile()).path("examples").forEach(examples::add);
        return examples;
    }

    @Test
    void everyConformanceResourceOfTheFolder_isInThePackage_andEveryProfileHasASnapshot() throws IOException {
        ProfileValidator validator = ProfileValidator.shared();
        Set<String> packaged = new TreeSet<>(validator.conformanceResources().stream()
                .map(r -> ((MetadataResource) r).getUrl()).toList());
        Set<String> inFolder = new TreeSet<>();
        try (Stream<Path> files = Files.list(PROFILES)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches("[A-Z].*\\.json")).toList()) {
                IBaseResource resource = FHIR.newJsonParser().parseResource(Files.readString(file));
                if (!(resource instanceof OperationDefinition)) { // the validator holds no operations: it needs none
                    inFolder.add(((MetadataResource) resource).getUrl());
                }
                if (resource instanceof StructureDefinition profile) {
                    StructureDefinition withSnapshot = validator.snapshot(profile.getUrl());
                    assertTrue(withSnapshot.getSnapshot().getElement().size() > profile.getDifferential().getElement().size(),
                            "a snapshot for " + profile.getUrl());
                }
            }
        }
        assertEquals(inFolder, packaged);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("manifest")
    void everyExample_givesItsManifestOutcome(JsonNode example) throws IOException {
        String text = Files.readString(PROFILES.resolve("examples").resolve(example.path("file").asText()));
        List<ProfileValidator.Issue> errors = ProfileValidator.shared()
                .validate(text, Optional.of(example.path("profile").asText())).stream()
                .filter(ProfileValidator.Issue::isError).toList();
        if (example.path("outcome").asText().equals("valid")) {
            assertEquals(List.of(), errors.stream().map(ProfileValidator.Issue::render).toList());
        } else {
            String at = example.path("errorAt").asText();
            String says = example.path("errorSays").asText("");
            assertTrue(errors.stream().anyMatch(e -> e.location().startsWith(at) && e.message().contains(says)),
                    "an error at " + at + " saying '" + says + "'; got " + errors.stream().map(ProfileValidator.Issue::render).toList());
        }
    }

    @Test
    void everyRiskAssessmentTheEngineEmitsForTheExamples_validatesWithoutErrorsOrWarnings() throws Exception {
        Assessor assessor = new Assessor(RuleSet.load(Path.of("rules")), new Settings(null));
        RiskAssessmentWriter writer = new RiskAssessmentWriter(Clock.systemUTC());
        int checked = 0;
        try (Stream<Path> files = Files.list(Path.of("examples"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                for (PatientFindings patient : new ObservationMapper(assessor.rules().vocabulary(), References.ofFiles(), Clock.systemUTC()).map(new InputReader(FHIR).read(Files.readString(file)))) {
                    RiskAssessment risk = writer.write(assessor.assess(patient));
                    List<String> issues = ProfileValidator.shared().validate(risk).stream()
                            .filter(i -> i.severity().ordinal() >= ResultSeverityEnum.WARNING.ordinal())
                            .map(ProfileValidator.Issue::render).toList();
                    assertEquals(List.of(), issues, file.toString());
                    RiskAssessment ordered = writer.write(assessor.assess(patient), "Encounter/e-1", "ServiceRequest/pvp-1");
                    assertEquals(List.of(), ProfileValidator.shared().validate(ordered).stream()
                            .filter(i -> i.severity().ordinal() >= ResultSeverityEnum.WARNING.ordinal())
                            .map(ProfileValidator.Issue::render).toList(), file + " with an encounter and an order");
                    checked++;
                }
            }
        }
        assertTrue(checked >= 6, "assessments checked: " + checked);
    }

    @Test
    void everyFindingCodeTheModuleReads_hasAnObservationProfileFixingThatCode() {
        for (String token : Codes.findingTokens()) {
            String[] systemCode = token.split("\\|");
            String url = Codes.findingProfile(systemCode[0], systemCode[1]).orElseThrow();
            StructureDefinition profile = ProfileValidator.shared().profile(url).orElseThrow(() -> new AssertionError("no " + url));
            CodeableConcept code = (CodeableConcept) profile.getDifferential().getElement().stream()
                    .filter(e -> e.getPath().equals("Observation.code")).map(ElementDefinition::getPattern)
                    .findFirst().orElseThrow();
            assertEquals(token, code.getCodingFirstRep().getSystem() + "|" + code.getCodingFirstRep().getCode());
        }
    }

    @Test
    void theOutcomeTheCalibrationReads_hasItsProfileToo() {
        String url = Codes.findingProfile(Codes.FINDINGS, Codes.REFRACTURE).orElseThrow();
        assertTrue(ProfileValidator.shared().profile(url).isPresent(), url);
        assertFalse(Codes.findingTokens().contains(Codes.FINDINGS + "|" + Codes.REFRACTURE), "the hooks do not fetch the outcome");
    }

    @Test
    void aResourceWithoutAProfileOfThisModule_isHeldToBaseR4() {
        assertFalse(ProfileValidator.profileOf(new org.hl7.fhir.r4.model.Patient()).isPresent());
    }

    @Test
    void observationsValidatedTogether_getTheErrorsEachGetsAlone() throws IOException {
        List<org.hl7.fhir.r4.model.Observation> observations = new ArrayList<>();
        for (JsonNode example : manifest()) {
            String file = example.path("file").asText();
            if (file.startsWith("Observation-")) {
                observations.add(FHIR.newJsonParser().parseResource(org.hl7.fhir.r4.model.Observation.class,
                        Files.readString(PROFILES.resolve("examples").resolve(file))));
            }
        }
        List<List<ProfileValidator.Issue>> together = ProfileValidator.shared().validateTogether(observations);
        for (int i = 0; i < observations.size(); i++) {
            assertEquals(errors(ProfileValidator.shared().validate(observations.get(i))), errors(together.get(i)),
                    observations.get(i).getIdElement().getIdPart());
        }
    }

    private static List<String> errors(List<ProfileValidator.Issue> issues) {
        return issues.stream().filter(ProfileValidator.Issue::isError).map(i -> i.location() + ": " + i.message())
                .sorted().toList();
    }
}
