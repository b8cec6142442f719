package org.refracturecds.subscriptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.refracturecds.subscriptions.WriteBackFixture.await;
import static org.refracturecds.subscriptions.WriteBackFixture.metric;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.fhirin.Codes;
import org.refracturecds.server.Server;
import org.refracturecds.testservers.HapiJpaServer;

import ca.uhn.fhir.rest.client.api.IGenericClient;

/**
 * Write-back against a real HAPI FHIR JPA server: a real rest-hook Subscription on it notifies the
 * service when a finding is saved, and the RiskAssessment appears on it.
 */
class SubscriptionWriteBackTest {

    private static final String PROFILE = Codes.BASE + "/StructureDefinition/pvp-refracture-risk-assessment";

    @TempDir
    Path dir;

    @Test
    void aSavedFinding_firesTheSubscription_andTheRiskAssessmentAppears_onceAndReplacedByALaterFinding() throws Exception {
        HapiJpaServer jpa = HapiJpaServer.shared();
        IGenericClient client = jpa.client();
        String prefix = "wb-sub";
        List<Resource> patient = WriteBackFixture.patient(prefix);
        Observation rr = WriteBackFixture.observation(patient, "rr");
        try (Server service = WriteBackFixture.service(dir, jpa.base(), Map.of())) {
            Subscription subscription = subscribe(client, service);
            try {
                // given the patient and all findings but the reduction rate
                client.update().resource(WriteBackFixture.patientOf(patient)).execute();
                for (Resource resource : patient) {
                    if (resource instanceof Observation finding && finding != rr) {
                        client.update().resource(finding).execute();
                    }
                }

                // then the RiskAssessment of T11 appears
                String id = WriteBackFixture.patientId(prefix);
                await("the RiskAssessment written back", Duration.ofSeconds(60),
                        () -> WriteBackFixture.riskAssessment(client, id, "T11") != null);
                RiskAssessment first = WriteBackFixture.riskAssessment(client, id, "T11");
                assertEquals("Patient/" + id, first.getSubject().getReference());
                await("every notification worked", Duration.ofSeconds(30), () -> pending(service) == 0);
                String version = first.getMeta().getVersionId();

                // when the same notification comes again
                double unchanged = metric(service, "pvp_writeback_resources_total{outcome=\"unchanged\"}");
                Observation ivc = WriteBackFixture.observation(patient, "ivc");
                assertEquals(200, WriteBackFixture.notify(service, "PUT", "/fhir-notify/Observation/"
                        + ivc.getIdElement().getIdPart(), WriteBackFixture.FHIR.newJsonParser()
                        .encodeResourceToString(ivc), true).statusCode());
                await("the repeated notification worked", Duration.ofSeconds(30),
                        () -> metric(service, "pvp_writeback_resources_total{outcome=\"unchanged\"}") > unchanged);

                // then nothing changes
                assertEquals(version, WriteBackFixture.riskAssessment(client, id, "T11").getMeta().getVersionId());

                // when a later finding is saved
                client.update().resource(rr).execute();

                // then it replaces the RiskAssessment: the same resource, a new version that uses it
                await("the RiskAssessment replaced", Duration.ofSeconds(60), () -> WriteBackFixture.riskAssessment(
                        client, id, "T11").getBasis().stream().anyMatch(b -> b.getReference().contains(rr.getIdElement()
                        .getIdPart())));
                RiskAssessment later = WriteBackFixture.riskAssessment(client, id, "T11");
                assertEquals(first.getIdElement().getIdPart(), later.getIdElement().getIdPart());
                assertTrue(Integer.parseInt(later.getMeta().getVersionId()) > Integer.parseInt(version));

                // and the server's $validate against the module's profile finds no error, and no warning about a display
                jpa.loadProfiles();
                OperationOutcome outcome = jpa.validate(later, PROFILE);
                assertTrue(outcome.getIssue().stream().noneMatch(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR
                                || i.getSeverity() == OperationOutcome.IssueSeverity.FATAL),
                        () -> WriteBackFixture.FHIR.newJsonParser().encodeResourceToString(outcome));
                assertTrue(outcome.getIssue().stream().noneMatch(i -> i.getSeverity() == OperationOutcome.IssueSeverity.WARNING
                                && i.getDiagnostics().toLowerCase(java.util.Locale.ROOT).contains("display")),
                        () -> WriteBackFixture.FHIR.newJsonParser().encodeResourceToString(outcome));
            } finally {
                client.delete().resource(subscription).execute();
            }
        }
    }

    /** A rest-hook Subscription on the findings' codes to the service, active on the server and delivering. */
    static Subscription subscribe(IGenericClient client, Server service) throws Exception {
        Subscription subscription = new Subscription();
        subscription.setStatus(Subscription.SubscriptionStatus.REQUESTED);
        subscription.setReason("pvp-refracture-cds write-back (test)");
        subscription.setCriteria("Observation?code=" + String.join(",", Codes.findingTokens()));
        subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK)
                .setEndpoint("http://127.0.0.1:" + service.port() + "/fhir-notify")
                .setPayload("application/fhir+json")
                .addHeader("Authorization: Bearer " + WriteBackFixture.TOKEN);
        String id = client.create().resource(subscription).execute().getId().getIdPart();
        await("the Subscription active", Duration.ofSeconds(30), () -> client.read().resource(Subscription.class)
                .withId(id).execute().getStatus() == Subscription.SubscriptionStatus.ACTIVE);
        WriteBackFixture.awaitDelivering(client, service, id,
                "pvp_notifications_total{shape=\"r4-rest-hook\",status=\"200\"}");
        return client.read().resource(Subscription.class).withId(id).execute();
    }

    static long pending(Server service) {
        String ready = WriteBackFixture.get(service, "/health/ready").body();
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("write-back: (\\d+) waiting").matcher(ready);
        assertTrue(matcher.find(), ready);
        return Long.parseLong(matcher.group(1));
    }
}
