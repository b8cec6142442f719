package org.refracturecds.workbench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.refracturecds.authoring.RuleFiles;
import org.refracturecds.authoring.RulesCheck;
import org.refracturecds.authoring.ScenarioRunner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The tables of rules/ as grids and back, byte for byte where nothing changed; coverage by row. */
class RuleGridTest {

    @Test
    void everyBundledTable_writtenBackUnchanged_isTheSameBytes() throws Exception {
        for (Map.Entry<String, byte[]> file : RuleFiles.bundled().entrySet()) {
            if (file.getKey().endsWith(".drl.csv")) {
                assertArrayEquals(file.getValue(), RuleGrid.csv(RuleGrid.rows(file.getValue()), file.getValue()), file.getKey());
            }
        }
    }

    @Test
    void oneCellChanged_changesOnlyItsLine_quotedWhereNeeded() throws Exception {
        byte[] bands = RuleFiles.bundled().get("bands.drl.csv");
        List<List<String>> rows = RuleGrid.rows(bands);
        rows.get(14).set(4, "predicted risk of 20%, or more");

        String[] before = new String(bands, StandardCharsets.UTF_8).split("\n", -1);
        String[] after = new String(RuleGrid.csv(rows, bands), StandardCharsets.UTF_8).split("\n", -1);

        assertEquals(before.length, after.length);
        for (int i = 0; i < before.length; i++) {
            if (i != 14) {
                assertEquals(before[i], after[i], "line " + (i + 1));
            }
        }
        assertEquals("high,0.20,critical,High,\"predicted risk of 20%, or more\",\"Project default (docs/MODEL.md), the paper"
                + " defines no bands\"", after[14]);
    }

    @Test
    void aGuidanceRowThatNoScenarioReaches_isMarkedOnItsRow() throws Exception {
        Map<String, byte[]> files = RuleFiles.bundled();
        RulesCheck.Outcome draft = new RulesCheck.Outcome(null, List.of(),
                new ScenarioRunner.Report(List.of(), new TreeSet<>(Set.of("Guidance_14", "Several levels treated"))), 0, 0, null);

        JsonNode check = new DraftJson(new ObjectMapper()).check(draft, draft, files, files);

        JsonNode row = check.path("uncovered").get(0);
        assertEquals("guidance.drl.csv", row.path("file").asText());
        assertEquals(14, row.path("row").asInt());
        assertEquals("Several levels treated", check.path("uncovered").get(1).path("rule").asText());
        assertFalse(check.path("uncovered").get(1).has("file"));
    }

    @Test
    void aRowInsertedAndRemoved_leavesEveryOtherLineItsBytes() throws Exception {
        byte[] guidance = RuleFiles.bundled().get("guidance.drl.csv");

        byte[] inserted = RuleGrid.insertRow(guidance, 15, List.of("post-operative", "", "", "", "G-NEW", "Consider, \"this\"."));

        String[] before = new String(guidance, StandardCharsets.UTF_8).split("\n", -1);
        String[] after = new String(inserted, StandardCharsets.UTF_8).split("\n", -1);
        assertEquals(before.length + 1, after.length);
        assertEquals("post-operative,,,,G-NEW,\"Consider, \"\"this\"\".\"", after[14]);
        assertEquals(List.of(before).subList(14, before.length), List.of(after).subList(15, after.length));
        assertEquals(List.of("post-operative", "", "", "", "G-NEW", "Consider, \"this\"."), RuleGrid.rows(inserted).get(14));
        assertArrayEquals(guidance, RuleGrid.removeRow(inserted, 15));
    }
}
