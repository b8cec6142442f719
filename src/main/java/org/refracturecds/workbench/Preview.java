package org.refracturecds.workbench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Band;
import org.refracturecds.facts.Guidance;
import org.refracturecds.facts.Settings;
import org.refracturecds.facts.VertebralLevel;
import org.refracturecds.fhirin.ClinicalTerms;
import org.refracturecds.fhirin.InputException;
import org.refracturecds.http.HttpError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

/**
 * A what-if patient on a draft's rules: the findings (in the clinical terms of the scenario files),
 * the phase and the level give the card exactly as a hook call answers it (its page kept and
 * linked), and the rows of the tables whose rules fired. A preview can be kept as a scenario of
 * the draft, in {@code tests/workbench.yaml}, expecting what it gave.
 */
final class Preview {

    static final String SCENARIO_FILE = "tests/workbench.yaml";
    private static final Pattern TABLE_ROW = Pattern.compile("(.+)_(\\d+)");
    private static final Set<String> STATUSES = Set.of("present", "absent", "not reported");
    private static final Set<String> PATTERNS = Set.of("none", "upper", "lower", "upper-and-lower");
    private static final List<String> FIELDS = List.of("level", "phase", "IVC", "EPD", "NPEC", "RR");
    private static final List<String> PHASES = List.of("pre-operative", "post-operative");
    /** What a pre-operative preview says of the findings of the procedure it leaves out. */
    private static final Map<String, String> AFTER_PVP_ONLY = Map.of(
            "NPEC", "where the cement does not touch the endplates (NPEC) is known after PVP only",
            "RR", "the reduction rate (RR) is measured after PVP only");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    /** A value sent that the preview does not use: its field, the value, and why, with what it would have changed. */
    record Unused(String field, String value, String reason) {
    }

    /**
     * The patient of a preview, as the page's form sends it.
     *
     * @param leftOut the values sent that the preview does not use, and why
     */
    record Patient(String level, boolean afterPvp, Map<String, String> findings, List<Unused> leftOut) {

        /**
         * Reads the form, refusing every field that cannot be used at once ({@code PVP-H828}, one
         * issue each), so that the author mends them together.
         *
         * @param kept whether the preview is kept as a scenario, which then needs a name
         */
        static Patient of(JsonNode form, boolean kept) {
            List<HttpError> problems = new ArrayList<>();
            form.fieldNames().forEachRemaining(field -> {
                if (!FIELDS.contains(field) && !(kept && field.equals("name"))) {
                    problems.add(refused(field, "is not a field of a preview: send " + String.join(", ", FIELDS)
                            + (kept ? ", and the scenario's name" : "")));
                }
            });
            String level = text(form, "level");
            if (level.isEmpty() || !Arrays.stream(level.split(",", -1)).allMatch(l -> VertebralLevel.byName(l).isPresent())) {
                problems.add(refused("level", sent(level) + ": give a vertebra from T4 to L5 (several: T11, T12)"));
            }
            String phase = text(form, "phase");
            if (!PHASES.contains(phase)) {
                problems.add(refused("phase", sent(phase) + ": give " + String.join(" or ", PHASES)));
            }
            boolean after = "post-operative".equals(phase);
            Map<String, String> findings = new LinkedHashMap<>();
            for (String factor : List.of("IVC", "EPD")) {
                String value = form.has(factor) ? text(form, factor) : "not reported";
                if (!STATUSES.contains(value)) {
                    problems.add(refused(factor, sent(value) + ": give present, absent or not reported"));
                }
                findings.put(factor, value);
            }
            List<Unused> leftOut = new ArrayList<>();
            if (after) {
                String npec = text(form, "NPEC");
                if (!PATTERNS.contains(npec)) {
                    problems.add(refused("NPEC", sent(npec) + ": give none, upper, lower or upper-and-lower (where the"
                            + " cement does not touch the endplate)"));
                }
                findings.put("NPEC", npec);
                String rr = text(form, "RR").replace("%", "").strip();
                if (!rr.matches("-?\\d+(\\.\\d+)?")) {
                    problems.add(refused("RR", sent(rr) + ": give the reduction rate as a number of percentage points,"
                            + " e.g. 12.5"));
                }
                findings.put("RR", rr + "%");
            } else {
                for (String factor : List.of("NPEC", "RR")) {
                    if (!text(form, factor).isEmpty()) {
                        leftOut.add(new Unused(factor, text(form, factor), AFTER_PVP_ONLY.get(factor) + ", and this preview"
                                + " is before it (phase pre-operative): the estimate is the one before PVP, without it; choose"
                                + " the phase post-operative to count it"));
                    }
                }
            }
            if (kept && (!form.path("name").isTextual() || text(form, "name").isEmpty())) {
                problems.add(refused("name", "give the scenario a name that says what it shows"));
            }
            if (!problems.isEmpty()) {
                throw HttpError.all(problems);
            }
            return new Patient(level, after, findings, List.copyOf(leftOut));
        }

        /** A field's value as text, stripped; "" when it is not sent. */
        private static String text(JsonNode form, String field) {
            JsonNode value = form.path(field);
            return value.isMissingNode() ? "" : value.isTextual() ? value.asText().strip() : value.toString();
        }

        private static String sent(String value) {
            return value.isEmpty() ? "is missing" : "is '" + HttpError.cut(value, 40) + "'";
        }

        private static HttpError refused(String field, String message) {
            return new HttpError(400, "PVP-H828", HttpError.cut(field, 40), message);
        }

        String context() {
            return afterPvp ? "After PVP" : "PVP ordered";
        }
    }

    private final ObjectMapper json;
    private final Settings settings;
    private final BiFunction<Assessment, String, ObjectNode> cards;

    Preview(ObjectMapper json, Settings settings, BiFunction<Assessment, String, ObjectNode> cards) {
        this.json = json;
        this.settings = settings;
        this.cards = cards;
    }

    Assessment assess(RuleSet rules, Patient patient) {
        Assessor assessor = new Assessor(rules, settings);
        try {
            return assessor.assess(ClinicalTerms.findings(rules.vocabulary(), patient.level(), patient.findings(), null,
                    "the preview"), true);
        } catch (InputException e) {
            throw new HttpError(400, e.code(), "preview", e.getMessage());
        }
    }

    /** The card, and the table rows that fired. */
    ObjectNode run(RuleSet rules, Patient patient, Map<String, byte[]> files) {
        long start = System.nanoTime();
        Assessment assessment = assess(rules, patient);
        ObjectNode answer = json.createObjectNode();
        answer.set("card", cards.apply(assessment, patient.context()));
        answer.set("leftOut", json.valueToTree(patient.leftOut()));
        Map<String, String> fileOfTable = fileOfTable(files);
        ArrayNode fired = answer.putArray("fired");
        for (String rule : assessment.firedRules()) {
            Matcher row = TABLE_ROW.matcher(rule);
            if (row.matches() && fileOfTable.containsKey(row.group(1))) {
                fired.addObject().put("file", fileOfTable.get(row.group(1))).put("row", Integer.parseInt(row.group(2)))
                        .put("rule", rule);
            }
        }
        answer.put("millis", (System.nanoTime() - start) / 1_000_000);
        return answer;
    }

    /**
     * The draft's scenario file with the preview added as a scenario that expects what it gave.
     *
     * @param name the scenario's name, which {@link Patient#of} checked is given
     */
    byte[] keep(RuleSet rules, Patient patient, String name, byte[] scenarioFile) throws IOException {
        Assessment assessment = assess(rules, patient);
        ObjectNode file = scenarioFile == null ? YAML.createObjectNode() : (ObjectNode) YAML.readTree(scenarioFile);
        ArrayNode scenarios = file.has("scenarios") ? (ArrayNode) file.get("scenarios") : file.putArray("scenarios");
        ObjectNode scenario = scenarios.addObject().put("name", name.strip()).put("level", patient.level());
        ObjectNode findings = scenario.putObject("findings");
        patient.findings().forEach(findings::put);
        ObjectNode expect = scenario.putObject("expect");
        Band band = assessment.input().vertebrae().get(0).getBand();
        if (band != null) {
            expect.put("band", band.getCode());
        }
        expect.put("indicator", assessment.urgency().name().toLowerCase(Locale.ROOT));
        ArrayNode guidance = expect.putArray("guidance");
        assessment.guidance().stream().map(Guidance::getId).distinct().forEach(guidance::add);
        scenario.put("notes", "Saved from a preview in the rules workbench: what the rules gave then.");
        return YAML.writeValueAsString(file).getBytes(StandardCharsets.UTF_8);
    }

    /** A case of MODEL.md's reference values. */
    record ReferenceCase(String name, Map<String, String> findings) {
    }

    private static final List<ReferenceCase> REFERENCE_CASES = referenceCases();

    private static List<ReferenceCase> referenceCases() {
        try (var in = Preview.class.getResourceAsStream("reference-cases.yaml")) {
            return YAML.readValue(in, YAML.getTypeFactory().constructCollectionType(List.class, ReferenceCase.class));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("reference-cases.yaml is missing from the jar or cannot be read", e);
        }
    }

    /**
     * MODEL.md's reference cases on the live rules and on the draft: each one's estimate and band
     * before and after, or why it has none.
     */
    ArrayNode referenceCases(RuleSet live, RuleSet draft) {
        ArrayNode cases = json.createArrayNode();
        for (ReferenceCase reference : REFERENCE_CASES) {
            Patient patient = new Patient("T12", true, reference.findings(), List.of());
            String before = estimate(live, patient);
            String after = estimate(draft, patient);
            cases.addObject().put("name", reference.name()).put("before", before).put("after", after)
                    .put("changed", !before.equals(after));
        }
        return cases;
    }

    private String estimate(RuleSet rules, Patient patient) {
        try {
            var prediction = assess(rules, patient).predictions().get(0);
            return org.refracturecds.facts.Numbers.probability(prediction.getProbability())
                    + (prediction.getBand() == null ? "" : " " + prediction.getBand().getDisplay());
        } catch (RuntimeException e) {
            // an input the draft's vocabulary no longer reads (HttpError), or rules that fail on it
            return "no estimate: " + e.getMessage();
        }
    }

    /** Each table's file, by the table's name. */
    static Map<String, String> fileOfTable(Map<String, byte[]> files) {
        Map<String, String> tables = new LinkedHashMap<>();
        files.forEach((path, bytes) -> {
            if (path.endsWith(".drl.csv") && !path.contains("/")) {
                RuleGrid.tables(RuleGrid.rows(bytes)).forEach(t -> tables.put(t.name(), path));
            }
        });
        return tables;
    }
}
