package org.refracturecds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every example patient under examples/ against its golden RiskAssessment, compared exactly.
 * After a deliberate change, regenerate with {@code mvn test -Dtest=ExamplesTest -Dgolden.update=true}
 * and read the diff before committing it.
 */
class ExamplesTest {

    static final Path EXAMPLES = Path.of("examples");
    static final Path GOLDEN = Path.of("src/test/resources/golden");

    static Stream<String> examples() throws IOException {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("examples")
    void example_givesItsGoldenRiskAssessment(String example) throws IOException {
        // given an example patient, when assessed
        CliRun run = CliRun.of("assess", EXAMPLES.resolve(example).toString());

        // then it succeeds, quietly, with the golden output
        assertEquals(0, run.exit(), run.err());
        assertEquals("", run.err());
        Path golden = GOLDEN.resolve(example);
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(golden, run.out());
        }
        assertTrue(Files.exists(golden), "no golden output " + golden + ": run with -Dgolden.update=true and review it");
        assertEquals(Files.readString(golden, StandardCharsets.UTF_8), run.out());
    }
}
