package org.refracturecds.engine;

/** One problem in the rule files: where it is and what is wrong. Line 0 means the whole file. */
public record RuleProblem(String file, int line, int column, String message) {

    /** "rules/guidance.drl.csv:12:3: message" */
    public String render() {
        StringBuilder where = new StringBuilder(file);
        if (line > 0) {
            where.append(':').append(line);
            if (column > 0) {
                where.append(':').append(column);
            }
        }
        return where + ": " + message;
    }
}
