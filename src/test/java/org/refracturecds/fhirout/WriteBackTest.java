package org.refracturecds.fhirout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.refracturecds.MemoryFhirServer;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Finding;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Settings;
import org.refracturecds.facts.Vertebra;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;

/** The conditional update on the assessment's identifier, against a real HAPI server over a socket. */
class WriteBackTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static Assessor assessor;
    private static MemoryFhirServer server;
    private IGenericClient client;

    @BeforeAll
    static void start() throws Exception {
        assessor = new Assessor(RuleSet.loadBundled(), new Settings(null));
        server = new MemoryFhirServer();
        FHIR.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @BeforeEach
    void client() {
        server.requireToken(null);
        client = FHIR.newRestfulGenericClient(server.base);
    }

    /** The RiskAssessment of Patient/{patient} at T12 as the writer makes it at {@code at} (with its identifier). */
    private static RiskAssessment assessed(String patient, double reductionRate, String at) {
        Vertebra t12 = new Vertebra("T12", "280849005");
        List<Finding> findings = List.of(
                Finding.observed(t12, "intravertebral-cleft", "present", null, null, "Observation/ivc", "2024-01-01"),
                Finding.observed(t12, "reduction-rate", null, reductionRate, "%", "Observation/rr", "2024-01-02"));
        findings.forEach(t12::record);
        return new RiskAssessmentWriter(Clock.fixed(Instant.parse(at), ZoneOffset.UTC))
                .write(assessor.assess(PatientFindings.of("Patient/" + patient, List.of(t12), findings)));
    }

    @Test
    void aRepeatedIdenticalAssessment_changesNothing_andADifferentOneReplacesTheStoredOne() throws Exception {
        // given nothing on the server for the patient
        WriteBack writeBack = new WriteBack(FHIR);

        // when the assessment is written, then again (computed an hour later), then with another reduction rate
        WriteBack.Written first = writeBack.write(client, assessed("wb1", 20, "2026-01-15T09:00:00Z"));
        WriteBack.Written again = writeBack.write(client, assessed("wb1", 20, "2026-01-15T10:00:00Z"));
        int requestsBefore = server.received.size();
        WriteBack.Written changed = writeBack.write(client, assessed("wb1", 45, "2026-01-15T11:00:00Z"));

        // then it was created once, left alone, then replaced by a second version of the same resource
        assertEquals(WriteBack.Outcome.CREATED, first.outcome());
        assertEquals(WriteBack.Outcome.UNCHANGED, again.outcome());
        assertEquals(WriteBack.Outcome.UPDATED, changed.outcome());
        IdType id = new IdType(first.id());
        assertEquals(id.getIdPart(), new IdType(changed.id()).getIdPart());
        assertEquals(2, server.versions(id.toVersionless()));
        assertEquals("2", new IdType(changed.id()).getVersionIdPart());
        // the read before the write asks for the stored resource, not a cached search
        MemoryFhirServer.Received read = server.received.get(requestsBefore);
        assertEquals("GET", read.method());
        assertTrue(read.uri().contains("identifier="), read.uri());
        assertEquals("no-cache", read.cacheControl());
        assertEquals("PUT", server.received.get(requestsBefore + 1).method());
        List<RiskAssessment> stored = server.all(RiskAssessment.class).stream()
                .filter(r -> r.getSubject().getReference().equals("Patient/wb1")).toList();
        assertEquals(1, stored.size());
        assertEquals("2026-01-15T11:00:00Z", stored.get(0).getOccurrenceDateTimeType().getValueAsString()
                .replace("+00:00", "Z"));
    }

    @Test
    void anotherPatientsAssessment_isCreatedBesideIt() throws Exception {
        WriteBack writeBack = new WriteBack(FHIR);
        writeBack.write(client, assessed("wb2", 20, "2026-01-15T09:00:00Z"));

        WriteBack.Written other = writeBack.write(client, assessed("wb3", 20, "2026-01-15T09:00:00Z"));

        assertEquals(WriteBack.Outcome.CREATED, other.outcome());
    }

    @Test
    void twoStoredWithTheSameIdentifier_isAFailureSayingWhatToDo() throws Exception {
        // given two RiskAssessments on the server that share the identifier
        RiskAssessment risk = assessed("wb4", 20, "2026-01-15T09:00:00Z");
        server.put(risk.copy());
        server.put(risk.copy());

        WriteBack.Failed failed = assertThrows(WriteBack.Failed.class, () -> new WriteBack(FHIR).write(client, risk));

        assertEquals("RiskAssessment wb4/T12/xiong-2021-logistic: the FHIR server holds 2 RiskAssessments with this"
                + " identifier; delete all but one there, then write again", failed.getMessage());
        assertFalse(failed.retryable());
    }

    @Test
    void refusedCredentials_areAFailureNotWorthRetrying() {
        server.requireToken("secret");

        WriteBack.Failed failed = assertThrows(WriteBack.Failed.class,
                () -> new WriteBack(FHIR).write(client, assessed("wb5", 20, "2026-01-15T09:00:00Z")));

        assertEquals("RiskAssessment wb5/T12/xiong-2021-logistic: the FHIR server answered HTTP 401 (the credentials"
                + " were refused: check the token and that it may write RiskAssessments)", failed.getMessage());
        assertEquals(401, failed.status());
        assertFalse(failed.retryable());
    }

    @Test
    void aServerThatIsDown_isAFailureWorthRetrying() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        IGenericClient nowhere = FHIR.newRestfulGenericClient("http://127.0.0.1:" + closedPort + "/fhir");

        WriteBack.Failed failed = assertThrows(WriteBack.Failed.class,
                () -> new WriteBack(FHIR).write(nowhere, assessed("wb6", 20, "2026-01-15T09:00:00Z")));

        assertEquals("RiskAssessment wb6/T12/xiong-2021-logistic: the FHIR server is unreachable (connection refused:"
                + " nothing listens at its address)", failed.getMessage());
        assertTrue(failed.retryable());
    }

    @Test
    void anAssessmentWithoutTheIdentifier_isRefusedBeforeAnyRequest() {
        RiskAssessment risk = assessed("wb7", 20, "2026-01-15T09:00:00Z");
        risk.getIdentifier().clear();
        int before = server.received.size();

        assertThrows(IllegalArgumentException.class, () -> new WriteBack(FHIR).write(client, risk));
        assertEquals(before, server.received.size());
    }
}
