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
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every decision table is read and fires; broken rule folders are refused with file and line. */
class RuleSetTest {

    @Test
    void everyKnowledgeTable_insertsItsRows() throws RuleSetException {
        RuleSet rules = RuleSet.load(Path.of("rules"));
        Map<String, Long> counts = rules.knowledge().stream()
                .collect(Collectors.groupingBy(o -> o.getClass().getSimpleName(), TreeMap::new, Collectors.counting()));
        assertEquals(Map.of("Band", 3L, "Calibration", 1L, "Coding", 9L, "Coefficient", 4L, "ScenarioValue", 4L,
                "Statement", 15L), counts);
    }

    @Test
    void bundledRules_areTheRepositoryRules() throws RuleSetException {
        assertEquals(RuleSet.load(Path.of("rules")).hash(), RuleSet.loadBundled().hash());
    }

    private static Path copyOfRules(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(Path.of("rules"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, dir.resolve(file.getFileName()));
            }
        }
        return dir;
    }

    /** A copy of rules/ in {@code dir} with {@code from} replaced by {@code to} in one file. */
    private static Path rulesWithEdit(Path dir, String file, String from, String to) throws IOException {
        copyOfRules(dir);
        Path edited = dir.resolve(file);
        String text = Files.readString(edited);
        assertTrue(text.contains(from), "the edit must apply: " + from);
        Files.writeString(edited, text.replace(from, to));
        return dir;
    }

    @Test
    void plainCsvTable_isRefusedNotSilentlyIgnored(@TempDir Path dir) throws IOException {
        copyOfRules(dir);
        Files.move(dir.resolve("bands.drl.csv"), dir.resolve("bands.csv"));
        RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.load(dir));
        assertEquals("bands.csv", e.problems().get(0).file());
    }

    @Test
    void drlError_isReportedWithFileAndLine(@TempDir Path dir) throws IOException {
        rulesWithEdit(dir, "pipeline.drl", "$k    : Calibration()", "$k    : Calibrat()");
        RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.load(dir));
        RuleProblem problem = e.problems().get(0);
        assertEquals("pipeline.drl", problem.file());
        assertTrue(problem.line() > 100, problem.render());
    }

    @Test
    void tableRowWithoutSource_isRefused(@TempDir Path dir) throws IOException {
        rulesWithEdit(dir, "bands.drl.csv", "under 5%,\"Project default (docs/MODEL.md), the paper defines no bands\"\n",
                "under 5%,\n");
        RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.load(dir));
        assertTrue(e.getMessage().contains("has no Source"), e.getMessage());
    }

    @Test
    void editedCoefficient_changesTheHash(@TempDir Path dir) throws IOException, RuleSetException {
        rulesWithEdit(dir, "model.drl.csv", "3.3003", "3.2");
        assertTrue(!RuleSet.load(dir).hash().equals(RuleSet.load(Path.of("rules")).hash()));
    }
}
