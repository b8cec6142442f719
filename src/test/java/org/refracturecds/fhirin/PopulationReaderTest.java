package org.refracturecds.fhirin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The one reader of a FHIR server's data that the population run and write-back share, against a
 * server over a socket that answers what a real one should not.
 */
class PopulationReaderTest {

    private static CannedFhirServer server;
    private static PopulationReader reader;

    @BeforeAll
    static void start() throws Exception {
        server = new CannedFhirServer();
        reader = new PopulationReader(PopulationReader.client(server.base, List.of(), 5_000), "the credentials' setting", PvpProcedures.STANDARD);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aPatientsData_isThePatientTheFindingsTheConditionsThatHoldAndThePvps() throws Exception {
        List<InputReader.Entry> entries = reader.patient("good");

        assertEquals(List.of(Patient.class, Observation.class, Condition.class),
                entries.stream().map(e -> e.resource().getClass()).toList());
        assertTrue(server.received.contains("GET /Condition?patient=good&clinical-status=active,recurrence,relapse"
                + "&_count=100"), server.received.toString());
        assertTrue(server.received.contains("GET /Procedure?patient=good&code=" + String.join(",", Codes.PVP_PROCEDURES)
                + "&_count=100"), server.received.toString());
        // a server whose CapabilityStatement does not list Observation:patient: the Patient is read on its own
        assertTrue(server.received.contains("GET /Patient/good"), server.received.toString());
    }

    @Test
    void aProcedureSearchRefused_namesTheResourceTypeTheCredentialsMayNotRead() {
        PopulationReader.ReadFailed failed = assertThrows(PopulationReader.ReadFailed.class,
                () -> reader.patient("noprocedures"));

        assertEquals(403, failed.status());
        assertEquals("the FHIR server answered HTTP 403: the credentials were accepted but may not read Procedure: check"
                + " the scope they are given (Procedure.read)", failed.why());
    }

    @Test
    void aStringForABoolean_isRefusedNamingWhere_notReadAsTrue() {
        PopulationReader.ReadFailed failed = assertThrows(PopulationReader.ReadFailed.class, () -> reader.patient("bad"));

        assertEquals(PopulationReader.Cause.INVALID, failed.cause());
        assertFalse(failed.stopsRun(), "one patient's data, not the server");
        assertFalse(failed.retryable());
        assertTrue(failed.getMessage().startsWith("findings of Patient/bad: the FHIR server answered data that is not"
                + " valid FHIR R4, so none of it is used ([PVP-E010] "), failed.getMessage());
        assertTrue(failed.getMessage().contains("(Observation/bad-ivc).valueBoolean"), failed.getMessage());
        // what a log or the audit trail may hold: the code and the element, no id and no value
        assertTrue(failed.why().contains("(PVP-E010 at "), failed.why());
        assertTrue(failed.why().contains("(Observation).valueBoolean)"), failed.why());
        assertFalse(failed.why().contains("bad"), failed.why());
    }

    @Test
    void aFindingWithAStringForABoolean_isRefusedWhenReadForItsPatient() {
        PopulationReader.ReadFailed failed = assertThrows(PopulationReader.ReadFailed.class,
                () -> reader.patientOf("bad-ivc"));

        assertEquals(PopulationReader.Cause.INVALID, failed.cause());
        assertTrue(failed.getMessage().contains("valueBoolean"), failed.getMessage());
    }

    @Test
    void aFinding_namesItsPatient() throws Exception {
        assertEquals("good", reader.patientOf("good-ivc"));
    }

    @Test
    void aNextLinkToAnotherServer_isNotFollowed() {
        int before = server.received.size();

        PopulationReader.ReadFailed failed = assertThrows(PopulationReader.ReadFailed.class,
                () -> reader.patient("offbase"));

        assertEquals(PopulationReader.Cause.PAGING, failed.cause());
        assertEquals("findings of Patient/offbase: the server's next-page link leaves " + server.base + "; not followed",
                failed.getMessage());
        assertEquals(2, server.received.size() - before, "the Patient and the first page only");
    }

    @Test
    void pagesWithoutEnd_stopAtTheCap_withAClearError() {
        PopulationReader.ReadFailed failed = assertThrows(PopulationReader.ReadFailed.class,
                () -> reader.patient("endless"));

        assertEquals(PopulationReader.Cause.PAGING, failed.cause());
        assertEquals("findings of Patient/endless: more than " + PopulationReader.MAX_PAGES + " pages of "
                + PopulationReader.PAGE_SIZE + "; not read further, and none of it used", failed.getMessage());
    }

    @Test
    void aNextLinkToAPageReadBefore_isNotFollowed() {
        PopulationReader.ReadFailed failed = assertThrows(PopulationReader.ReadFailed.class, () -> reader.patient("loop"));

        assertEquals(PopulationReader.Cause.PAGING, failed.cause());
        assertTrue(failed.getMessage().endsWith("names a page read before; not followed"), failed.getMessage());
    }
}
