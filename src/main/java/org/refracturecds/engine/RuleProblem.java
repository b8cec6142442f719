package org.refracturecds.engine;

/**
 * One problem in the rule files: where it is, what is wrong, and a hint in plain words.
 *
 * @param line       the line of a DRL file or the row of a table (1-based); 0 means the whole file
 * @param column     the column (1-based; a table's A is 1); 0 when not known
 * @param hint       what usually causes this and how to mend it, or null
 * @param table      true when the file is a decision table: rows and lettered columns
 * @param columnName the table column's name (the row above the values), or null
 */
public record RuleProblem(String file, int line, int column, String message, String hint, boolean table,
                          String columnName) {

    public RuleProblem(String file, int line, int column, String message) {
        this(file, line, column, message, null, false, null);
    }

    public RuleProblem(String file, int line, int column, String message, String hint) {
        this(file, line, column, message, hint, false, null);
    }

    /** The same problem in a decision table's row and column. */
    RuleProblem inTable(String name) {
        return new RuleProblem(file, line, column, message, hint, true, name);
    }

    /** Where, as a reader looks for it: "guidance.drl.csv row 19, column I (Risk band)" or "pipeline.drl:20:5". */
    public String where() {
        if (line <= 0) {
            return file;
        }
        if (table) {
            String where = file + " row " + line;
            if (column > 0) {
                where += ", column " + DecisionTable.columnLetters(column) + (columnName == null ? "" : " (" + columnName + ")");
            }
            return where;
        }
        return file + ":" + line + (column > 0 ? ":" + column : "");
    }

    /** "where: message", and the hint on the next line. */
    public String render() {
        return where() + ": " + message + (hint == null ? "" : "\n    hint: " + hint);
    }
}
