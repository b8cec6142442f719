package org.refracturecds.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.refracturecds.RuleFolders;
import org.refracturecds.facts.Wording;

/**
 * Rules taken compiled from the cache are the rules compiled from their files: the same hash,
 * the same knowledge, the same checks; an entry that is damaged or from another build is ignored
 * and replaced. (That they assess every example patient as compiled rules do: {@code CachedRulesExamplesTest}.)
 */
class RulesCacheTest {

    private static final Path RULES = Path.of("rules");

    @Test
    void secondLoad_comesFromTheCache_andIsTheSameRules(@TempDir Path cacheDir) throws Exception {
        // given an empty cache
        RulesCache cache = RulesCache.in(cacheDir, "test");

        // when the rules are loaded twice
        RuleSet compiled = RuleSet.load(RULES, "rules", cache);
        Path entry = onlyEntry(cacheDir);
        RuleSet cached = RuleSet.load(RULES, "rules", cache);

        // then the first wrote one entry, the second read it, and both are the same rules
        assertTrue(cache.read(compiled.hash()).isPresent());
        assertEquals(compiled.hash(), cached.hash());
        assertEquals(compiled.assessmentRules(), cached.assessmentRules());
        assertEquals(compiled.knowledge().stream().map(o -> o.getClass().getSimpleName()).toList(),
                cached.knowledge().stream().map(o -> o.getClass().getSimpleName()).toList());
        assertEquals(compiled.sessionKnowledge().size(), cached.sessionKnowledge().size());
        assertEquals(compiled.wording(Wording.RECALIBRATED), cached.wording(Wording.RECALIBRATED));
        assertEquals(compiled.calibration().getIntercept(), cached.calibration().getIntercept());
        assertEquals(entry, onlyEntry(cacheDir));
    }

    @ParameterizedTest
    @ValueSource(strings = {"one byte changed", "cut in half"})
    void damagedEntry_isIgnored_andReplaced(String damage, @TempDir Path cacheDir) throws Exception {
        // given a cache entry with one byte of its compiled classes changed, or cut short
        RulesCache cache = RulesCache.in(cacheDir, "test");
        String hash = RuleSet.load(RULES, "rules", cache).hash();
        Path entry = onlyEntry(cacheDir);
        byte[] sound = Files.readAllBytes(entry);
        byte[] damaged = damage.equals("cut in half") ? Arrays.copyOf(sound, sound.length / 2) : sound.clone();
        if (damage.equals("one byte changed")) {
            damaged[damaged.length - 100] ^= 0x5a;
        }
        Files.write(entry, damaged);
        assertTrue(cache.read(hash).isEmpty());

        // when the rules are loaded
        RuleSet rules = RuleSet.load(RULES, "rules", cache);

        // then they are compiled again, and the entry is sound again
        assertEquals(hash, rules.hash());
        assertTrue(cache.read(hash).isPresent());
    }

    @Test
    void entryCompiledAgainstAnotherBuildOfTheFacts_isIgnored(@TempDir Path cacheDir) throws Exception {
        // given an entry whose record of a fact class's bytes is not this build's
        RulesCache cache = RulesCache.in(cacheDir, "test");
        String hash = RuleSet.load(RULES, "rules", cache).hash();
        Path entry = onlyEntry(cacheDir);
        byte[] bytes = Files.readAllBytes(entry);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = text.indexOf(".class") + ".class".length() + 2;
        bytes[at] = (byte) (bytes[at] == '0' ? '1' : '0');
        Files.write(entry, bytes);

        // then it is not used
        assertTrue(cache.read(hash).isEmpty());
    }

    @Test
    void anotherModuleVersion_doesNotShareEntries(@TempDir Path cacheDir) throws Exception {
        String hash = RuleSet.load(RULES, "rules", RulesCache.in(cacheDir, "1.0")).hash();
        assertTrue(RulesCache.in(cacheDir, "1.1").read(hash).isEmpty());
        assertNotEquals(RulesCache.in(cacheDir, "1.0").key(hash), RulesCache.in(cacheDir, "1.1").key(hash));
    }

    @Test
    void folderOthersCanWrite_isNotUsed(@TempDir Path parent) throws Exception {
        // given a cache folder anyone may write to
        Path shared = Files.createDirectory(parent.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        RulesCache cache = RulesCache.in(shared, "test");

        // when the rules are loaded twice, then nothing is written to it or read from it
        String hash = RuleSet.load(RULES, "rules", cache).hash();
        assertEquals(hash, RuleSet.load(RULES, "rules", cache).hash());
        try (Stream<Path> files = Files.list(shared)) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void missingFolder_isMadeForTheUserAlone(@TempDir Path parent) throws Exception {
        Path dir = parent.resolve("a/b/rules");
        RuleSet.load(RULES, "rules", RulesCache.in(dir, "test"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(onlyEntry(dir))));
    }

    @Test
    void rulesThatFailTheirChecks_failThemFromTheCacheToo(@TempDir Path dir, @TempDir Path cacheDir) throws IOException {
        // given rules that compile but whose interval level disagrees with z, loaded once into the cache
        RuleFolders.copyWithEdit(dir, "model.drl.csv",  ",1303,1.96,0.95,", ",1303,1.96,0.90,");
        RulesCache cache = RulesCache.in(cacheDir, "test");
        RuleSetException compiled = assertThrows(RuleSetException.class, () -> RuleSet.load(dir, "draft", cache));
        onlyEntry(cacheDir);

        // when loaded again (from the cache), then they are refused with the same problems
        RuleSetException cached = assertThrows(RuleSetException.class, () -> RuleSet.load(dir, "draft", cache));
        assertEquals(compiled.getMessage(), cached.getMessage());
    }

    @Test
    void rulesThatDoNotCompile_leaveNoEntry(@TempDir Path dir, @TempDir Path cacheDir) throws IOException {
        RuleFolders.copyWithEdit(dir, "pipeline.drl", "$k    : Calibration()", "$k    : Calibrat()");
        assertThrows(RuleSetException.class, () -> RuleSet.load(dir, "draft", RulesCache.in(cacheDir, "test")));
        try (Stream<Path> files = Files.list(cacheDir)) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void twoLoadsAtOnce_eachGetTheRules_andLeaveOneSoundEntry(@TempDir Path cacheDir) throws Exception {
        RulesCache cache = RulesCache.in(cacheDir, "test");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Callable<String>> loads = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                loads.add(() -> RuleSet.load(RULES, "rules", cache).hash());
            }
            List<String> hashes = new ArrayList<>();
            for (Future<String> each : pool.invokeAll(loads)) {
                hashes.add(each.get());
            }
            assertEquals(hashes.get(0), hashes.get(1));
            onlyEntry(cacheDir);
            assertTrue(cache.read(hashes.get(0)).isPresent());
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void environment_namesTheFolder_orTurnsItOff(@TempDir Path dir) {
        assertEquals(dir, RulesCache.fromEnvironment(Map.of(RulesCache.ENVIRONMENT, dir.toString()), "v").folder().orElseThrow());
        assertFalse(RulesCache.fromEnvironment(Map.of(RulesCache.ENVIRONMENT, "off"), "v").folder().isPresent());
        assertEquals(dir.resolve("pvp-refracture-cds/rules"),
                RulesCache.fromEnvironment(Map.of("XDG_CACHE_HOME", dir.toString()), "v").folder().orElseThrow());
    }

    private static Path onlyEntry(Path cacheDir) throws IOException {
        try (Stream<Path> files = Files.list(cacheDir)) {
            List<Path> all = files.toList();
            assertEquals(1, all.size(), all.toString());
            assertTrue(all.get(0).getFileName().toString().endsWith(".rules"), all.toString());
            return all.get(0);
        }
    }
}
