package org.refracturecds.subscriptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.refracturecds.subscriptions.WriteBackFixture.await;
import static org.refracturecds.subscriptions.WriteBackFixture.metric;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.MemoryFhirServer;
import org.refracturecds.fhirin.CannedFhirServer;
import org.refracturecds.server.Server;

/**
 * Write-back reads the patient's data as the population run does: with the Conditions, strictly,
 * and following next links only while they stay on the server and end.
 */
class WriteBackReadingTest {

    @TempDir
    Path dir;

    private static String notification(String patient) {
        return "{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"Patient/" + patient + "\"}}";
    }

    @Test
    void thePatientsConditions_areRead_andAnExcludedOneIsNamedOnTheWrittenRiskAssessment() throws Exception {
        // given the example patient on a FHIR server, with multiple myeloma on record
        try (MemoryFhirServer fhir = new MemoryFhirServer()) {
            List<Resource> patient = WriteBackFixture.patient("cond");
            patient.forEach(fhir::put);
            Condition myeloma = new Condition().setSubject(new Reference("Patient/" + WriteBackFixture.patientId("cond")))
                    .setClinicalStatus(new CodeableConcept(new Coding(
                            "http://terminology.hl7.org/CodeSystem/condition-clinical", "active", null)))
                    .setCode(new CodeableConcept(new Coding("http://hl7.org/fhir/sid/icd-10", "C90.0", null)));
            fhir.put(myeloma);
            try (Server service = WriteBackFixture.service(dir, fhir.base, Map.of())) {

                // when a notification names the patient
                assertEquals(200, WriteBackFixture.notify(service, "POST", "/fhir-notify",
                        notification(WriteBackFixture.patientId("cond")), true).statusCode());

                // then the RiskAssessment written says the study excluded such patients, not that nothing was checked
                await("the RiskAssessment written", Duration.ofSeconds(60), () -> !fhir.all(RiskAssessment.class).isEmpty());
                String written = WriteBackFixture.FHIR.newJsonParser()
                        .encodeResourceToString(fhir.all(RiskAssessment.class).get(0));
                assertTrue(written.contains("PVP-A105"), written);
                assertFalse(written.contains("PVP-A106"), written);
                assertTrue(fhir.received.stream().anyMatch(r -> r.uri().startsWith("/fhir/Condition?patient=cond-cleft")),
                        fhir.received.toString());
            }
        }
    }

    @Test
    void answersThatCannotBeUsed_areGivenUpWithPvpN206_sayingWhyWithoutThePatient() throws Exception {
        // given a server that answers one patient with a string for a boolean, and pages another's findings
        // onto another server, and a third's without end
        try (CannedFhirServer fhir = new CannedFhirServer()) {
            try (Server service = WriteBackFixture.service(dir, fhir.base, Map.of())) {

                // when a notification names each
                for (String patient : List.of("bad", "offbase", "endless")) {
                    assertEquals(200, WriteBackFixture.notify(service, "POST", "/fhir-notify", notification(patient),
                            true).statusCode());
                }

                // then each is given up at once, not tried again, and nothing is written
                await("given up", Duration.ofSeconds(60), () -> metric(service, "pvp_writeback_given_up_total") == 3);
                assertEquals(0, metric(service, "pvp_writeback_retries_total"));
                assertTrue(fhir.received.stream().noneMatch(r -> r.startsWith("PUT")), fhir.received.toString());
            }
            List<String> rows = WriteBackFixture.auditRows(dir, "write-back");
            assertEquals(3, rows.stream().filter(r -> r.startsWith("422 PVP-N206 ")).count(), rows::toString);
            assertTrue(rows.stream().anyMatch(r -> r.endsWith("given up: the FHIR server answered data that is not valid"
                    + " FHIR R4, so none of it is used (PVP-E010 at Bundle.entry[0].resource (Observation).valueBoolean)")),
                    rows::toString);
            assertTrue(rows.stream().anyMatch(r -> r.endsWith("given up: the server's next-page link leaves " + fhir.base
                    + "; not followed")), rows::toString);
            assertTrue(rows.stream().anyMatch(r -> r.endsWith("given up: more than 20 pages of 100; not read further,"
                    + " and none of it used")), rows::toString);
            assertTrue(rows.stream().noneMatch(r -> r.contains("bad") || r.contains("endless")), rows::toString);
        }
    }
}
