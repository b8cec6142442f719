package org.refracturecds.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every rule row of every decision table must name its Source: every coefficient, threshold and
 * sentence of guidance traces to the place in the paper (or another cited source) it comes from.
 *
 * <p>Checked on the table's cells, before anything runs, because what an empty Source does
 * depends on the table: a knowledge row (a coefficient, a band) then inserts nothing at load, a
 * row read for each patient (guidance) is then never given, and neither is an error Drools sees.
 * A full compile ({@link RuleSet#load}) and the quick check of one file ({@link QuickCheck}) both
 * refuse the rules with these problems, so every face (rules check, test and publish, a reload,
 * the workbench) reports them alike.
 */
final class Sources {

    private static final String COLUMN = "Source";
    private static final String WHY = "every number and sentence must cite where it comes from";

    private Sources() {
    }

    /**
     * A problem for each rule row of the table file {@code name} whose Source cell is empty, at that
     * cell, and one for each table with no Source column, at its column names; none for a file that
     * is not a table, or that Drools cannot parse (its build says why).
     */
    static List<RuleProblem> missing(String name, byte[] bytes) {
        if (!RuleSet.isTable(name)) {
            return List.of();
        }
        return TableCells.read(name, bytes).map(Sources::missing).orElse(List.of());
    }

    private static List<RuleProblem> missing(TableCells cells) {
        List<RuleProblem> problems = new ArrayList<>();
        for (TableCells.Table table : cells.tables()) {
            Map<Integer, String> names = cells.row(table.namesRow());
            int source = names.entrySet().stream()
                    .filter(name -> name.getKey() >= table.column() && name.getValue().strip().equalsIgnoreCase(COLUMN))
                    .mapToInt(Map.Entry::getKey).findFirst().orElse(0);
            if (source == 0) {
                problems.add(new RuleProblem(cells.file(), table.namesRow(), 0, "the " + table.name() + " table has no "
                        + COLUMN + " column: " + WHY, "add a " + COLUMN + " column as the table's last, whose code"
                        + " inserts the row's fact as in the other tables, and fill it on every row").inTable(null));
                continue;
            }
            for (int row : table.ruleRows()) {
                if (cells.row(row).getOrDefault(source, "").isBlank()) {
                    problems.add(new RuleProblem(cells.file(), row, source, "this row has no " + COLUMN + ": " + WHY,
                            "write the place in the paper (or another cited source) it comes from, or say the paper"
                                    + " is silent").inTable(names.get(source)));
                }
            }
        }
        return problems;
    }
}
