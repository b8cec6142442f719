package org.refracturecds.subscriptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.refracturecds.subscriptions.WriteBackFixture.await;
import static org.refracturecds.subscriptions.WriteBackFixture.metric;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.refracturecds.server.Server;
import org.refracturecds.testservers.HapiJpaServer;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/**
 * The FHIR server unreachable while notifications wait: the service keeps them through a restart and
 * writes them once the server is back, or gives them up, visibly, after writeBack.maxAttempts.
 */
class OutageTest {

    @TempDir
    Path dir;

    @Test
    void aNotificationQueuedWhileTheServerIsDown_survivesARestart_andIsWrittenWhenTheServerIsBack() throws Exception {
        HapiJpaServer jpa = HapiJpaServer.shared();
        IGenericClient client = jpa.client();
        List<Resource> patient = WriteBackFixture.patient("outage");
        for (Resource resource : patient) {
            client.update().resource(resource).execute();
        }
        Observation ivc = WriteBackFixture.observation(patient, "ivc");
        try (TcpRelay relay = new TcpRelay(jpa.port())) {
            String behindRelay = "http://127.0.0.1:" + relay.port() + "/fhir";
            Map<String, Object> twentyTries = Map.of("maxAttempts", 20, "firstRetryMillis", 100, "maxRetryMillis", 400);
            // given a notification answered while the FHIR server refuses connections
            try (Server service = WriteBackFixture.service(dir, behindRelay, twentyTries)) {
                assertEquals(200, WriteBackFixture.notify(service, "PUT", "/fhir-notify/Observation/"
                        + ivc.getIdElement().getIdPart(), WriteBackFixture.FHIR.newJsonParser()
                        .encodeResourceToString(ivc), true).statusCode());
                await("a failed attempt", Duration.ofSeconds(30), () -> metric(service, "pvp_writeback_retries_total") >= 1);
            }
            // when the service restarts and the server comes back
            relay.open();
            try (Server restarted = WriteBackFixture.service(dir, behindRelay, twentyTries)) {
                // then the RiskAssessment arrives
                await("the RiskAssessment written after the outage", Duration.ofSeconds(60),
                        () -> WriteBackFixture.riskAssessment(client, "outage-cleft", "T11") != null);
            }
        }
        // and the audit trail holds the failed attempt and the write
        List<String> rows = WriteBackFixture.auditRows(dir, "write-back");
        assertTrue(rows.stream().anyMatch(r -> r.startsWith("503 PVP-N201")), rows::toString);
        assertTrue(rows.stream().anyMatch(r -> r.startsWith("200 null") && r.contains("created 1")), rows::toString);
    }

    @Test
    void aServerThatStaysDown_isGivenUpAfterMaxAttempts_inHealthMetricsAndAuditTrail() throws Exception {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        Logger workerLog = (Logger) LoggerFactory.getLogger(WriteBackWorker.class);
        log.start();
        workerLog.addAppender(log);
        workerLog.setAdditive(false); // expected here: kept out of the test run's output
        try (TcpRelay refusing = new TcpRelay(1)) {
            String nowhere = "http://127.0.0.1:" + refusing.port() + "/fhir";
            try (Server service = WriteBackFixture.service(dir, nowhere, Map.of("maxAttempts", 3,
                    "firstRetryMillis", 50, "maxRetryMillis", 100))) {
                assertEquals(200, WriteBackFixture.notify(service, "PUT", "/fhir-notify/Observation/o1",
                        "{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"Patient/given-up\"}}", true)
                        .statusCode());

                await("given up", Duration.ofSeconds(30), () -> metric(service, "pvp_writeback_given_up_total") == 1);

                assertEquals(2, metric(service, "pvp_writeback_retries_total"));
                String ready = WriteBackFixture.get(service, "/health/ready").body();
                assertTrue(ready.contains("write-back: 0 waiting, 1 given up in the last 24 h"), ready);
            }
        } finally {
            workerLog.detachAppender(log);
            workerLog.setAdditive(true);
        }
        List<String> rows = WriteBackFixture.auditRows(dir, "write-back");
        assertEquals(3, rows.stream().filter(r -> r.contains("r4-rest-hook patient")).count(), rows::toString);
        assertNotNull(rows.stream().filter(r -> r.startsWith("503 PVP-N202") && r.contains("given up after 3 attempts"))
                .findFirst().orElse(null), rows::toString);
        // and the log said the outage at its first failed attempt (the second, within a minute, only counted),
        // then the item given up; neither names the patient
        List<String> lines = log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertEquals(1, lines.stream().filter(l -> l.startsWith("write-back: an attempt failed and will be tried again")
                && l.contains("up to writeBack.maxAttempts (3); the last [PVP-N201]")).count(), lines::toString);
        assertEquals(1, lines.stream().filter(l -> l.contains("was given up [PVP-N202]")).count(), lines::toString);
        assertTrue(lines.stream().noneMatch(l -> l.contains("given-up") || l.contains("o1")), lines::toString);
        assertTrue(log.list.stream().allMatch(e -> e.getLevel() == Level.WARN), lines::toString);
    }
}
