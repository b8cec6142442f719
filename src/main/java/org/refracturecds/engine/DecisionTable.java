package org.refracturecds.engine;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.drools.decisiontable.InputType;
import org.drools.decisiontable.SpreadsheetCompiler;

/**
 * A decision table's cells beside the DRL that Drools generates from it, so that a compile error
 * Drools reports on a generated line can be pointed at the spreadsheet's row and column.
 *
 * <p>Drools names each rule of a table {@code Table_ROW}, ROW being the row of its values
 * (1-based). The column is the cell of that row, or of the rows above the values (the table's
 * code), that holds a word the error message quotes.
 */
final class DecisionTable {

    private static final Pattern RULE = Pattern.compile("^rule \"(.+)_(\\d+)\"");
    private static final Pattern CELL = Pattern.compile("cell ([A-Z]+)(\\d+)");
    /** What a compiler message quotes: "x3", setStrenth(, abc cannot be resolved. */
    private static final Pattern QUOTED = Pattern.compile(
            "\"([^\"]+)\"|\\b(\\w+)\\(|\\b(\\w+) cannot be resolved|method (\\w+)\\(");

    private final String file;
    /** row -> column -> text, both 1-based. */
    private final Map<Integer, Map<Integer, String>> cells;
    private final String[] drl;

    private DecisionTable(String file, byte[] bytes) {
        this.file = file;
        this.cells = new TableCells(file, bytes).all();
        String generated = new SpreadsheetCompiler().compile(new ByteArrayInputStream(bytes),
                isExcel(file) ? InputType.XLS : InputType.CSV);
        this.drl = generated.split("\n", -1);
    }

    /** The table, or empty when it cannot even be read as a table (see {@link #parseProblem}). */
    static Optional<DecisionTable> read(String file, byte[] bytes) {
        try {
            return Optional.of(new DecisionTable(file, bytes));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    static boolean isExcel(String file) {
        return file.endsWith(".xlsx") || file.endsWith(".xls");
    }

    /** Drools' own complaint about the layout ("Code description in cell I19 ..."), at its cell. */
    static RuleProblem parseProblem(String file, RuntimeException e) {
        String message = rootMessage(e).replaceFirst("^\\[[^]]*] ", "");
        Matcher cell = CELL.matcher(message);
        int row = cell.find() ? Integer.parseInt(cell.group(2)) : 0;
        int column = row > 0 ? columnNumber(cell.group(1)) : 0;
        return new RuleProblem(file, row, column, message, Hints.forTableLayout()).inTable(null);
    }

    /** A compile problem on line {@code drlLine} of the generated DRL, moved to the table's row and column. */
    RuleProblem locate(int drlLine, String message) {
        int row = ruleRowAt(drlLine);
        String hint = Hints.of(message);
        if (row == 0) {
            return new RuleProblem(file, 0, 0, message, hint);
        }
        List<String> words = quotedWords(message);
        int[] cell = find(row, words).orElseGet(() -> findAbove(row, words).orElse(new int[] {row, 0}));
        return new RuleProblem(file, cell[0], cell[1], message, hint).inTable(columnName(row, cell[1]));
    }

    /** The row whose values a rule of this table holds, by the rule's name; empty when the rule is not from this table. */
    Optional<Integer> rowOfRule(String ruleName) {
        for (String line : drl) {
            Matcher rule = RULE.matcher(line.strip());
            if (rule.find() && line.strip().startsWith("rule \"" + ruleName + "\"")) {
                return Optional.of(Integer.parseInt(rule.group(2)));
            }
        }
        return Optional.empty();
    }

    /** The name a column has in the row above a rule's values, e.g. "Risk band". */
    String columnName(int valueRow, int column) {
        if (column == 0) {
            return null;
        }
        for (int row = valueRow - 1; row > 0; row--) {
            Map<Integer, String> above = cells.getOrDefault(row, Map.of());
            if (above.containsKey(column) && !cells.getOrDefault(row + 1, Map.of()).isEmpty()
                    && isNamesRow(row)) {
                return above.get(column);
            }
        }
        return null;
    }

    /** The row of column names: the one just above the first row of values, under the code row. */
    private boolean isNamesRow(int row) {
        Map<Integer, String> code = cells.getOrDefault(row - 1, Map.of());
        return code.values().stream().anyMatch(text -> text.contains("$param") || text.contains("$1"));
    }

    private int ruleRowAt(int drlLine) {
        for (int i = Math.min(drlLine, drl.length) - 1; i >= 0; i--) {
            Matcher rule = RULE.matcher(drl[i].strip());
            if (rule.find()) {
                return Integer.parseInt(rule.group(2));
            }
            if (drl[i].strip().equals("end") && i < drlLine - 1) {
                return 0;
            }
        }
        return 0;
    }

    /** The first cell of {@code row} that holds one of {@code words}, looking first in the number columns. */
    private Optional<int[]> find(int row, List<String> words) {
        List<Map.Entry<Integer, String>> rowCells = new ArrayList<>(cells.getOrDefault(row, Map.of()).entrySet());
        rowCells.sort(Comparator.comparing(cell -> !isNumberColumn(row, cell.getKey())));
        for (String word : words) {
            for (Map.Entry<Integer, String> cell : rowCells) {
                if (cell.getValue().contains(word)) {
                    return Optional.of(new int[] {row, cell.getKey()});
                }
            }
        }
        return Optional.empty();
    }

    /** A column whose code takes its cell unquoted, as a number: c.setBeta($param). */
    private boolean isNumberColumn(int valueRow, int column) {
        for (int row = valueRow - 1; row > 0; row--) {
            String code = cells.getOrDefault(row, Map.of()).get(column);
            if (code != null && code.contains("$param")) {
                return !code.contains("\"$param\"");
            }
        }
        return false;
    }

    /** A word in the table's code rows, above its values: an error there repeats in every row. */
    private Optional<int[]> findAbove(int valueRow, List<String> words) {
        for (int row = valueRow - 1; row > 0; row--) {
            if (cells.getOrDefault(row, Map.of()).values().stream().anyMatch(t -> t.startsWith("RuleTable"))) {
                break;
            }
            Optional<int[]> cell = find(row, words);
            if (cell.isPresent()) {
                return cell;
            }
        }
        return Optional.empty();
    }

    private static List<String> quotedWords(String message) {
        List<String> words = new ArrayList<>();
        Matcher matcher = QUOTED.matcher(message);
        while (matcher.find()) {
            for (int group = 1; group <= matcher.groupCount(); group++) {
                String word = matcher.group(group);
                if (word != null && !words.contains(word)) {
                    words.add(word);
                }
            }
        }
        return words;
    }

    /** "I" -> 9, "AA" -> 27. */
    static int columnNumber(String letters) {
        int number = 0;
        for (char c : letters.toCharArray()) {
            number = number * 26 + (c - 'A' + 1);
        }
        return number;
    }

    /** 9 -> "I", 27 -> "AA". */
    static String columnLetters(int number) {
        StringBuilder letters = new StringBuilder();
        for (int n = number; n > 0; n = (n - 1) / 26) {
            letters.insert(0, (char) ('A' + (n - 1) % 26));
        }
        return letters.toString();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }
}
