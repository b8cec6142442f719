package org.refracturecds.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * examples/calibration/synthetic-cohort.csv is synthetic: drawn by {@link SyntheticCohort} from
 * the published model with a = 0.5, b = 0.9 (seed 2026), no real patient. Regenerate with
 * {@code mvn test -Dtest=ExampleCohortTest -Dgolden.update=true}.
 */
class ExampleCohortTest {

    static final Path EXAMPLE = Path.of("examples/calibration/synthetic-cohort.csv");

    @Test
    void theExampleCohort_isTheSyntheticOneOfItsSeed() throws IOException {
        String drawn = SyntheticCohort.csv(SyntheticCohort.generate(500, 0.5, 0.9, 2026));
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(EXAMPLE, drawn);
        }
        assertEquals(drawn, Files.readString(EXAMPLE));
    }
}
