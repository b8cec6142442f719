package org.refracturecds.workbench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.refracturecds.authoring.ScenarioFiles;
import org.refracturecds.http.HttpError;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * A scenario file of a draft as text: where each scenario stands in it, and the file with one
 * scenario put in place of another, added at its end, or removed. Only that scenario's lines are
 * written, in the bundled files' style (findings and lists on one line); every other line, its
 * comments and its {@code model:} line keep their bytes. The file must read back as the scenarios
 * it should hold, or nothing is written.
 */
final class ScenarioText {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9(][^,\\[\\]{}#:\"'\\r\\n\\t]*");
    private static final Pattern NOT_A_STRING = Pattern.compile("(?i)(true|false|yes|no|on|off|y|n|null|~|[-+]?[0-9][0-9_.eE+-]*)");

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

    private ScenarioText() {
    }

    /** A scenario's place, as the scenario list names it: tests/x.yaml:12. */
    record Place(String file, int line) {
    }

    /** "tests/x.yaml:12" as its file, which must be a scenario file of the draft, and its line. */
    static Place place(String where, Map<String, byte[]> files) {
        String text = where == null ? "" : where.strip();
        int colon = text.lastIndexOf(':');
        if (colon < 0 || !text.substring(colon + 1).matches("\\d{1,6}")
                || !files(files).contains(text.substring(0, colon))) {
            throw new HttpError(404, ScenarioForm.CODE, "where", "no scenario at '" + HttpError.cut(text, 80) + "': name one"
                    + " as the scenario list does, its file and line (tests/workbench.yaml:3)");
        }
        return new Place(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
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
                .orElseThrow(() -> new HttpError(409, ScenarioForm.CODE, path + ":" + line, "no scenario starts at " + path + ":" + line
                        + " any more (the file changed): reload the page and open it again"));
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
            throw new HttpError(409, ScenarioForm.CODE, path, "the scenario could not be written into " + path + " in its format: change"
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
        throw new HttpError(409, ScenarioForm.CODE, "file", "the scenario file has no 'scenarios:' line: change it by hand");
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
    static String flow(JsonNode value) {
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
        return new HttpError(409, ScenarioForm.CODE, path, path + " cannot be read as a scenario file: mend it by hand, as `rules check`"
                + " shows (docs/AUTHORING.md)");
    }
}
