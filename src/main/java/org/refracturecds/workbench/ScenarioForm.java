package org.refracturecds.workbench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.refracturecds.facts.VertebralLevel;
import org.refracturecds.http.HttpError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A scenario of a draft's {@code tests/*.yaml} in clinical terms, for the page's form: its fields,
 * and the scenario the form's fields describe, written over the one it was ({@link ScenarioText}
 * puts it into its file). What the form does not show (the patient, alternatives, other findings
 * such as the compression ratios, a probability per technique scenario) is kept as written. A
 * value the scenario files cannot hold is refused with {@code PVP-H831}, naming every such field.
 */
final class ScenarioForm {

    static final String CODE = "PVP-H831";
    static final String NEW_FILE = Preview.SCENARIO_FILE;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> STATUSES = List.of("present", "absent", "not reported");
    private static final List<String> PATTERNS = List.of("none", "upper", "lower", "upper-and-lower", "not reported");
    private static final List<String> BANDS = List.of("low", "moderate", "high");
    private static final List<String> INDICATORS = List.of("info", "warning", "critical");
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");
    private static final Pattern RANGE = Pattern.compile("-?\\d+(\\.\\d+)?% to -?\\d+(\\.\\d+)?%");
    private static final Pattern NOTICE = Pattern.compile("PVP-[A-Z]\\d{3}");
    /** The form's fields of a scenario's expect, in the order the files write them. */
    private static final List<String> LISTS = List.of("guidance", "no guidance", "notices", "no notices");

    private ScenarioForm() {
    }

    /**
     * The files a new scenario may go to: the draft's scenario files ({@code tests/*.yaml}) and
     * {@link #NEW_FILE}, which the first new scenario makes; in order of their path.
     */
    static List<String> newScenarioFiles(Map<String, byte[]> files) {
        Set<String> targets = new java.util.TreeSet<>(ScenarioText.files(files));
        targets.add(NEW_FILE);
        return List.copyOf(targets);
    }

    /** The file a new scenario goes to: {@code file} of the form, {@link #NEW_FILE} when it names none. */
    static String newScenarioFile(JsonNode form, Map<String, byte[]> files) {
        String path = form.path("file").asText("").strip();
        if (path.isEmpty()) {
            return NEW_FILE;
        }
        if (!newScenarioFiles(files).contains(path)) {
            throw refused("file", "add the scenario to one of the draft's scenario files, " + String.join(", ",
                    newScenarioFiles(files)) + ": a new file is made only as " + NEW_FILE);
        }
        return path;
    }

    /** The Guidance ids of the draft's guidance.drl.csv, which a scenario's expected guidance must name. */
    static Set<String> guidanceIds(Map<String, byte[]> files) {
        Set<String> ids = new java.util.HashSet<>();
        byte[] guidance = files.get("guidance.drl.csv");
        if (guidance == null) {
            return ids;
        }
        List<List<String>> rows = RuleGrid.rows(guidance);
        for (RuleGrid.Table table : RuleGrid.tables(rows)) {
            table.columns().stream().filter(c -> c.name().equals("Guidance id")).findFirst().ifPresent(column -> {
                for (int row = table.firstRow(); row <= table.lastRow() && row <= rows.size(); row++) {
                    List<String> cells = rows.get(row - 1);
                    if (column.index() <= cells.size() && !cells.get(column.index() - 1).isBlank()) {
                        ids.add(cells.get(column.index() - 1).strip());
                    }
                }
            });
        }
        return ids;
    }

    /** The form's fields of a scenario, and what the form leaves as written. */
    static ObjectNode fields(ObjectNode scenario) {
        ObjectNode form = JSON.createObjectNode();
        JsonNode findings = scenario.path("findings");
        JsonNode expect = scenario.path("expect");
        form.put("name", scenario.path("name").asText(""));
        form.put("level", scenario.path("level").asText("L1"));
        boolean after = findings.has("NPEC") || findings.has("RR") || findings.has("CR post");
        form.put("phase", after ? "post-operative" : "pre-operative");
        form.put("IVC", findings.path("IVC").asText("not reported"));
        form.put("EPD", findings.path("EPD").asText("not reported"));
        form.put("NPEC", findings.path("NPEC").asText(after ? "not reported" : "none"));
        form.put("RR", findings.path("RR").asText("").replace("%", "").strip());
        form.put("band", expect.path("band").asText(""));
        form.put("indicator", expect.path("indicator").asText(""));
        form.put("probability", expect.path("probability").isTextual() ? expect.path("probability").asText() : "");
        for (String list : LISTS) {
            List<String> ids = new ArrayList<>();
            expect.path(list).forEach(id -> ids.add(id.asText()));
            form.put(list, String.join(", ", ids));
        }
        form.put("notes", scenario.path("notes").asText(""));
        ArrayNode kept = form.putArray("kept");
        scenario.fieldNames().forEachRemaining(key -> {
            if (!Set.of("name", "level", "findings", "expect", "notes").contains(key)) {
                kept.add(key + ": " + ScenarioText.flow(scenario.get(key)));
            }
        });
        findings.fieldNames().forEachRemaining(key -> {
            if (!Set.of("IVC", "EPD", "NPEC", "RR").contains(key)) {
                kept.add("findings, " + key + ": " + ScenarioText.flow(findings.get(key)));
            }
        });
        expect.fieldNames().forEachRemaining(key -> {
            if (key.equals("probability") && !expect.get(key).isTextual() || key.equals("alternatives")) {
                kept.add("expect, " + key + ": " + ScenarioText.flow(expect.get(key)));
            }
        });
        return form;
    }

    /**
     * The scenario the form describes, written over {@code original} (null for a new one): what the
     * form does not show is kept.
     *
     * @param guidanceIds the guidance ids of the draft's guidance.drl.csv, which the expected guidance must name
     */
    static ObjectNode scenario(ObjectNode original, JsonNode form, Set<String> guidanceIds) {
        ObjectNode scenario = original == null ? JSON.createObjectNode() : original.deepCopy();
        // Every field that cannot be written is named at once, so that the author mends them together.
        List<HttpError> problems = new ArrayList<>();
        String name = form.path("name").asText("").strip();
        if (name.isEmpty()) {
            problems.add(refused("name", "give the scenario a name that says what it shows"));
        }
        scenario.put("name", name);
        String level = form.path("level").asText("").strip();
        if (!levels(level)) {
            problems.add(refused("level", "give the vertebra, T4 to L5, or several with a comma: T11, T12"));
        }
        scenario.put("level", level);
        ObjectNode findings = scenario.has("findings") && scenario.get("findings").isObject()
                ? (ObjectNode) scenario.get("findings") : JSON.createObjectNode();
        scenario.set("findings", findings);
        for (String factor : List.of("IVC", "EPD")) {
            findings.put(factor, choice(form, factor, STATUSES, "present, absent or not reported", problems));
        }
        boolean after = "post-operative".equals(form.path("phase").asText());
        if (!after && !"pre-operative".equals(form.path("phase").asText())) {
            problems.add(refused("phase", "give pre-operative (PVP ordered) or post-operative (after PVP)"));
        }
        if (after) {
            findings.put("NPEC", choice(form, "NPEC", PATTERNS, "none, upper, lower, upper-and-lower (where the cement"
                    + " does not touch the endplate) or not reported", problems));
            String rr = form.path("RR").asText("").strip().replace("%", "").strip();
            if (rr.isEmpty()) {
                findings.remove("RR");
            } else if (NUMBER.matcher(rr).matches()) {
                findings.put("RR", rr + "%");
            } else {
                problems.add(refused("RR", "give the reduction rate as a number of percentage points (12.5), or leave it"
                        + " empty"));
            }
        } else {
            findings.remove(List.of("NPEC", "RR", "CR post"));
        }
        ObjectNode expect = scenario.has("expect") && scenario.get("expect").isObject()
                ? (ObjectNode) scenario.get("expect") : JSON.createObjectNode();
        scenario.set("expect", expect);
        optional(expect, "band", choice(form, "band", BANDS, "low, moderate or high, or leave it empty", problems));
        optional(expect, "indicator", choice(form, "indicator", INDICATORS, "info, warning or critical, or leave it empty",
                problems));
        String probability = form.path("probability").asText("").strip();
        if (!probability.isEmpty() && !RANGE.matcher(probability).matches()) {
            problems.add(refused("probability", "give a range in %, as 4.5% to 7%, or leave it empty"));
        }
        if (!probability.isEmpty() || expect.path("probability").isTextual()) {
            optional(expect, "probability", probability);
        }
        for (String list : LISTS) {
            List<String> ids = ids(form, list);
            for (String id : ids) {
                boolean known = list.contains("guidance") ? guidanceIds.contains(id) : NOTICE.matcher(id).matches();
                if (!known) {
                    problems.add(refused(list, list.contains("guidance") ? "'" + HttpError.cut(id, 40) + "' is not a Guidance id"
                            + " of this draft's guidance.drl.csv" : "'" + HttpError.cut(id, 40) + "' is not a notice code"
                            + " (PVP- then a letter and three digits, e.g. PVP-W301)"));
                }
            }
            expect.remove(list);
            if (!ids.isEmpty()) {
                ArrayNode array = expect.putArray(list);
                ids.forEach(array::add);
            }
        }
        if (expect.isEmpty() && problems.isEmpty()) {
            problems.add(refused("expect", "say what the rules must give: a band, an indicator, a probability, or"
                    + " guidance or notices given or not given"));
        }
        if (!problems.isEmpty()) {
            throw HttpError.all(problems);
        }
        String notes = form.path("notes").asText("").strip();
        scenario.remove("notes");
        if (!notes.isEmpty()) {
            scenario.put("notes", notes);
        }
        return canonical(scenario);
    }

    /** The scenario's keys in the files' order: name, level, findings, patient, expect, then the rest, notes last. */
    private static ObjectNode canonical(ObjectNode scenario) {
        ObjectNode ordered = JSON.createObjectNode();
        for (String key : List.of("name", "level", "findings", "patient", "expect")) {
            if (scenario.has(key)) {
                ordered.set(key, scenario.get(key));
            }
        }
        scenario.fields().forEachRemaining(e -> {
            if (!ordered.has(e.getKey()) && !e.getKey().equals("notes")) {
                ordered.set(e.getKey(), e.getValue());
            }
        });
        if (scenario.has("notes")) {
            ordered.set("notes", scenario.get("notes"));
        }
        ObjectNode expect = (ObjectNode) ordered.get("expect");
        ObjectNode sorted = JSON.createObjectNode();
        for (String key : List.of("band", "probability", "guidance", "no guidance", "notices", "no notices", "indicator",
                "alternatives")) {
            if (expect.has(key)) {
                sorted.set(key, expect.get(key));
            }
        }
        expect.fields().forEachRemaining(e -> sorted.set(e.getKey(), e.getValue()));
        ordered.set("expect", sorted);
        return ordered;
    }

    /** The field's value, one of {@code allowed}; "" and a problem added when it is none of them. */
    private static String choice(JsonNode form, String field, List<String> allowed, String what, List<HttpError> problems) {
        String value = form.path(field).asText("").strip();
        if (value.isEmpty() && !List.of("IVC", "EPD", "NPEC").contains(field)) {
            return "";
        }
        if (!allowed.contains(value)) {
            problems.add(refused(field, "give " + what));
            return "";
        }
        return value;
    }

    private static void optional(ObjectNode expect, String key, String value) {
        if (value.isEmpty()) {
            expect.remove(key);
        } else {
            expect.put(key, value);
        }
    }

    private static List<String> ids(JsonNode form, String field) {
        Set<String> ids = new LinkedHashSet<>();
        for (String id : form.path(field).asText("").split(",")) {
            if (!id.isBlank()) {
                ids.add(id.strip());
            }
        }
        return List.copyOf(ids);
    }

    private static HttpError refused(String field, String what) {
        return new HttpError(400, CODE, field, what);
    }

    /** Whether {@code text} names one level the paper studied (T4 to L5), or several with commas, as written there. */
    private static boolean levels(String text) {
        return Arrays.stream(text.split(",", -1)).map(String::strip)
                .allMatch(name -> VertebralLevel.byName(name).filter(level -> level.name().equals(name)).isPresent());
    }
}
