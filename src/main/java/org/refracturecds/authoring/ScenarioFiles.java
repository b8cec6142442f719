package org.refracturecds.authoring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import org.refracturecds.engine.RuleProblem;
import org.refracturecds.fhirin.ClinicalTerms;

/**
 * Reads the scenario files of a rules folder: {@code tests/*.yaml}, each a list under
 * {@code scenarios:}, after an optional {@code model: published} or {@code model: recalibrated}
 * ({@link Scenario.Model}).
 */
public final class ScenarioFiles {

    public static final String FOLDER = "tests";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /**
     * A scenario as written, before it knows its file and line. Plain fields, not a record: Jackson
     * then reads key by key and reports a misspelt key where it is, not at the end of the scenario.
     */
    static final class Written {
        public String name;
        public String level;
        public String notes;
        public Map<String, String> findings;
        public WrittenPatient patient;
        public WrittenExpect expect;
    }

    static final class WrittenPatient {
        public Integer age;
        public List<String> conditions;
    }

    static final class WrittenExpect {
        public String band;
        public JsonNode probability;
        public List<String> guidance;
        @JsonProperty("no guidance")
        public List<String> noGuidance;
        public List<String> notices;
        @JsonProperty("no notices")
        public List<String> noNotices;
        public String indicator;
        public Map<String, String> alternatives;

        Scenario.Expect toExpect() {
            return new Scenario.Expect(band, probability, guidance, noGuidance, notices, noNotices, indicator, alternatives);
        }
    }

    /** The scenarios, or the problems that keep them from being read (file and line each). */
    public record Read(List<Scenario> scenarios, List<RuleProblem> problems) {
    }

    private ScenarioFiles() {
    }

    public static Read read(Path rulesDir) throws IOException {
        Path folder = rulesDir.resolve(FOLDER);
        List<Scenario> scenarios = new ArrayList<>();
        List<RuleProblem> problems = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return new Read(scenarios, problems);
        }
        List<Path> files;
        try (Stream<Path> paths = Files.list(folder)) {
            files = paths.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path path : files) {
            String file = FOLDER + "/" + path.getFileName();
            if (file.endsWith(".yaml") || file.endsWith(".yml")) {
                readFile(file, Files.readAllBytes(path), scenarios, problems);
            } else {
                problems.add(new RuleProblem(file, 0, 0, "is not a scenario file: scenarios are .yaml files"));
            }
        }
        return new Read(scenarios, problems);
    }

    private static void readFile(String file, byte[] bytes, List<Scenario> scenarios, List<RuleProblem> problems) {
        try (JsonParser parser = YAML.createParser(bytes)) {
            Scenario.Model model = Scenario.Model.AS_THE_RULES_ARE;
            boolean started = parser.nextToken() == JsonToken.START_OBJECT && parser.nextToken() == JsonToken.FIELD_NAME;
            if (started && "model".equals(parser.currentName())) {
                parser.nextToken();
                String value = parser.getValueAsString();
                model = switch (String.valueOf(value).strip()) {
                    case "published" -> Scenario.Model.PUBLISHED;
                    case "recalibrated" -> Scenario.Model.RECALIBRATED;
                    default -> null;
                };
                if (model == null) {
                    problems.add(new RuleProblem(file, parser.currentTokenLocation().getLineNr(), 0, "model is '" + value
                            + "': write published (the model as the paper gives it, any recalibration set aside) or"
                            + " recalibrated (the rules' recalibration to a centre's patients), or leave the key out"));
                    return;
                }
                started = parser.nextToken() == JsonToken.FIELD_NAME;
            }
            if (!started || !"scenarios".equals(parser.currentName()) || parser.nextToken() != JsonToken.START_ARRAY) {
                problems.add(new RuleProblem(file, 1, 0, "must start with 'scenarios:' (after an optional 'model:')"
                        + " and a list of scenarios (see docs/AUTHORING.md)"));
                return;
            }
            while (parser.nextToken() == JsonToken.START_OBJECT) {
                int line = parser.currentLocation().getLineNr();
                Written written = YAML.readValue(parser, Written.class);
                String missing = written.name == null ? "name" : written.findings == null ? "findings"
                        : written.expect == null ? "expect" : null;
                if (missing != null) {
                    problems.add(new RuleProblem(file, line, 0, "this scenario has no '" + missing + "'"));
                } else {
                    scenarios.add(new Scenario(file, line, written.name, written.level == null ? "L1" : written.level,
                            written.findings, written.patient == null ? null
                            : new ClinicalTerms.Person(written.patient.age, written.patient.conditions),
                            written.expect.toExpect(), model));
                }
            }
        } catch (JsonProcessingException e) {
            // The start of the offending token, not where the parser stopped after it.
            JsonLocation at = e.getProcessor() instanceof JsonParser parser ? parser.currentTokenLocation() : e.getLocation();
            problems.add(new RuleProblem(file, at == null ? 0 : at.getLineNr(), at == null ? 0 : at.getColumnNr(),
                    e.getOriginalMessage().replaceAll(" \\(class org\\.refracturecds[^)]*\\)", "")
                            .replaceAll("\\s*\\(\\d+ known properties:.*", ""),
                    "check the indentation and the names: name, level, findings, patient (age, conditions), expect (band, probability,"
                            + " guidance, no guidance, notices, no notices, indicator, alternatives)"));
        } catch (IOException e) {
            problems.add(new RuleProblem(file, 0, 0, "cannot be read: " + e.getMessage()));
        }
    }
}
