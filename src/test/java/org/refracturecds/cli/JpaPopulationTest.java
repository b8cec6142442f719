package org.refracturecds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.fhirin.Codes;
import org.refracturecds.fhirout.WriteBack;
import org.refracturecds.testservers.HapiJpaServer;

import ca.uhn.fhir.rest.client.api.IGenericClient;

/**
 * {@code assess --fhir-server --since} with write-back against the real HAPI FHIR JPA server of
 * the test run: its searches (_lastUpdated, _elements, paging) and its conditional update.
 */
class JpaPopulationTest {

    private static final int PATIENTS = 60;
    private static final String PREFIX = "jpop";
    private static HapiJpaServer jpa;
    private static String since;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        jpa = HapiJpaServer.shared();
        since = Instant.now().minusSeconds(1).toString();
        SyntheticPopulation.put(jpa.client(), PREFIX, PATIENTS, Integer.MAX_VALUE);
    }

    /** The RiskAssessments on the server with the write-back identifier {@code value}. */
    static List<RiskAssessment> stored(IGenericClient client, String value) {
        Bundle found = client.search().byUrl("RiskAssessment?identifier=" + WriteBack.IDENTIFIER_SYSTEM + "|" + value)
                .returnBundle(Bundle.class).execute();
        return found.getEntry().stream().map(e -> (RiskAssessment) e.getResource()).toList();
    }

    @Test
    void findingsSavedSince_areAssessedAndWrittenBackOncePerLevel_andAChangedFindingReplacesOne() throws Exception {
        // given 60 patients saved on the JPA server, and one whose finding cannot be used
        String state = dir.resolve("state").toString();

        // when those saved since are assessed with write-back, twice
        CliRun first = CliRun.of("assess", "--fhir-server", jpa.base(), "--since", since, "--write-back",
                "--state", state, "--out", dir.resolve("out.ndjson").toString());
        CliRun again = CliRun.of("assess", "--fhir-server", jpa.base(), "--since", since, "--write-back",
                "--state", state, "--out", dir.resolve("out.ndjson").toString());

        // then each level has one RiskAssessment there, created by the first run and left alone by the second
        int levels = SyntheticPopulation.levels(PATIENTS);
        assertTrue(first.err().contains(": " + (PATIENTS + 1) + " patients with findings; " + PATIENTS + " assessed,"
                + " 1 skipped (PVP-E117: 1)\nWritten back (one RiskAssessment per level): " + levels + " created, 0 updated,"
                + " 0 unchanged\n"), first.err());
        assertTrue(first.err().contains("skipped Patient/" + PREFIX + "unusable: [PVP-E117] "), first.err());
        assertTrue(again.err().contains("Written back (one RiskAssessment per level): 0 created, 0 updated, " + levels
                + " unchanged\n"), again.err());
        assertEquals(PATIENTS, Files.readAllLines(dir.resolve("out.ndjson")).size());
        IGenericClient client = jpa.client();
        List<RiskAssessment> t12 = stored(client, PREFIX + "0/T12/xiong-2021-logistic");
        assertEquals(1, t12.size());
        assertEquals("1", t12.get(0).getMeta().getVersionId());
        assertEquals(1, stored(client, PREFIX + "0/L1/xiong-2021-logistic").size());

        // when a later reduction rate is saved for one patient, and that patient is assessed again
        Observation later = new Observation();
        later.setStatus(Observation.ObservationStatus.FINAL);
        later.getCode().addCoding(new Coding(Codes.FINDINGS, "reduction-rate", null));
        later.setSubject(new Reference("Patient/" + PREFIX + "1"));
        later.setEffective(new DateTimeType("2025-04-01"));
        later.setValue(new Quantity().setValue(33).setUnit("%").setSystem(Codes.UCUM).setCode("%"));
        later.setBodySite(new CodeableConcept(new Coding(Codes.SNOMED, "280849005", null)));
        client.create().resource(later).execute();
        CliRun changed = CliRun.of("assess", "--fhir-server", jpa.base(), "--patient", PREFIX + "1", "--write-back",
                "--state", state);

        // then its one RiskAssessment is replaced by a second version
        assertTrue(changed.err().contains("Written back (one RiskAssessment per level): 0 created, 1 updated, 0"
                + " unchanged\n"), changed.err());
        List<RiskAssessment> replaced = stored(client, PREFIX + "1/T12/xiong-2021-logistic");
        assertEquals(1, replaced.size());
        assertEquals("2", replaced.get(0).getMeta().getVersionId());
        assertEquals(0, changed.exit(), changed.err());
    }
}
