package org.refracturecds.workbench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.refracturecds.authoring.ScenarioFiles;
import org.refracturecds.http.HttpError;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * A scenario of a draft's {@code tests/*.yaml} in clinical terms, for the page's form: its fields
 * read out of the file, and the file written again with one scenario added, changed or removed.
 *
 * <p>Only that scenario's lines are rewritten, in the bundled files' style (findings and lists on
 * one line); the rest of the file, its comments and its {@code model:} line, keep their bytes.
 * What the form does not show (the patient, alternatives, other findings such as the compression
 * ratios, a probability per technique scenario) is kept as written. A value the scenario files
 * cannot hold is refused with {@code PVP-H831}, naming the field.
 */
final class ScenarioForm {

    static final String CODE = "PVP-H831";
    static final String NEW_FILE = Preview.SCENARIO_FILE;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> STATUSES = List.of("present", "absent", "not reported");
    private static final List<String> PATTERNS = List.of("none", "upper", "lower", "upper-and-lower", "not reported");
    private static final List<String> BANDS = List.of("low", "moderate", "high");
    private static final List<String> INDICATORS = List.of("info", "warning", "critical");
    private static final Pattern LEVEL = Pattern.compile("(T([4-9]|1[0-2])|L[1-5])(\\s*,\\s*(T([4-9]|1[0-2])|L[1-5]))*");
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");
    private static final Pattern RANGE = Pattern.compile("-?\\d+(\\.\\d+)?% to -?\\d+(\\.\\d+)?%");
    private static final Pattern NOTICE = Pattern.compile("PVP-[A-Z]\\d{3}");
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9(][^,\\[\\]{}#:\"'\\r\\n\\t]*");
    private static final Pattern NOT_A_STRING = Pattern.compile("(?i)(true|false|yes|no|on|off|y|n|null|~|[-+]?[0-9][0-9_.eE+-]*)");
    /** The form's fields of a scenario's expect, in the order the files write them. */
    private static final List<String> LISTS = List.of("guidance", "no guidance", "notices", "no notices");

    /**
     * A scenario where it stands in its file.
     *
     * @param line   the line its file gives it ({@code where}: tests/x.yaml:LINE), 1-based
     * @param from   its first line, 0-based
     * @param to     the line after its last, 0-based (comments and blank lines before the next one excluded)
     * @param indent the spaces before its "-"
     */
    record Found(int line, int from, int to, int indent, ObjectNode scenario) {
    }

    private ScenarioForm() {
    }

    /** The scenarios of one scenario file, in order; refused when the file cannot be read. */
    static List<Found> scenarios(String path, byte[] file) {
        List<String> lines = lines(file);
        List<int[]> starts = new ArrayList<>();
        List<ObjectNode> nodes = new ArrayList<>();
        try (JsonParser parser = YAML.createParser(file)) {
            boolean started = parser.nextToken() == JsonToken.START_OBJECT && parser.nextToken() == JsonToken.FIELD_NAME;
            if (started && "model".equals(parser.currentName())) {
                parser.nextToken();
                started = parser.nextToken() == JsonToken.FIELD_NAME;
            }
            if (!started || !"scenarios".equals(parser.currentName()) || parser.nextToken() != JsonToken.START_ARRAY) {
                throw unreadable(path);
            }
            while (parser.nextToken() == JsonToken.START_OBJECT) {
                // the same line ScenarioFiles gives the scenario
                starts.add(new int[] {parser.currentLocation().getLineNr()});
                nodes.add(YAML.readTree(parser));
            }
        } catch (IOException e) {
            throw unreadable(path);
        }
        List<Found> found = new ArrayList<>();
        for (int i = 0; i < starts.size(); i++) {
            int line = starts.get(i)[0];
            int from = line - 1;
            int to = i + 1 < starts.size() ? starts.get(i + 1)[0] - 1 : lines.size();
            while (to > from + 1 && (lines.get(to - 1).isBlank() || lines.get(to - 1).strip().startsWith("#"))) {
                to--;
            }
            String first = lines.get(from);
            int indent = first.indexOf('-') < 0 ? 0 : first.indexOf('-');
            found.add(new Found(line, from, to, indent, nodes.get(i)));
        }
        return found;
    }

    /** The scenario that starts at {@code line} of the file, as the scenario list names it. */
    static Found at(String path, byte[] file, int line) {
        return scenarios(path, file).stream().filter(f -> f.line() == line).findFirst()
                .orElseThrow(() -> new HttpError(409, CODE, path + ":" + line, "no scenario starts at " + path + ":" + line
                        + " any more (the file changed): reload the page and open it again"));
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
                kept.add(key + ": " + flow(scenario.get(key)));
            }
        });
        findings.fieldNames().forEachRemaining(key -> {
            if (!Set.of("IVC", "EPD", "NPEC", "RR").contains(key)) {
                kept.add("findings, " + key + ": " + flow(findings.get(key)));
            }
        });
        expect.fieldNames().forEachRemaining(key -> {
            if (key.equals("probability") && !expect.get(key).isTextual() || key.equals("alternatives")) {
                kept.add("expect, " + key + ": " + flow(expect.get(key)));
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
        String name = form.path("name").asText("").strip();
        if (name.isEmpty()) {
            throw refused("name", "give the scenario a name that says what it shows");
        }
        scenario.put("name", name);
        String level = form.path("level").asText("").strip();
        if (!LEVEL.matcher(level).matches()) {
            throw refused("level", "give the vertebra, T4 to L5, or several with a comma: T11, T12");
        }
        scenario.put("level", level);
        ObjectNode findings = scenario.has("findings") && scenario.get("findings").isObject()
                ? (ObjectNode) scenario.get("findings") : JSON.createObjectNode();
        scenario.set("findings", findings);
        for (String factor : List.of("IVC", "EPD")) {
            findings.put(factor, choice(form, factor, STATUSES, "present, absent or not reported"));
        }
        boolean after = "post-operative".equals(form.path("phase").asText());
        if (!after && !"pre-operative".equals(form.path("phase").asText())) {
            throw refused("phase", "give pre-operative (PVP ordered) or post-operative (after PVP)");
        }
        if (after) {
            findings.put("NPEC", choice(form, "NPEC", PATTERNS, "none, upper, lower, upper-and-lower (where the cement"
                    + " does not touch the endplate) or not reported"));
            String rr = form.path("RR").asText("").strip().replace("%", "").strip();
            if (rr.isEmpty()) {
                findings.remove("RR");
            } else if (NUMBER.matcher(rr).matches()) {
                findings.put("RR", rr + "%");
            } else {
                throw refused("RR", "give the reduction rate as a number of percentage points (12.5), or leave it empty");
            }
        } else {
            findings.remove(List.of("NPEC", "RR", "CR post"));
        }
        ObjectNode expect = scenario.has("expect") && scenario.get("expect").isObject()
                ? (ObjectNode) scenario.get("expect") : JSON.createObjectNode();
        scenario.set("expect", expect);
        optional(expect, "band", choice(form, "band", BANDS, "low, moderate or high, or leave it empty"));
        optional(expect, "indicator", choice(form, "indicator", INDICATORS, "info, warning or critical, or leave it empty"));
        String probability = form.path("probability").asText("").strip();
        if (!probability.isEmpty() && !RANGE.matcher(probability).matches()) {
            throw refused("probability", "give a range in %, as 4.5% to 7%, or leave it empty");
        }
        if (!probability.isEmpty() || expect.path("probability").isTextual()) {
            optional(expect, "probability", probability);
        }
        for (String list : LISTS) {
            List<String> ids = ids(form, list);
            for (String id : ids) {
                boolean known = list.contains("guidance") ? guidanceIds.contains(id) : NOTICE.matcher(id).matches();
                if (!known) {
                    throw refused(list, list.contains("guidance") ? "'" + HttpError.cut(id, 40) + "' is not a Guidance id"
                            + " of this draft's guidance.drl.csv" : "'" + HttpError.cut(id, 40) + "' is not a notice code"
                            + " (PVP- then a letter and three digits, e.g. PVP-W301)");
                }
            }
            expect.remove(list);
            if (!ids.isEmpty()) {
                ArrayNode array = expect.putArray(list);
                ids.forEach(array::add);
            }
        }
        if (expect.isEmpty()) {
            throw refused("expect", "say what the rules must give: a band, an indicator, a probability, or guidance or"
                    + " notices given or not given");
        }
        String notes = form.path("notes").asText("").strip();
        scenario.remove("notes");
        if (!notes.isEmpty()) {
            scenario.put("notes", notes);
        }
        return canonical(scenario);
    }

    /** The file with {@code scenario} in place of {@code old}, or added at its end when old is null. */
    static byte[] put(String path, byte[] file, Found old, ObjectNode scenario) {
        List<String> lines = file == null ? new ArrayList<>(List.of("scenarios:\n")) : lines(file);
        List<Found> all = file == null ? List.of() : scenarios(path, file);
        int expected = all.size() + (old == null ? 1 : 0);
        if (old != null) {
            lines.subList(old.from(), old.to()).clear();
            lines.add(old.from(), block(scenario, old.indent()));
        } else if (all.isEmpty()) {
            int key = keyLine(lines);
            lines.set(key, "scenarios:\n");
            lines.add(key + 1, block(scenario, 2));
        } else {
            Found last = all.get(all.size() - 1);
            if (!lines.get(last.to() - 1).endsWith("\n")) {
                lines.set(last.to() - 1, lines.get(last.to() - 1) + "\n");
            }
            lines.add(last.to(), block(scenario, all.get(0).indent()));
        }
        return written(path, lines, expected);
    }

    /** The file without scenario {@code old}; a file left with none says {@code scenarios: []}. */
    static byte[] remove(String path, byte[] file, Found old) {
        List<String> lines = lines(file);
        int left = scenarios(path, file).size() - 1;
        lines.subList(old.from(), old.to()).clear();
        if (left == 0) {
            lines.set(keyLine(lines), "scenarios: []\n");
        }
        return written(path, lines, left);
    }

    /** The draft's scenario files, by path. */
    static List<String> files(Map<String, byte[]> files) {
        return files.keySet().stream().filter(p -> p.startsWith(ScenarioFiles.FOLDER + "/")
                && (p.endsWith(".yaml") || p.endsWith(".yml"))).toList();
    }

    /** The text, which must read back as {@code count} scenarios. */
    private static byte[] written(String path, List<String> lines, int count) {
        byte[] bytes = String.join("", lines).getBytes(StandardCharsets.UTF_8);
        if (scenarios(path, bytes).size() != count) {
            throw new HttpError(409, CODE, path, "the scenario could not be written into " + path + " in its format: change"
                    + " the file by hand (docs/AUTHORING.md)");
        }
        return bytes;
    }

    private static int keyLine(List<String> lines) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("scenarios:")) {
                return i;
            }
        }
        throw new HttpError(409, CODE, "file", "the scenario file has no 'scenarios:' line: change it by hand");
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

    /** One scenario as lines of a scenario file: "- name:" at {@code indent}, expect's keys one a line. */
    static String block(ObjectNode scenario, int indent) {
        String item = " ".repeat(indent);
        String key = item + "  ";
        StringBuilder out = new StringBuilder();
        Iterator<Map.Entry<String, JsonNode>> fields = scenario.fields();
        boolean first = true;
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            out.append(first ? item + "- " : key).append(scalar(field.getKey())).append(':');
            first = false;
            if (field.getKey().equals("expect") && field.getValue().isObject()) {
                out.append('\n');
                field.getValue().fields().forEachRemaining(e -> out.append(key).append("  ").append(scalar(e.getKey()))
                        .append(": ").append(flow(e.getValue())).append('\n'));
            } else {
                out.append(' ').append(flow(field.getValue())).append('\n');
            }
        }
        return out.toString();
    }

    /** A value on one line: {a: b, c: d}, [a, b] or a scalar. */
    private static String flow(JsonNode value) {
        if (value.isObject()) {
            List<String> parts = new ArrayList<>();
            value.fields().forEachRemaining(e -> parts.add(scalar(e.getKey()) + ": " + flow(e.getValue())));
            return "{" + String.join(", ", parts) + "}";
        }
        if (value.isArray()) {
            List<String> parts = new ArrayList<>();
            value.forEach(v -> parts.add(flow(v)));
            return "[" + String.join(", ", parts) + "]";
        }
        if (value.isNumber() || value.isBoolean() || value.isNull()) {
            return value.asText();
        }
        return scalar(value.asText());
    }

    /** A string as a plain scalar where YAML reads it back as that string, else double-quoted. */
    private static String scalar(String text) {
        if (PLAIN.matcher(text).matches() && text.equals(text.strip()) && !NOT_A_STRING.matcher(text).matches()) {
            return text;
        }
        return JsonNodeFactory.instance.textNode(text).toString();
    }

    private static String choice(JsonNode form, String field, List<String> allowed, String what) {
        String value = form.path(field).asText("").strip();
        if (value.isEmpty() && !List.of("IVC", "EPD", "NPEC").contains(field)) {
            return "";
        }
        if (!allowed.contains(value)) {
            throw refused(field, "give " + what);
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

    private static List<String> lines(byte[] file) {
        String text = new String(file, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                lines.add(text.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < text.length()) {
            lines.add(text.substring(start));
        }
        return lines;
    }

    private static HttpError unreadable(String path) {
        return new HttpError(409, CODE, path, path + " cannot be read as a scenario file: mend it by hand, as `rules check`"
                + " shows (docs/AUTHORING.md)");
    }

    private static HttpError refused(String field, String what) {
        return new HttpError(400, CODE, field, what);
    }
}
