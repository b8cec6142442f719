package org.refracturecds.authoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.RuleFolders;
import org.refracturecds.engine.RulesCache;
import org.refracturecds.facts.Settings;

/**
 * The compiled-rules cache under hot reload and under a version published by another node: the
 * same files come from the cache (their entry is read, not written again), changed files do not.
 */
class LiveRulesCacheTest {

    @Test
    void reloadOfTheSameFiles_comesFromTheCache_andAChangedFileIsCompiled(@TempDir Path dir, @TempDir Path cacheDir)
            throws Exception {
        // given a rules folder loaded once with an empty cache
        Path rules = RuleFolders.copy(dir.resolve("rules"));
        RulesCache cache = RulesCache.in(cacheDir, "test");
        LiveRules live = LiveRules.load(rules, new Settings(null), cache);
        Map<Path, Object> first = entries(cacheDir);
        assertEquals(1, first.size());

        // when the folder is reloaded unchanged
        assertTrue(live.reload());

        // then its entry was read, not compiled and written again
        assertEquals(first, entries(cacheDir));

        // and when a cell changes, the reload compiles the new files and keeps them beside
        RuleFolders.edit(rules, "bands.drl.csv", "predicted risk under 5%", "predicted risk below 5%");
        assertTrue(live.reload());
        Map<Path, Object> after = entries(cacheDir);
        assertEquals(2, after.size());
        assertTrue(after.entrySet().containsAll(first.entrySet()), "the first entry is left as it was");
        assertNotEquals(first.keySet(), after.keySet());
    }

    @Test
    void aPublishedVersion_isTakenFromTheCache_whenTheseFilesWereCompiledBefore(@TempDir Path dir, @TempDir Path cacheDir)
            throws Exception {
        // given the bundled rules served from a folder, compiled once
        Path rules = RuleFolders.copy(dir.resolve("rules"));
        RulesCache cache = RulesCache.in(cacheDir, "test");
        LiveRules live = LiveRules.load(rules, new Settings(null), cache);
        Map<Path, Object> first = entries(cacheDir);

        // when another node publishes the same files and this one compiles them for an old page (as RulesSync does)
        Path published = RuleFiles.writeToTemporaryFolder(RuleFiles.read(rules));
        try {
            String sha256 = live.status().sha256();
            assertEquals(sha256, live.compile(published, "the published rules version", sha256).hash());
        } finally {
            RuleFiles.delete(published);
        }

        // then they came from the cache
        assertEquals(first, entries(cacheDir));
    }

    /** The cache's entries, each with its file key: an entry written again is a new file. */
    private static Map<Path, Object> entries(Path cacheDir) throws IOException {
        Map<Path, Object> entries = new TreeMap<>();
        try (Stream<Path> files = Files.list(cacheDir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".rules")).toList()) {
                entries.put(file.getFileName(), List.of(Files.readAttributes(file,
                        java.nio.file.attribute.BasicFileAttributes.class).fileKey(), Files.getLastModifiedTime(file)));
            }
        }
        return entries;
    }
}
