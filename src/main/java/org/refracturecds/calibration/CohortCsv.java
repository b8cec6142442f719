package org.refracturecds.calibration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Numbers;
import org.refracturecds.facts.PhysicalLimit;
import org.refracturecds.facts.VertebralLevel;

/**
 * A cohort saved from a centre's audit spreadsheet: a header row, then one row per treated
 * vertebra with the columns {@code patient, level, ivc, epd, npec, rr, refracture} and optionally
 * {@code months} (docs/MODEL.md, Local recalibration). Commas or, as some spreadsheets save them,
 * semicolons; other columns are left aside and named. Every problem is collected with its row
 * (the spreadsheet's: the header is row 1) and column, and the cohort is refused whole.
 *
 * <p>Each row's findings go through the scenarios' path ({@link CohortRow#findings}): the
 * Observations a sender would send, read by the same mapping as real input.
 */
final class CohortCsv {

    static final List<String> REQUIRED = List.of("patient", "level", "ivc", "epd", "npec", "rr", "refracture");
    static final String MONTHS = "months";
    private static final List<String> NPEC = List.of("none", "upper", "lower", "upper-and-lower");
    private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)");
    private static final int MOST_PROBLEMS = 200;

    private final String name;
    private final RuleSet rules;
    private final List<CohortProblem> problems = new ArrayList<>();
    private int[] lineStarts;

    private CohortCsv(String name, RuleSet rules) {
        this.name = name;
        this.rules = rules;
    }

    /** @param name the file as the user named it, for messages */
    static Cohort read(String name, String text, RuleSet rules) throws CohortException {
        return new CohortCsv(name, rules).read(text);
    }

    private Cohort read(String text) throws CohortException {
        lineStarts = lineStarts(text);
        String firstLine = text.lines().findFirst().orElse("");
        char delimiter = firstLine.indexOf(',') < 0 && firstLine.indexOf(';') >= 0 ? ';' : ',';
        // Not the parser's trim: it drops control characters too ("12\0" read as 12); cells are stripped of white space only.
        CSVFormat format = CSVFormat.DEFAULT.builder().setDelimiter(delimiter).setIgnoreEmptyLines(true).build();
        List<CSVRecord> records = new ArrayList<>();
        try (CSVParser parser = CSVParser.parse(text, format)) {
            for (CSVRecord record : parser) {
                records.add(record);
            }
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            int row = records.isEmpty() ? 1 : row(records.get(records.size() - 1)) + 1;
            // The parser's own words name Java classes ("java.io.IOException: (startline 2) EOF reached ..."): not shown.
            throw new CohortException("PVP-C203", name + " row " + row + " or after", "cannot be read as CSV: a quoted"
                    + " cell is not closed; look for an unbalanced quote (\") in that row; save the spreadsheet as CSV");
        }
        if (records.isEmpty()) {
            throw new CohortException("PVP-C201", name, "is empty: give a header row (" + String.join(",", REQUIRED)
                    + ") and one row per treated vertebra");
        }
        Map<String, Integer> columns = header(records.get(0));
        List<CohortRow> rows = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        List<Integer> empty = new ArrayList<>();
        for (CSVRecord record : records.subList(1, records.size())) {
            // A row of empty cells (",,,,,,," as spreadsheets save the rows below the data) is no treated vertebra.
            if (Arrays.stream(record.values()).allMatch(String::isBlank)) {
                empty.add(row(record));
                continue;
            }
            row(record, columns, seen).ifPresent(rows::add);
            if (problems.size() >= MOST_PROBLEMS) {
                break;
            }
        }
        if (!problems.isEmpty()) {
            throw new CohortException(problems);
        }
        if (rows.isEmpty()) {
            throw new CohortException("PVP-C201", name, "has a header but no row: give one row per treated vertebra");
        }
        List<String> notes = new ArrayList<>();
        if (!empty.isEmpty()) {
            notes.add(empty.size() + (empty.size() == 1 ? " row is" : " rows are") + " empty and not read: row"
                    + (empty.size() == 1 ? " " : "s ") + String.join(", ", empty.subList(0, Math.min(10, empty.size()))
                    .stream().map(String::valueOf).toList()) + (empty.size() > 10 ? " and " + (empty.size() - 10) + " more" : "")
                    + ".");
        }
        List<String> unread = new ArrayList<>(Arrays.asList(records.get(0).values()));
        unread.removeIf(column -> REQUIRED.contains(key(column)) || key(column).equals(MONTHS) || column.isBlank());
        if (!unread.isEmpty()) {
            notes.add("Columns not read (the model does not use them): " + String.join(", ", unread) + ".");
        }
        return new Cohort(name, "CSV", rows, notes);
    }

    /** The columns by name; each required one once. */
    private Map<String, Integer> header(CSVRecord header) throws CohortException {
        Map<String, Integer> columns = new LinkedHashMap<>();
        for (int i = 0; i < header.size(); i++) {
            String column = key(header.get(i));
            if ((REQUIRED.contains(column) || column.equals(MONTHS)) && columns.putIfAbsent(column, i) != null) {
                problems.add(new CohortProblem("PVP-C202", name + " row 1, column " + letters(i + 1), "the column '"
                        + column + "' appears twice (first in column " + letters(columns.get(column) + 1)
                        + "): keep one"));
            }
        }
        for (String column : REQUIRED) {
            if (!columns.containsKey(column)) {
                problems.add(new CohortProblem("PVP-C202", name + " row 1", "has no column '" + column + "': the header"
                        + " row must name " + String.join(", ", REQUIRED) + " (and optionally months); it names "
                        + String.join(", ", header.values())));
            }
        }
        if (!problems.isEmpty()) {
            throw new CohortException(problems);
        }
        return columns;
    }

    private Optional<CohortRow> row(CSVRecord record, Map<String, Integer> columns, Map<String, Integer> seen) {
        int row = row(record);
        int width = columns.values().stream().mapToInt(i -> i).max().orElse(0) + 1;
        if (record.size() < width) {
            problems.add(new CohortProblem("PVP-C203", name + " row " + row, "has " + record.size() + " cells, but the"
                    + " header has columns up to " + letters(width) + ": a missing comma or value, or an unbalanced quote"));
            return Optional.empty();
        }
        int before = problems.size();
        String patient = cell(record, row, columns, "patient");
        String level = level(record, row, columns);
        String ivc = presence(record, row, columns, "ivc");
        String epd = presence(record, row, columns, "epd");
        String npec = npec(record, row, columns);
        BigDecimal rr = rr(record, row, columns);
        String refracture = presence(record, row, columns, "refracture");
        Double months = months(record, row, columns, refracture);
        if (problems.size() > before) {
            return Optional.empty();
        }
        Integer first = seen.putIfAbsent(patient + "\u0000" + level, row);
        if (first != null) {
            problems.add(new CohortProblem("PVP-C210", name + " row " + row, "patient " + patient + " at " + level
                    + " is also row " + first + ": one row per treated vertebra; remove the duplicate or correct the level"));
            return Optional.empty();
        }
        Map<String, String> terms = new LinkedHashMap<>();
        terms.put("IVC", ivc);
        terms.put("EPD", epd);
        terms.put("NPEC", npec);
        terms.put("RR", rr.stripTrailingZeros().toPlainString() + "%");
        return Optional.of(new CohortRow(patient, level, terms, null, refracture.equals("present"), months,
                name + " row " + row));
    }

    /** The cell, stripped; a problem (and null) when it is empty. */
    private String cell(CSVRecord record, int row, Map<String, Integer> columns, String column) {
        String value = spacesStripped(record.get(columns.get(column)));
        if (value.isEmpty()) {
            problems.add(new CohortProblem("PVP-C204", at(row, columns, column), "is empty: every treated vertebra needs"
                    + " its " + column + (column.equals("refracture") ? " (1 or 0)" : "")));
            return null;
        }
        return value;
    }

    private String level(CSVRecord record, int row, Map<String, Integer> columns) {
        String value = cell(record, row, columns, "level");
        if (value == null) {
            return null;
        }
        Optional<String> level = VertebralLevel.byName(value).map(Enum::name).or(() -> rules.vocabulary().levelOfText(value));
        if (level.isEmpty()) {
            problems.add(new CohortProblem("PVP-C209", at(row, columns, "level"), "is '" + shown(value) + "': write the"
                    + " treated vertebra, T4 to L5 (the levels the paper studied), e.g. T12"));
            return null;
        }
        return level.get();
    }

    /** 1 or 0 as present or absent. */
    private String presence(CSVRecord record, int row, Map<String, Integer> columns, String column) {
        String value = cell(record, row, columns, column);
        if (value == null) {
            return null;
        }
        return switch (value) {
            case "1" -> "present";
            case "0" -> "absent";
            default -> {
                String meaning = column.equals("refracture") ? "1 (a refracture within "
                        + rules.calibration().getHorizonMonths() + " months, by the paper's definition) or 0 (none)"
                        : "1 (present) or 0 (absent)";
                problems.add(new CohortProblem("PVP-C205", at(row, columns, column), "is '" + shown(value) + "': write "
                        + meaning));
                yield null;
            }
        };
    }

    private String npec(CSVRecord record, int row, Map<String, Integer> columns) {
        String value = cell(record, row, columns, "npec");
        if (value == null) {
            return null;
        }
        String code = value.toLowerCase(Locale.ROOT);
        if (!NPEC.contains(code)) {
            problems.add(new CohortProblem("PVP-C206", at(row, columns, "npec"), "is '" + shown(value) + "': write which"
                    + " endplates the cement does NOT touch on the post-operative films: none (it touches both),"
                    + " upper, lower or upper-and-lower (it touches neither)"));
            return null;
        }
        return code;
    }

    private BigDecimal rr(CSVRecord record, int row, Map<String, Integer> columns) {
        BigDecimal rr = number(record, row, columns, "rr", "the reduction rate in percentage points, e.g. 12.5");
        if (rr == null) {
            return null;
        }
        Optional<PhysicalLimit> limit = rules.vocabulary().limit("reduction-rate");
        if (limit.isPresent() && !limit.get().allows(rr.doubleValue())) {
            problems.add(new CohortProblem("PVP-C208", at(row, columns, "rr"), "is " + rr.toPlainString()
                    + ", outside " + Numbers.plain(limit.get().getLowest()) + " to " + Numbers.plain(limit.get().getHighest())
                    + " percentage points: " + limit.get().getWhy() + " (rules/vocabulary.drl.csv, PhysicalLimits)"));
            return null;
        }
        return rr;
    }

    private Double months(CSVRecord record, int row, Map<String, Integer> columns, String refracture) {
        if (!columns.containsKey(MONTHS) || record.get(columns.get(MONTHS)).isBlank()) {
            return null;
        }
        BigDecimal months = number(record, row, columns, MONTHS, "the months of follow-up (or to the refracture), e.g. "
                + rules.calibration().getHorizonMonths());
        if (months == null) {
            return null;
        }
        int horizon = rules.calibration().getHorizonMonths();
        if (months.signum() < 0) {
            problems.add(new CohortProblem("PVP-C208", at(row, columns, MONTHS), "is " + months.toPlainString()
                    + ": months of follow-up cannot be below 0"));
            return null;
        }
        if ("present".equals(refracture) && months.doubleValue() > horizon) {
            problems.add(new CohortProblem("PVP-C208", at(row, columns, MONTHS), "is " + months.toPlainString()
                    + " with refracture 1, but the model predicts a refracture within " + horizon + " months: write"
                    + " refracture 0 for one that came later, or correct the months"));
            return null;
        }
        return months.doubleValue();
    }

    private BigDecimal number(CSVRecord record, int row, Map<String, Integer> columns, String column, String what) {
        String value = cell(record, row, columns, column);
        if (value == null) {
            return null;
        }
        if (!NUMBER.matcher(value).matches()) {
            problems.add(new CohortProblem("PVP-C207", at(row, columns, column), "is '" + shown(value) + "', not a number:"
                    + " write " + what + " (digits with a point for decimals, no unit or % sign)"));
            return null;
        }
        return new BigDecimal(value);
    }

    /** Without the spaces and tabs around it: not String.strip, which drops the control characters U+001C-U+001F too. */
    private static String spacesStripped(String cell) {
        int start = 0;
        int end = cell.length();
        while (start < end && (cell.charAt(start) == ' ' || cell.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (cell.charAt(end - 1) == ' ' || cell.charAt(end - 1) == '\t')) {
            end--;
        }
        return cell.substring(start, end);
    }

    /** A cell's value as a message shows it: a control character as its code point ("12U+0000"), not unseen. */
    private static String shown(String value) {
        StringBuilder shown = new StringBuilder(value.length());
        value.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                shown.append(String.format(Locale.ROOT, "U+%04X", c));
            } else {
                shown.appendCodePoint(c);
            }
        });
        return shown.toString();
    }

    /** "cohort.csv row 7, column F (rr)". */
    private String at(int row, Map<String, Integer> columns, String column) {
        return name + " row " + row + ", column " + letters(columns.get(column) + 1) + " (" + column + ")";
    }

    /** The spreadsheet's row of a record: the line it starts on (the header is row 1). */
    private int row(CSVRecord record) {
        int index = Arrays.binarySearch(lineStarts, (int) record.getCharacterPosition());
        return (index >= 0 ? index : -index - 2) + 1;
    }

    private static int[] lineStarts(String text) {
        List<Integer> starts = new ArrayList<>(List.of(0));
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                starts.add(i + 1);
            }
        }
        return starts.stream().mapToInt(Integer::intValue).toArray();
    }

    private static String key(String column) {
        return column.strip().toLowerCase(Locale.ROOT);
    }

    /** A spreadsheet's column letters: 1 is A, 27 is AA. */
    static String letters(int column) {
        StringBuilder letters = new StringBuilder();
        for (int c = column; c > 0; c = (c - 1) / 26) {
            letters.insert(0, (char) ('A' + (c - 1) % 26));
        }
        return letters.toString();
    }
}
