package org.refracturecds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.RuleFolders;
import org.refracturecds.engine.RulesCache;
import org.refracturecds.store.Database;
import org.refracturecds.store.RulesVersions;

/** {@code rules check} and {@code rules test} as a clinician runs them; {@code rules publish} as an administrator does. */
class RulesCommandTest {

    @Test
    void check_onTheBundledRules_passes() {
        CliRun run = CliRun.of("rules", "check", "rules");
        assertEquals(0, run.exit(), run.out());
        assertTrue(run.out().contains("The rules compile: version 2.0.0, sha256:"), run.out());
    }

    @Test
    void check_onABrokenTable_namesRowColumnAndHint_andExits1(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "bands.drl.csv", "high,0.20,", "high,0.2O,");
        CliRun run = CliRun.of("rules", "check", dir.toString());
        assertEquals(1, run.exit());
        assertTrue(run.out().contains("error bands.drl.csv row 15, column B (Lower bound (probability)):"), run.out());
        assertTrue(run.out().contains("hint: a cell that the table reads as a number"), run.out());
        assertTrue(run.out().contains("1 problem: the rules cannot be used"), run.out());
    }

    @Test
    void check_onAGuidanceRowWithoutSource_namesItsRowAndColumn_andExits1(@TempDir Path dir) throws IOException {
        // given the bundled rules with the Source of one guidance row (read per patient, not at load) emptied
        RuleFolders.copyWithEdit(dir, "guidance.drl.csv", ",2,\"Methods (endplate cortical disruption), Table 2\"\n", ",2,\n");

        // when checked
        CliRun run = CliRun.of("rules", "check", dir.toString());

        // then the rules are refused, at the row's Source cell, with what to write there
        assertEquals(1, run.exit(), run.out());
        assertTrue(run.out().contains("error guidance.drl.csv row 23, column J (Source): this row has no Source"), run.out());
        assertTrue(run.out().contains("hint: write the place in the paper"), run.out());
        assertTrue(run.out().contains("1 problem: the rules cannot be used"), run.out());
    }

    @Test
    void check_takesUnchangedRulesFromTheCache_andCompilesChangedOnes(@TempDir Path dir, @TempDir Path cacheDir)
            throws IOException {
        // given a rules folder checked once with an empty cache
        Path rules = RuleFolders.copy(dir.resolve("rules"));
        RulesCache cache = RulesCache.in(cacheDir, "test");
        assertEquals(0, CliRun.withCache(cache, "", "rules", "check", rules.toString()).exit());
        List<Object> first = cacheEntries(cacheDir);
        assertEquals(1, first.size());

        // when it is checked again, then its entry is read, not written again
        CliRun again = CliRun.withCache(cache, "", "rules", "check", rules.toString());
        assertEquals(0, again.exit(), again.out());
        assertEquals(first, cacheEntries(cacheDir));

        // and when a cell changes, the check compiles the new files
        RuleFolders.edit(rules, "bands.drl.csv", "predicted risk under 5%", "predicted risk below 5%");
        assertEquals(0, CliRun.withCache(cache, "", "rules", "check", rules.toString()).exit());
        assertEquals(2, cacheEntries(cacheDir).size());
    }

    /** The cache's entries, by name with their file key: an entry written again is a new file. */
    private static List<Object> cacheEntries(Path cacheDir) throws IOException {
        try (Stream<Path> files = Files.list(cacheDir)) {
            List<Object> entries = new ArrayList<>();
            for (Path file : files.filter(f -> f.toString().endsWith(".rules")).sorted().toList()) {
                entries.add(List.of(file.getFileName().toString(), String.valueOf(Files.readAttributes(file,
                        BasicFileAttributes.class).fileKey()), Files.getLastModifiedTime(file)));
            }
            return entries;
        }
    }

    @Test
    void check_onAMissingFolder_exits1() {
        CliRun run = CliRun.of("rules", "check", "no-such-folder");
        assertEquals(1, run.exit());
        assertTrue(run.out().contains("not a folder"), run.out());
    }

    @Test
    void test_onTheBundledRules_printsTheTableAndAllPass() {
        CliRun run = CliRun.of("rules", "test", "rules");
        assertEquals(0, run.exit(), run.out());
        assertTrue(run.out().contains("RESULT  SCENARIO"), run.out());
        assertTrue(run.out().matches("(?s).*\\n\\d{2,} passed, 0 failed\\n$"), run.out());
    }

    @Test
    void test_withAChangedRule_printsEachFailureAndExits1(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "bands.drl.csv", "high,0.20,", "high,0.90,");
        CliRun run = CliRun.of("rules", "test", dir.toString());
        assertEquals(1, run.exit());
        assertTrue(run.out().contains("FAIL    Every risk factor at its worst after PVP"), run.out());
        assertTrue(run.out().contains("- band was Moderate, expected high"), run.out());
        assertTrue(run.out().matches("(?s).*\\n\\d+ passed, [1-9]\\d* failed\\n$"), run.out());
    }

    @Test
    void serve_withRulesWhoseScenarioFails_doesNotStart(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "bands.drl.csv", "high,0.20,", "high,0.90,");
        CliRun run = CliRun.of("serve", "--port", "0", "--rules", dir.toString());
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("scenario 'Every risk factor at its worst after PVP' failed: band was Moderate"),
                run.err());
    }

    @Test
    void publish_putsTheFolderInTheDatabase_once_andRulesThatFail_never(@TempDir Path dir) throws Exception {
        Path rules = RuleFolders.copy(dir.resolve("rules"));
        Path broken = RuleFolders.copyWithEdit(dir.resolve("broken"), "bands.drl.csv", "high,0.20,", "high,0.90,");
        Path config = dir.resolve("settings.yaml");
        String url = "jdbc:h2:" + dir.toAbsolutePath().resolve("pvp");
        Files.writeString(config, "database: \"" + url + "\"\n");

        CliRun refused = CliRun.of("rules", "publish", broken.toString(), "--config", config.toString());
        CliRun first = CliRun.of("rules", "publish", rules.toString(), "--config", config.toString());
        CliRun again = CliRun.of("rules", "publish", rules.toString(), "--config", config.toString());

        assertEquals(1, refused.exit(), refused.out());
        assertTrue(refused.out().contains("Not published: every scenario must pass"), refused.out());
        assertEquals(0, first.exit(), first.out() + first.err());
        assertTrue(first.out().contains("Published version 2.0.0 sha256:"), first.out());
        assertTrue(first.out().contains("every node serves it within 5 s plus the time to load it"), first.out());
        assertEquals(0, again.exit(), again.out() + again.err());
        assertTrue(again.out().contains("is already the published one: nothing changed"), again.out());
        try (Database database = Database.open(new Database.Settings(url, null, null, 2))) {
            RulesVersions versions = new RulesVersions(database, Clock.systemUTC());
            RulesVersions.Published live = versions.live().orElseThrow();
            assertTrue(live.publishedBy().endsWith("(rules publish " + rules + ")"), live.publishedBy());
            assertTrue(versions.files(live.id()).containsKey("tests/before-pvp.yaml"), "the scenarios go with the rules");
            assertEquals(1, live.id(), "the broken rules were not published, nor the same rules twice");
        }
    }

    @Test
    void publishBundled_publishesTheRulesTheJarCarries(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("settings.yaml");
        String url = "jdbc:h2:" + dir.toAbsolutePath().resolve("pvp");
        Files.writeString(config, "database: \"" + url + "\"\n");

        CliRun run = CliRun.of("rules", "publish", "--bundled", "--config", config.toString());

        assertEquals(0, run.exit(), run.out() + run.err());
        try (Database database = Database.open(new Database.Settings(url, null, null, 2))) {
            RulesVersions.Published live = new RulesVersions(database, Clock.systemUTC()).live().orElseThrow();
            assertEquals(org.refracturecds.engine.RuleSet.loadBundled().hash(), live.sha256());
            assertTrue(live.publishedBy().endsWith("(rules publish --bundled)"), live.publishedBy());
        }
    }
}
