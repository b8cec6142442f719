package org.refracturecds.workbench;

import java.util.ArrayList;
import java.util.List;

import org.refracturecds.http.HttpError;

/**
 * Rows added to and removed from a table of a draft, where the table's rows are not the model's
 * own ({@link RuleGrid.Table#fixedRows()}). A new row is a copy of the row it follows, with the id
 * given (a new one where the table names each row once), and with its Source left empty: the checks then ask for
 * one, as for any row without a Source. Every other line of the file keeps its bytes.
 */
final class TableRows {

    private TableRows() {
    }

    /**
     * The file with a copy of row {@code after} below it, its id cell (the first locked one) {@code id}: required
     * and new where each row has its own, else optional (the copy's when empty).
     */
    static byte[] add(String path, byte[] file, int after, String id) {
        List<List<String>> rows = RuleGrid.rows(file);
        RuleGrid.Table table = table(path, rows, after);
        List<String> copy = new ArrayList<>(rows.get(after - 1));
        String newId = id == null ? "" : id.strip();
        int column = table.idColumn();
        String name = column == 0 ? "id" : table.columns().stream().filter(c -> c.index() == column).findFirst().orElseThrow().name();
        if (newId.isEmpty() && table.uniqueIds()) {
            throw new HttpError(400, "PVP-H826", "id", "give the new row's " + name + ": each row of table "
                    + table.name() + " has its own");
        }
        for (int row = table.firstRow(); row <= table.lastRow() && table.uniqueIds(); row++) {
            if (RuleGrid.cell(rows.get(row - 1), column - 1).strip().equals(newId)) {
                throw new HttpError(400, "PVP-H826", "id", "row " + row + " of table " + table.name() + " already has "
                        + name + " " + HttpError.cut(newId, 60) + ": give the new row one of its own");
            }
        }
        if (!newId.isEmpty() && column > 0) {
            while (copy.size() < column) {
                copy.add("");
            }
            copy.set(column - 1, newId);
        }
        RuleGrid.Column source = table.columns().stream().filter(RuleGrid.Column::required).reduce((a, b) -> b).orElse(null);
        if (source != null && source.index() <= copy.size()) {
            copy.set(source.index() - 1, "");
        }
        return RuleGrid.insertRow(file, after + 1, copy);
    }

    /** The file without row {@code row}; a table keeps at least one row. */
    static byte[] remove(String path, byte[] file, int row) {
        RuleGrid.Table table = table(path, RuleGrid.rows(file), row);
        if (table.firstRow() == table.lastRow()) {
            throw new HttpError(400, "PVP-H826", path + " row " + row, "row " + row + " is the only row of table "
                    + table.name() + ": change it rather than remove it");
        }
        return RuleGrid.removeRow(file, row);
    }

    /** The table whose rules row {@code row} is, when rows may be added and removed there. */
    private static RuleGrid.Table table(String path, List<List<String>> rows, int row) {
        RuleGrid.Table table = RuleGrid.tables(rows).stream().filter(t -> row >= t.firstRow() && row <= t.lastRow())
                .findFirst().orElseThrow(() -> new HttpError(400, "PVP-H826", path + " row " + row, "row " + row + " of "
                        + path + " is not a rule of a table: choose a row under a table's column names"));
        if (table.fixedRows() != null) {
            throw new HttpError(400, "PVP-H826", path + " row " + row, "rows cannot be added to or removed from table "
                    + table.name() + ": " + table.fixedRows());
        }
        return table;
    }
}
