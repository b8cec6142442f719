package org.refracturecds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.refracturecds.engine.RulesCache;

/**
 * Every example patient assessed with the bundled rules taken compiled from the cache gives its
 * golden RiskAssessment, byte for byte, as the rules compiled at start do ({@link ExamplesTest}).
 */
class CachedRulesExamplesTest {

    @TempDir
    static Path cacheDir;
    private static RulesCache cache;

    @BeforeAll
    static void fillTheCache() throws IOException {
        cache = RulesCache.in(cacheDir, "test");
        CliRun first = CliRun.withCache(cache, "", "assess", "examples/no-risk-factors.json");
        assertEquals(0, first.exit(), first.err());
        try (Stream<Path> entries = Files.list(cacheDir)) {
            assertEquals(1, entries.count(), "the first run keeps the compiled rules");
        }
    }

    static Stream<String> examples() throws IOException {
        return ExamplesTest.examples();
    }

    @ParameterizedTest
    @MethodSource("examples")
    void example_fromCachedRules_givesItsGoldenRiskAssessment(String example) throws IOException {
        // given the compiled rules in the cache, when an example is assessed
        CliRun run = CliRun.withCache(cache, "", "assess", ExamplesTest.EXAMPLES.resolve(example).toString());

        // then it succeeds, quietly, with the golden output
        assertEquals(0, run.exit(), run.err());
        assertEquals("", run.err());
        assertEquals(Files.readString(ExamplesTest.GOLDEN.resolve(example), StandardCharsets.UTF_8), run.out());
    }
}
