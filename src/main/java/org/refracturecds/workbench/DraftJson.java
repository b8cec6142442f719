package org.refracturecds.workbench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.refracturecds.authoring.RulesCheck;
import org.refracturecds.authoring.ScenarioRunner;
import org.refracturecds.engine.RuleProblem;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What the draft page's script works from, as JSON: each decision table file's cells and tables
 * (typed, editable or locked columns), and the checks of the draft beside those of the live
 * rules: every problem at its cell, the scenarios before and after, the cells changed.
 */
final class DraftJson {

    private static final Pattern TABLE_ROW = Pattern.compile("(.+)_(\\d+)");
    private final ObjectMapper json;

    DraftJson(ObjectMapper json) {
        this.json = json;
    }

    /** The decision table files (.drl.csv) of a folder, with their cells and tables. */
    ArrayNode files(Map<String, byte[]> files) {
        ArrayNode all = json.createArrayNode();
        files.forEach((path, bytes) -> {
            if (!path.endsWith(".drl.csv") || path.contains("/")) {
                return;
            }
            List<List<String>> rows = RuleGrid.rows(bytes);
            ObjectNode file = all.addObject().put("path", path);
            file.set("rows", json.valueToTree(rows));
            file.set("tables", json.valueToTree(RuleGrid.tables(rows)));
        });
        return all;
    }

    /** The checks of a draft against those of the live rules. */
    ObjectNode check(RulesCheck.Outcome draft, RulesCheck.Outcome live, Map<String, byte[]> draftFiles,
                     Map<String, byte[]> liveFiles) {
        ObjectNode check = json.createObjectNode()
                .put("compiles", draft.compiles())
                .put("publishable", draft.publishable())
                .put("scenariosRun", draft.report() != null)
                .put("millis", draft.millis())
                .put("cpuMillis", draft.cpuMillis());
        check.putObject("version")
                .put("before", live.version())
                .put("after", draft.version());
        ArrayNode problems = check.putArray("problems");
        for (RuleProblem problem : draft.problems()) {
            problems.addObject().put("file", problem.file()).put("row", problem.line()).put("column", problem.column())
                    .put("where", problem.where()).put("message", problem.message()).put("hint", problem.hint());
        }
        Map<String, Boolean> before = new HashMap<>();
        if (live.report() != null) {
            live.report().results().forEach(r -> before.put(key(r), r.passed()));
        }
        ArrayNode scenarios = check.putArray("scenarios");
        if (draft.report() != null) {
            check.put("passed", draft.report().passed()).put("failed", draft.report().failed());
            for (ScenarioRunner.Result result : draft.report().results()) {
                ObjectNode scenario = scenarios.addObject().put("name", result.scenario().name())
                        .put("where", result.scenario().where()).put("passed", result.passed());
                Boolean was = before.get(key(result));
                if (was == null) {
                    scenario.putNull("before");
                } else {
                    scenario.put("before", was);
                }
                scenario.set("failures", json.valueToTree(result.failures()));
            }
        }
        if (live.report() != null) {
            check.put("beforePassed", live.report().passed()).put("beforeFailed", live.report().failed());
        }
        check.set("changes", changes(draftFiles, liveFiles));
        check.set("uncovered", uncovered(draft, draftFiles));
        return check;
    }

    /**
     * The rows of the draft's tables whose rule no scenario fired (coverage): Drools names the rule
     * of a table's row TABLE_ROW. Only rules that run for each patient count (the guidance); the
     * rows of the knowledge tables are read once, at load.
     */
    private ArrayNode uncovered(RulesCheck.Outcome draft, Map<String, byte[]> files) {
        ArrayNode uncovered = json.createArrayNode();
        if (draft.report() == null) {
            return uncovered;
        }
        Map<String, String> fileOfTable = Preview.fileOfTable(files);
        for (String rule : draft.report().neverFired()) {
            Matcher row = TABLE_ROW.matcher(rule);
            if (row.matches() && fileOfTable.containsKey(row.group(1))) {
                uncovered.addObject().put("file", fileOfTable.get(row.group(1))).put("row", Integer.parseInt(row.group(2)))
                        .put("rule", rule);
            } else {
                uncovered.addObject().put("rule", rule);
            }
        }
        return uncovered;
    }

    private static String key(ScenarioRunner.Result result) {
        return result.scenario().file() + "\u0000" + result.scenario().name();
    }

    /** The cells of the draft's tables that differ from the live rules', and any other file that differs. */
    private ArrayNode changes(Map<String, byte[]> draft, Map<String, byte[]> live) {
        ArrayNode changes = json.createArrayNode();
        for (Map.Entry<String, byte[]> file : draft.entrySet()) {
            byte[] old = live.get(file.getKey());
            if (old != null && Arrays.equals(old, file.getValue())) {
                continue;
            }
            if (old == null || !file.getKey().endsWith(".drl.csv") || file.getKey().contains("/")) {
                changes.addObject().put("file", file.getKey()).put("whole", old == null ? "added" : "changed");
                continue;
            }
            List<List<String>> after = RuleGrid.rows(file.getValue());
            List<List<String>> before = RuleGrid.rows(old);
            List<RuleGrid.Table> liveTables = RuleGrid.tables(before);
            for (RuleGrid.Table table : RuleGrid.tables(after)) {
                RuleGrid.Table was = liveTables.stream().filter(t -> t.name().equals(table.name())).findFirst().orElse(null);
                List<List<String>> now = slice(after, table);
                List<List<String>> then = was == null ? List.of() : slice(before, was);
                for (int[] pair : align(then, now)) {
                    if (pair[0] >= 0 && pair[1] >= 0) {
                        for (RuleGrid.Column column : table.columns()) {
                            String a = cell(then, pair[0] + 1, column.index());
                            String b = cell(now, pair[1] + 1, column.index());
                            if (!a.equals(b)) {
                                changes.addObject().put("file", file.getKey()).put("table", table.name())
                                        .put("row", table.firstRow() + pair[1]).put("column", column.index())
                                        .put("columnName", column.name()).put("rowLabel", cell(now, pair[1] + 1, 1))
                                        .put("before", a).put("after", b);
                            }
                        }
                    } else {
                        boolean added = pair[1] >= 0;
                        List<String> cells = added ? now.get(pair[1]) : then.get(pair[0]);
                        changes.addObject().put("file", file.getKey()).put("table", table.name())
                                .put("row", added ? table.firstRow() + pair[1] : was.firstRow() + pair[0])
                                .put("rowChange", added ? "added" : "removed").put("rowLabel", cells.isEmpty() ? "" : cells.get(0))
                                .put("before", added ? "" : String.join(" | ", cells))
                                .put("after", added ? String.join(" | ", cells) : "");
                    }
                }
            }
        }
        live.keySet().stream().filter(path -> !draft.containsKey(path))
                .forEach(path -> changes.addObject().put("file", path).put("whole", "removed"));
        return changes;
    }

    private static List<List<String>> slice(List<List<String>> rows, RuleGrid.Table table) {
        return rows.subList(table.firstRow() - 1, Math.min(table.lastRow(), rows.size()));
    }

    /**
     * The live rows and the draft's paired: rows that are the same (the longest common run of them),
     * and between those, rows paired in order as changed; what is left over was added (-1 on the
     * left) or removed (-1 on the right).
     */
    static List<int[]> align(List<List<String>> then, List<List<String>> now) {
        int n = then.size();
        int m = now.size();
        int[][] common = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                common[i][j] = then.get(i).equals(now.get(j)) ? common[i + 1][j + 1] + 1
                        : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }
        List<int[]> pairs = new ArrayList<>();
        int i = 0;
        int j = 0;
        int gapI = 0;
        int gapJ = 0;
        while (i < n || j < m) {
            if (i < n && j < m && then.get(i).equals(now.get(j))) {
                gap(pairs, gapI, i, gapJ, j);
                pairs.add(new int[] {i++, j++});
                gapI = i;
                gapJ = j;
            } else if (j == m || i < n && common[i + 1][j] >= common[i][j + 1]) {
                i++;
            } else {
                j++;
            }
        }
        gap(pairs, gapI, n, gapJ, m);
        return pairs;
    }

    /** Rows {@code i0..i1} of the live table and {@code j0..j1} of the draft's, between two that are the same. */
    private static void gap(List<int[]> pairs, int i0, int i1, int j0, int j1) {
        int paired = Math.min(i1 - i0, j1 - j0);
        for (int k = 0; k < paired; k++) {
            pairs.add(new int[] {i0 + k, j0 + k});
        }
        for (int k = i0 + paired; k < i1; k++) {
            pairs.add(new int[] {k, -1});
        }
        for (int k = j0 + paired; k < j1; k++) {
            pairs.add(new int[] {-1, k});
        }
    }

    private static String cell(List<List<String>> rows, int row, int column) {
        if (row < 1 || row > rows.size()) {
            return "";
        }
        List<String> cells = rows.get(row - 1);
        return column <= cells.size() ? cells.get(column - 1) : "";
    }
}
