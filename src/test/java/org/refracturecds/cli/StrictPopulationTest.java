package org.refracturecds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.fhirin.CannedFhirServer;

/** {@code assess --fhir-server} reads the server's answers as strictly as a prefetch, and its paging safely. */
class StrictPopulationTest {

    private static CannedFhirServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        server = new CannedFhirServer();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aStringForABoolean_skipsThePatient_namingWhere_andTheOthersAreAssessed() {
        CliRun run = CliRun.of("assess", "--fhir-server", server.base, "--patient", "good", "bad", "endless",
                "--state", dir.resolve("state").toString());

        assertTrue(run.err().contains("skipped Patient/bad: [PVP-C306] findings of Patient/bad: the FHIR server answered"
                + " data that is not valid FHIR R4, so none of it is used ([PVP-E010] "), run.err());
        assertTrue(run.err().contains("resource (Observation/bad-ivc).valueBoolean: is the string \"true\""), run.err());
        assertTrue(run.err().contains("skipped Patient/endless: [PVP-C306] findings of Patient/endless: more than 20"
                + " pages of 100; not read further, and none of it used"), run.err());
        assertTrue(run.err().contains(": 3 patients named (--patient); 1 assessed, 2 skipped (PVP-C306: 2)"), run.err());
        assertEquals(1, run.out().lines().count(), run.out());
        assertTrue(run.out().contains("\"reference\":\"Patient/good\""), run.out());
        assertEquals(Cli.BAD_INPUT, run.exit());
    }
}
