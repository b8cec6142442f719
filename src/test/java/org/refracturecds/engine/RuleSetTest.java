package org.refracturecds.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.RuleFolders;

/** Every decision table is read and fires; broken rule folders are refused with file and line. */
class RuleSetTest {

    @Test
    void everyKnowledgeTable_insertsItsRows() throws RuleSetException {
        RuleSet rules = RuleSet.load(Path.of("rules"));
        Map<String, Long> counts = rules.knowledge().stream()
                .collect(Collectors.groupingBy(o -> o.getClass().getSimpleName(), TreeMap::new, Collectors.counting()));
        assertEquals(Map.ofEntries(Map.entry("Applicability", 6L), Map.entry("Band", 3L), Map.entry("BodySite", 51L),
                Map.entry("Calibration", 1L), Map.entry("Coding", 9L), Map.entry("Coefficient", 4L),
                Map.entry("ExcludedCondition", 134L), Map.entry("PhysicalLimit", 3L), Map.entry("ScenarioValue", 4L),
                Map.entry("Statement", 18L), Map.entry("Wording", 3L)), counts);
    }

    @Test
    void bundledRules_areTheRepositoryRules() throws RuleSetException {
        assertEquals(RuleSet.load(Path.of("rules")).hash(), RuleSet.loadBundled().hash());
    }

    @Test
    void plainCsvTable_isRefusedNotSilentlyIgnored(@TempDir Path dir) throws IOException {
        RuleFolders.copy(dir);
        Files.move(dir.resolve("bands.drl.csv"), dir.resolve("bands.csv"));
        RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.load(dir));
        assertEquals("bands.csv", e.problems().get(0).file());
    }

    @Test
    void drlError_isReportedWithFileAndLine(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "pipeline.drl", "$k    : Calibration()", "$k    : Calibrat()");
        RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.load(dir));
        RuleProblem problem = e.problems().get(0);
        assertEquals("pipeline.drl", problem.file());
        assertTrue(problem.line() > 100, problem.render());
    }

    @Test
    void tableRowWithoutSource_isRefused(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "bands.drl.csv", "under 5%,\"Project default (docs/MODEL.md), the paper defines no bands\"\n",
                "under 5%,\n");
        RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.load(dir));
        assertTrue(e.getMessage().contains("has no Source"), e.getMessage());
    }

    @Test
    void editedCoefficient_changesTheHash(@TempDir Path dir) throws IOException, RuleSetException {
        RuleFolders.copyWithEdit(dir, "model.drl.csv", "3.3003", "3.2");
        assertTrue(!RuleSet.load(dir).hash().equals(RuleSet.load(Path.of("rules")).hash()));
    }

    @Test
    void tableCellError_isReportedAtItsRowAndColumn_withAHint(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "model.drl.csv", ",3.3003,", ",3.30x3,");
        RuleProblem problem = assertThrows(RuleSetException.class, () -> RuleSet.load(dir)).problems().get(0);
        assertEquals("model.drl.csv row 14, column E (beta = ln(adjusted OR))", problem.where());
        assertTrue(problem.hint().contains("only the number"), problem.render());
    }

    @Test
    void tableCodeError_isReportedOnceAtTheCodeCell(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "guidance.drl.csv", "g.setStrength(", "g.setStrenth(");
        RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.load(dir));
        assertEquals(1, e.problems().size(), e.getMessage());
        assertEquals("guidance.drl.csv row 11, column G (Strength of the support)", e.problems().get(0).where());
    }

    @Test
    void unbalancedQuoteInATable_isReportedAtItsCell(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "guidance.drl.csv", "post-operative,,,high,G-FOLLOW-UP", "post-operative,,,\"high\"\",G-FOLLOW-UP");
        RuleProblem problem = assertThrows(RuleSetException.class, () -> RuleSet.load(dir)).problems().get(0);
        assertEquals("guidance.drl.csv row 19, column I", problem.where());
        assertTrue(problem.hint().contains("unbalanced quote"), problem.render());
    }

    @Test
    void rowWithoutSource_isReportedAtItsRow(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "bands.drl.csv", "under 5%,\"Project default (docs/MODEL.md), the paper defines no bands\"\n",
                "under 5%,\n");
        RuleProblem problem = assertThrows(RuleSetException.class, () -> RuleSet.load(dir)).problems().get(0);
        assertEquals("bands.drl.csv row 13", problem.where());
    }

    @Test
    void intervalLevelThatDisagreesWithZ_isRefused(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "model.drl.csv", ",1303,1.96,0.95,", ",1303,1.96,0.90,");
        RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.load(dir));
        assertTrue(e.getMessage().contains("z 1.96 gives a 95% interval but the Level says 0.9"), e.getMessage());
        assertEquals("model.drl.csv row 39", e.problems().get(0).where());
    }

    @Test
    void excelTable_isReadLikeItsCsv_andItsErrorsHaveRowAndColumn(@TempDir Path dir) throws Exception {
        RuleFolders.copy(dir);
        Files.write(dir.resolve("bands.drl.xlsx"), Spreadsheets.xlsxOf(dir.resolve("bands.drl.csv")));
        Files.delete(dir.resolve("bands.drl.csv"));
        assertEquals(3, RuleSet.load(dir).bands().size());

        Path broken = Files.createDirectory(dir.resolve("broken"));
        RuleFolders.copyWithEdit(broken, "bands.drl.csv", "high,0.20,", "high,0.2O,");
        Files.write(broken.resolve("bands.drl.xlsx"), Spreadsheets.xlsxOf(broken.resolve("bands.drl.csv")));
        Files.delete(broken.resolve("bands.drl.csv"));
        RuleProblem problem = assertThrows(RuleSetException.class, () -> RuleSet.load(broken)).problems().get(0);
        assertEquals("bands.drl.xlsx row 15, column B (Lower bound (probability))", problem.where());
    }

    @Test
    void wordingRowTheCardsNeed_cannotBeRemoved(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "statements.drl.csv", "W-OUTCOME,", "W-OUTCOME-OLD,");
        RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.load(dir));
        assertTrue(e.getMessage().contains("the Wording table has no row W-OUTCOME: the cards need it"), e.getMessage());
    }
}
