package org.refracturecds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.fhirout.WriteBack;
import org.refracturecds.testservers.HapiJpaServer;

import ca.uhn.fhir.rest.client.api.IGenericClient;

/**
 * {@code assess --fhir-server} over 1,000 synthetic patients on the real HAPI FHIR JPA server of the
 * test run, without and then with write-back: every patient assessed, the same RiskAssessments
 * either way, and one written per level. The times are printed for docs/PERFORMANCE.md.
 */
class JpaThousandPatientsTest {

    private static final int PATIENTS = 1000;
    private static final String PREFIX = "kpop";
    /** Resources a transaction carries when the population is put on the server. */
    private static final int PER_TRANSACTION = 1000;
    private static HapiJpaServer jpa;
    private static String since;
    private static long loadMillis;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        jpa = HapiJpaServer.shared();
        since = Instant.now().minusSeconds(1).toString();
        long start = System.nanoTime();
        SyntheticPopulation.put(jpa.client(), PREFIX, PATIENTS, PER_TRANSACTION);
        loadMillis = (System.nanoTime() - start) / 1_000_000;
    }

    private static int stored(IGenericClient client, String value) {
        return client.search().byUrl("RiskAssessment?identifier=" + WriteBack.IDENTIFIER_SYSTEM + "|" + value)
                .returnBundle(Bundle.class).execute().getEntry().size();
    }

    @Test
    void aThousandPatients_areAssessedAlikeWithoutAndWithWriteBack_andEachLevelIsWrittenOnce() throws Exception {
        // given 1,000 patients saved on the JPA server, and one whose finding cannot be used
        Path read = dir.resolve("read.ndjson");
        Path written = dir.resolve("written.ndjson");
        String summary = ": " + (PATIENTS + 1) + " patients with findings; " + PATIENTS + " assessed, 1 skipped"
                + " (PVP-E117: 1)\n";

        // when they are assessed by paged searches, without write-back
        long start = System.nanoTime();
        CliRun readOnly = CliRun.of("assess", "--fhir-server", jpa.base(), "--since", since, "--state",
                dir.resolve("state-read").toString(), "--out", read.toString());
        long readMillis = (System.nanoTime() - start) / 1_000_000;

        // then every patient but the unusable one has its RiskAssessment, and none is written to the server
        assertTrue(readOnly.err().contains(summary), readOnly.err());
        assertEquals(PATIENTS, Files.readAllLines(read).size());
        assertEquals(0, stored(jpa.client(), PREFIX + "0/T12/xiong-2021-logistic"));

        // when they are assessed again, with write-back
        start = System.nanoTime();
        CliRun writing = CliRun.of("assess", "--fhir-server", jpa.base(), "--since", since, "--write-back",
                "--state", dir.resolve("state").toString(), "--out", written.toString());
        long writeMillis = (System.nanoTime() - start) / 1_000_000;

        // then the RiskAssessments are the same, and each level's is on the server once
        int levels = SyntheticPopulation.levels(PATIENTS);
        assertTrue(writing.err().contains(summary + "Written back (one RiskAssessment per level): " + levels
                + " created, 0 updated, 0 unchanged\n"), writing.err());
        assertEquals(Files.readAllLines(read), Files.readAllLines(written));
        IGenericClient client = jpa.client();
        for (String level : List.of("0/T12", "0/L1", "500/L1", "999/T12")) {
            assertEquals(1, stored(client, PREFIX + level + "/xiong-2021-logistic"), level);
        }
        // (the unusable patient's skip is why neither run ends with 0)
        assertEquals(Cli.BAD_INPUT, readOnly.exit(), readOnly.err());
        assertEquals(Cli.BAD_INPUT, writing.exit(), writing.err());
        System.out.printf("%,d patients on the HAPI FHIR JPA server: put in %,d ms; assessed by paged searches in %,d ms;"
                + " with write-back in %,d ms%n", PATIENTS, loadMillis, readMillis, writeMillis);
    }
}
