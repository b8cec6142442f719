package org.refracturecds.workbench;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * A decision table file ({@code .drl.csv}) as the workbench shows it: its rows of cells, and the
 * tables in it ({@code RuleTable NAME}, then the CONDITION/ACTION row, the code row, the column
 * names and the rules, up to an empty row), each column typed and marked editable or locked.
 *
 * <p>What a clinician may change follows each file's Notes: the values, wording and Source;
 * locked are the code rows above the column names, the ids the program and the senders refer to
 * (a table's id column, whatever says "keep it", finding codes and code systems).
 */
final class RuleGrid {

    /**
     * One column of a table.
     *
     * @param index    1-based, as the spreadsheet's A is 1
     * @param type     text, number or choice
     * @param choices  for a choice: the values, "" meaning any (a condition left empty) or none
     * @param required whether every rule must fill it (the Source)
     */
    record Column(int index, String name, String type, List<String> choices, boolean editable, boolean required) {
    }

    /**
     * One table: its column names on {@code headerRow}, its rules on {@code firstRow} to {@code lastRow} (1-based rows).
     *
     * @param fixedRows why rows cannot be added or removed here, or null when they can
     * @param idColumn  the column that names a row (the first locked one, 1-based), or 0
     * @param uniqueIds whether that column names each row once, so that a new row needs an id of its own
     */
    record Table(String name, int headerRow, int firstRow, int lastRow, List<Column> columns, String fixedRows,
                 int idColumn, boolean uniqueIds) {
    }

    /**
     * The tables whose rows are the model's own, so that a clinician changes their values but not
     * their rows: the program, the other tables or the senders name each row.
     */
    private static final Map<String, String> FIXED_ROWS = Map.of(
            "Coefficients", "one row per factor of the model: change the numbers, not the rows",
            "Calibration", "the model's one calibration row",
            "Covariance", "a square table over b0 and the four factors, only whole, from a statistician",
            "Bands", "the three bands the guidance, the scenarios and the cards name",
            "Applicability", "each row is a check the service makes, by its Id and notice code",
            "PhysicalLimits", "one row per finding code the service reads");

    private static final CSVFormat READ = CSVFormat.DEFAULT.builder().setIgnoreEmptyLines(false).build();
    private static final Pattern CONSTRUCTOR = Pattern.compile("new \\w+\\(\"\\$param\"");
    private static final Pattern LISTED = Pattern.compile("\\(([a-z-]+(?:, [a-z-]+)+)\\)");

    private RuleGrid() {
    }

    /** The file's rows of cells. */
    static List<List<String>> rows(byte[] csv) {
        try (CSVParser parser = CSVParser.parse(new StringReader(new String(csv, StandardCharsets.UTF_8)), READ)) {
            List<List<String>> rows = new ArrayList<>();
            for (CSVRecord record : parser) {
                rows.add(new ArrayList<>(record.toList()));
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The rows as a file again, written over {@code original}: a row whose cells did not change
     * keeps its bytes exactly (its quoting too), a changed one is written quoted only where needed.
     */
    static byte[] csv(List<List<String>> rows, byte[] original) {
        String text = new String(original, StandardCharsets.UTF_8);
        String end = text.contains("\r\n") ? "\r\n" : "\n";
        List<Long> starts = new ArrayList<>();
        List<List<String>> before = new ArrayList<>();
        try (CSVParser parser = CSVParser.parse(new StringReader(text), READ)) {
            for (CSVRecord record : parser) {
                starts.add(record.getCharacterPosition());
                before.add(record.toList());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuilder out = new StringBuilder(text.length() + 256);
        for (int i = 0; i < rows.size(); i++) {
            if (i < before.size() && before.get(i).equals(rows.get(i))) {
                int from = (int) (long) starts.get(i);
                int to = i + 1 < starts.size() ? (int) (long) starts.get(i + 1) : text.length();
                out.append(text, from, to);
                if (to == text.length() && !text.endsWith("\n") && i + 1 < rows.size()) {
                    out.append(end);
                }
            } else {
                out.append(record(rows.get(i)));
                if (i + 1 < rows.size() || text.endsWith("\n")) {
                    out.append(end);
                }
            }
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The file with a row of {@code cells} inserted before row {@code before} (1-based); every other line keeps its bytes. */
    static byte[] insertRow(byte[] original, int before, List<String> cells) {
        String text = new String(original, StandardCharsets.UTF_8);
        String end = text.contains("\r\n") ? "\r\n" : "\n";
        List<Integer> starts = starts(text);
        int at = before - 1 < starts.size() ? starts.get(before - 1) : text.length();
        String prefix = text.substring(0, at);
        if (!prefix.isEmpty() && !prefix.endsWith("\n")) {
            prefix += end;
        }
        return (prefix + record(cells) + end + text.substring(at)).getBytes(StandardCharsets.UTF_8);
    }

    /** The file without row {@code row} (1-based); every other line keeps its bytes. */
    static byte[] removeRow(byte[] original, int row) {
        String text = new String(original, StandardCharsets.UTF_8);
        List<Integer> starts = starts(text);
        int to = row < starts.size() ? starts.get(row) : text.length();
        return (text.substring(0, starts.get(row - 1)) + text.substring(to)).getBytes(StandardCharsets.UTF_8);
    }

    /** Where each record of the text starts. */
    private static List<Integer> starts(String text) {
        List<Integer> starts = new ArrayList<>();
        try (CSVParser parser = CSVParser.parse(new StringReader(text), READ)) {
            for (CSVRecord record : parser) {
                starts.add((int) record.getCharacterPosition());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return starts;
    }

    /** One row as CSV, each cell quoted only when it holds a comma, a quote, a line break or outer spaces. */
    private static String record(List<String> row) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < row.size(); c++) {
            String cell = row.get(c) == null ? "" : row.get(c);
            if (c > 0) {
                line.append(',');
            }
            if (cell.matches("(?s).*[,\"\r\n].*") || !cell.equals(cell.strip())) {
                line.append('"').append(cell.replace("\"", "\"\"")).append('"');
            } else {
                line.append(cell);
            }
        }
        return line.toString();
    }

    /** The tables of a file's rows. */
    static List<Table> tables(List<List<String>> rows) {
        List<Table> tables = new ArrayList<>();
        for (int i = 0; i + 4 < rows.size(); i++) {
            String first = cell(rows.get(i), 0);
            if (!first.startsWith("RuleTable ")) {
                continue;
            }
            List<String> kinds = rows.get(i + 1);
            List<String> code = rows.get(i + 3);
            List<String> names = rows.get(i + 4);
            int last = i + 5;
            while (last < rows.size() && !blank(rows.get(last))) {
                last++;
            }
            List<Column> columns = new ArrayList<>();
            for (int c = 0; c < names.size(); c++) {
                if (cell(kinds, c).isBlank() && cell(names, c).isBlank()) {
                    continue;
                }
                columns.add(column(c + 1, cell(names, c), cell(kinds, c), cell(code, c), c == names.size() - 1));
            }
            String name = first.substring("RuleTable ".length()).strip();
            int id = columns.stream().filter(c -> !c.editable()).mapToInt(Column::index).findFirst().orElse(0);
            java.util.Set<String> ids = new java.util.HashSet<>();
            boolean unique = id > 0;
            for (int r = i + 5; r < last && unique; r++) {
                unique = ids.add(cell(rows.get(r), id - 1));
            }
            tables.add(new Table(name, i + 5, i + 6, last, columns, FIXED_ROWS.get(name), id, unique));
            i = last;
        }
        return tables;
    }

    private static Column column(int index, String name, String kind, String code, boolean lastColumn) {
        String lower = name.toLowerCase(Locale.ROOT);
        boolean condition = kind.strip().equalsIgnoreCase("CONDITION");
        boolean locked = CONSTRUCTOR.matcher(code).find() || lower.contains("keep it") || lower.startsWith("finding code")
                || lower.startsWith("code system");
        boolean required = lastColumn && lower.equals("source");
        List<String> choices = null;
        if (code.contains("status(")) {
            choices = List.of("", "present", "absent", "not reported");
        } else if (code.contains("band!.code")) {
            choices = List.of("", "low", "moderate", "high");
        } else if (code.contains("phase ==")) {
            choices = List.of("", "pre-operative", "post-operative");
        } else if (lower.startsWith("favourable")) {
            choices = List.of("", "yes");
        } else if (lower.startsWith("match (exact or prefix)")) {
            choices = List.of("exact", "prefix");
        } else {
            Matcher listed = LISTED.matcher(name);
            if (listed.find()) {
                choices = List.of(listed.group(1).split(", "));
            }
        }
        String type;
        if (choices != null) {
            type = "choice";
            if (!condition && choices.get(0).isEmpty() && !lower.startsWith("favourable")) {
                choices = choices.subList(1, choices.size());
            }
        } else if (code.contains("$param") && !code.contains("\"$param\"")) {
            type = "number";
        } else {
            type = "text";
        }
        return new Column(index, name, type, choices == null ? List.of() : choices, !locked, required);
    }

    private static boolean blank(List<String> row) {
        return row.stream().allMatch(String::isBlank);
    }

    static String cell(List<String> row, int index) {
        return index < row.size() ? row.get(index) : "";
    }
}
