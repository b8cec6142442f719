package org.refracturecds.engine;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.drools.decisiontable.parser.csv.CsvLineParser;
import org.drools.decisiontable.parser.csv.CsvParser;
import org.drools.decisiontable.parser.xls.ExcelParser;
import org.drools.template.parser.DataListener;

/**
 * The cells of a decision table file ({@code .drl.csv} or {@code .drl.xlsx}) as Drools' own
 * parsers read them, and where its tables stand, without generating their rules.
 *
 * <p>The layout is Drools' (DefaultRuleSheetListener): a cell starting {@code RuleTable} opens a
 * table at its column; the rows under it are the CONDITION/ACTION row, the object types, the code
 * and the column names; the next row is a rule, even when empty, and so is each following row with
 * a cell from that column on, up to the first row without one or the next {@code RuleTable}.
 */
final class TableCells {

    /**
     * One table of the file.
     *
     * @param name      the table's name ("Guidance")
     * @param namesRow  the row of its column names (1-based)
     * @param column    its first column (1-based)
     * @param ruleRows  the rows Drools makes a rule of (1-based), in order
     */
    record Table(String name, int namesRow, int column, List<Integer> ruleRows) {
    }

    private static final String RULE_TABLE = "ruletable";
    private static final int NAMES = 4;

    private final String file;
    /** row -> column -> text, both 1-based; only cells that hold something. */
    private final Map<Integer, Map<Integer, String>> cells = new TreeMap<>();

    /** Reads the file's cells; throws when Drools cannot parse it. */
    TableCells(String file, byte[] bytes) {
        this.file = file;
        DataListener listener = new DataListener() {
            @Override public void startSheet(String name) { }
            @Override public void finishSheet() { }
            @Override public void newRow(int row, int columns) { }
            @Override public void newCell(int row, int column, String value, int mergedColStart) {
                if (value != null && !value.isBlank()) {
                    cells.computeIfAbsent(row + 1, r -> new TreeMap<>()).put(column + 1, value);
                }
            }
        };
        if (DecisionTable.isExcel(file)) {
            new ExcelParser(listener).parseFile(new ByteArrayInputStream(bytes));
        } else {
            new CsvParser(listener, new CsvLineParser()).parseFile(new ByteArrayInputStream(bytes));
        }
    }

    /** The file's cells, or empty when Drools cannot parse it (its build reports why). */
    static Optional<TableCells> read(String file, byte[] bytes) {
        try {
            return Optional.of(new TableCells(file, bytes));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    String file() {
        return file;
    }

    /** The cells of a row that hold something, by column (1-based). */
    Map<Integer, String> row(int row) {
        return cells.getOrDefault(row, Map.of());
    }

    /** Every row's cells that hold something, by row (1-based). */
    Map<Integer, Map<Integer, String>> all() {
        return cells;
    }

    /** The file's tables, in order. */
    List<Table> tables() {
        List<Table> tables = new ArrayList<>();
        for (Map.Entry<Integer, Map<Integer, String>> row : cells.entrySet()) {
            for (Map.Entry<Integer, String> cell : row.getValue().entrySet()) {
                if (opensTable(cell.getValue())) {
                    String name = cell.getValue().strip().substring(RULE_TABLE.length()).strip();
                    tables.add(table(row.getKey(), cell.getKey(), name));
                    break;
                }
            }
        }
        return tables;
    }

    private Table table(int start, int column, String name) {
        List<Integer> rules = new ArrayList<>(List.of(start + NAMES + 1));
        for (int row = start + NAMES + 2; hasCellFrom(row, column); row++) {
            rules.add(row);
        }
        return new Table(name, start + NAMES, column, rules);
    }

    private boolean hasCellFrom(int row, int column) {
        Map<Integer, String> cellsOfRow = row(row);
        return cellsOfRow.keySet().stream().anyMatch(c -> c >= column)
                && cellsOfRow.values().stream().noneMatch(TableCells::opensTable);
    }

    private static boolean opensTable(String text) {
        return text.strip().toLowerCase(Locale.ROOT).startsWith(RULE_TABLE);
    }
}
