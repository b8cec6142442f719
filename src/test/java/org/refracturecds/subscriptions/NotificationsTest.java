package org.refracturecds.subscriptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.refracturecds.subscriptions.WriteBackFixture.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.refracturecds.server.Server;
import org.refracturecds.testservers.HapiJpaServer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;

/**
 * The notification endpoint: each shape of notification it reads, end to end against the real HAPI JPA
 * server, and every hostile one refused with an OperationOutcome and a PVP code, never a 500.
 */
class NotificationsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static HapiJpaServer jpa;
    static Server service;

    @BeforeAll
    static void start() throws Exception {
        jpa = HapiJpaServer.shared();
        service = WriteBackFixture.service(dir, jpa.base(), Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        service.close();
    }

    /** The example patient saved on the server without any notification to the service. */
    private static List<Resource> saved(String prefix) throws Exception {
        IGenericClient client = jpa.client();
        List<Resource> patient = WriteBackFixture.patient(prefix);
        for (Resource resource : patient) {
            client.update().resource(resource).execute();
        }
        return patient;
    }

    private static void awaitWritten(String prefix) throws InterruptedException {
        IGenericClient client = jpa.client();
        await("the RiskAssessment of " + prefix, Duration.ofSeconds(60),
                () -> WriteBackFixture.riskAssessment(client, WriteBackFixture.patientId(prefix), "T11") != null);
    }

    private static String backport(String type, List<String> foci, List<Resource> resources) {
        StringBuilder events = new StringBuilder();
        for (int i = 0; i < foci.size(); i++) {
            events.append(",{\"name\":\"notification-event\",\"part\":[{\"name\":\"event-number\",\"valueString\":\"")
                    .append(i + 1).append("\"},{\"name\":\"focus\",\"valueReference\":{\"reference\":\"")
                    .append(foci.get(i)).append("\"}}]}");
        }
        StringBuilder entries = new StringBuilder();
        for (Resource resource : resources) {
            entries.append(",{\"fullUrl\":\"").append(jpa.base()).append('/').append(resource.fhirType()).append('/')
                    .append(resource.getIdElement().getIdPart()).append("\",\"resource\":")
                    .append(WriteBackFixture.FHIR.newJsonParser().encodeResourceToString(resource)).append('}');
        }
        if (resources.isEmpty()) {
            for (String focus : foci) {
                entries.append(",{\"fullUrl\":\"").append(jpa.base()).append('/').append(focus)
                        .append("\",\"request\":{\"method\":\"PUT\",\"url\":\"").append(focus)
                        .append("\"},\"response\":{\"status\":\"200\"}}");
            }
        }
        return """
                {"resourceType":"Bundle","type":"history","timestamp":"2026-11-30T10:00:00Z","entry":[
                 {"fullUrl":"urn:uuid:3e2ce7c4-3c2f-4b58-9c24-4b6a4ad6f1a0","resource":{"resourceType":"Parameters",
                  "meta":{"profile":["http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4"]},
                  "parameter":[{"name":"subscription","valueReference":{"reference":"Subscription/pvp"}},
                   {"name":"topic","valueCanonical":"https://fhir.refracture-cds.org/SubscriptionTopic/pvp-findings"},
                   {"name":"status","valueCode":"active"},{"name":"type","valueCode":"%s"},
                   {"name":"events-since-subscription-start","valueString":"%d"}%s]}}%s]}"""
                .formatted(type, foci.size(), events, entries);
    }

    @Test
    void aBackportIdOnlyNotification_writesThePatientsRiskAssessment() throws Exception {
        List<Resource> patient = saved("bp-id");
        Observation ivc = WriteBackFixture.observation(patient, "ivc");

        HttpResponse<String> answer = WriteBackFixture.notify(service, "POST", "/fhir-notify",
                backport("event-notification", List.of("Observation/" + ivc.getIdElement().getIdPart()), List.of()), true);

        assertEquals(200, answer.statusCode(), answer.body());
        awaitWritten("bp-id");
    }

    @Test
    void aBackportFullResourceNotification_writesThePatientsRiskAssessment() throws Exception {
        List<Resource> patient = saved("bp-full");
        Observation ivc = WriteBackFixture.observation(patient, "ivc");

        HttpResponse<String> answer = WriteBackFixture.notify(service, "POST", "/fhir-notify",
                backport("event-notification", List.of("Observation/" + ivc.getIdElement().getIdPart()), List.of(ivc)), true);

        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals("queued 1 of 1", JSON.readTree(answer.body()).at("/entry/0/response/outcome/issue/0/details/text")
                .asText(), answer.body());
        awaitWritten("bp-full");
    }

    @Test
    void anR4NotificationWithoutPayload_sweepsTheFindingsSavedLately() throws Exception {
        saved("r4-empty");

        HttpResponse<String> answer = WriteBackFixture.notify(service, "POST", "/fhir-notify", null, true);

        assertEquals(200, answer.statusCode(), answer.body());
        // The sweep reassesses every patient whose findings were saved in the last 5 minutes on the
        // shared JPA server: when JpaThousandPatientsTest ran just before, its 1,000 patients are listed
        // too, after this one (the newest first; listed first, they had made this wait run out).
        awaitWritten("r4-empty");
    }

    @Test
    void aHandshake_isAnswered_andQueuesNothing() throws Exception {
        HttpResponse<String> answer = WriteBackFixture.notify(service, "POST", "/fhir-notify",
                backport("handshake", List.of(), List.of()), true);

        assertEquals(200, answer.statusCode(), answer.body());
        // HAPI FHIR posts a topic notification as a transaction and reads the answer as a Bundle.
        JsonNode bundle = JSON.readTree(answer.body());
        assertEquals("Bundle", bundle.path("resourceType").asText(), answer.body());
        assertEquals("200 OK", bundle.at("/entry/0/response/status").asText());
        assertEquals("received: nothing to write back", bundle.at("/entry/0/response/outcome/issue/0/details/text").asText());
    }

    /**
     * HAPI FHIR's own client, as its rest-hook sends a topic notification (a transaction to the
     * endpoint): it reads the answer as a Bundle. It threw on the OperationOutcome answered before,
     * so HAPI counted every delivery as failed and sent it again.
     */
    @Test
    void hapisClient_sendingANotificationAsATransaction_readsTheAnswer() {
        IGenericClient hapi = WriteBackFixture.FHIR.newRestfulGenericClient(
                "http://127.0.0.1:" + service.port() + "/fhir-notify");
        hapi.registerInterceptor(new BearerTokenAuthInterceptor(WriteBackFixture.TOKEN));
        Bundle notification = WriteBackFixture.FHIR.newJsonParser().parseResource(
                Bundle.class, backport("handshake", List.of(), List.of()));

        Bundle answer = hapi.transaction().withBundle(notification).execute();

        assertEquals("received: nothing to write back", ((OperationOutcome) answer.getEntryFirstRep()
                .getResponse().getOutcome()).getIssueFirstRep().getDetails().getText());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not JSON                              | POST | /fhir-notify                    | {"resourceType":             | 400 | PVP-N101
            JSON but not a resource               | POST | /fhir-notify                    | [1,2,3]                      | 400 | PVP-N101
            another resource type                 | POST | /fhir-notify                    | {"resourceType":"Patient","id":"p1"} | 400 | PVP-N102
            a finding without subject             | PUT  | /fhir-notify/Observation/o1     | {"resourceType":"Observation","id":"o1"} | 400 | PVP-N103
            a subject that is no patient          | PUT  | /fhir-notify/Observation/o1     | {"resourceType":"Observation","subject":{"reference":"Group/g1"}} | 400 | PVP-N103
            a patient id that is no FHIR id       | PUT  | /fhir-notify/Observation/o1     | {"resourceType":"Observation","subject":{"reference":"Patient/../../etc"}} | 400 | PVP-N103
            a patient on another server           | PUT  | /fhir-notify/Observation/o1     | {"resourceType":"Observation","subject":{"reference":"http://evil.example/fhir/Patient/p1"}} | 400 | PVP-N104
            a path about another resource type    | PUT  | /fhir-notify/Patient/p1         | {"resourceType":"Patient","id":"p1"} | 400 | PVP-N102
            an id that is not the path's          | PUT  | /fhir-notify/Observation/o2     | {"resourceType":"Observation","id":"o1","subject":{"reference":"Patient/p1"}} | 400 | PVP-N103
            a path id that is no FHIR id          | PUT  | /fhir-notify/Observation/a%20b  | {"resourceType":"Observation","subject":{"reference":"Patient/p1"}} | 400 | PVP-N103
            a Bundle that is no notification      | POST | /fhir-notify                    | {"resourceType":"Bundle","type":"collection","entry":[]} | 400 | PVP-N105
            a notification without type           | POST | /fhir-notify                    | {"resourceType":"Bundle","type":"history","entry":[{"resource":{"resourceType":"Parameters"}}]} | 400 | PVP-N106
            an unknown notification type          | POST | /fhir-notify                    | {"resourceType":"Bundle","type":"history","entry":[{"resource":{"resourceType":"Parameters","parameter":[{"name":"type","valueCode":"<script>"}]}}]} | 400 | PVP-N106
            a focus that is no reference          | POST | /fhir-notify                    | {"resourceType":"Bundle","type":"history","entry":[{"resource":{"resourceType":"Parameters","parameter":[{"name":"type","valueCode":"event-notification"},{"name":"notification-event","part":[{"name":"focus","valueReference":{"reference":"javascript:alert(1)"}}]}]}}]} | 400 | PVP-N103
            duplicate keys                        | POST | /fhir-notify                    | {"resourceType":"Observation","resourceType":"Bundle"} | 400 | PVP-N101
            """)
    void aHostileNotification_isRefusedWithItsCode_neverA500(String what, String method, String path, String body,
                                                              int status, String code) throws Exception {
        HttpResponse<String> answer = WriteBackFixture.notify(service, method, path, body, true);

        assertEquals(status, answer.statusCode(), answer.body());
        JsonNode outcome = JSON.readTree(answer.body());
        assertEquals("OperationOutcome", outcome.path("resourceType").asText());
        assertEquals(code, outcome.at("/issue/0/details/coding/0/code").asText(), answer.body());
    }

    @Test
    void aNotificationWithoutTheToken_isRefused() throws Exception {
        HttpResponse<String> answer = WriteBackFixture.notify(service, "POST", "/fhir-notify", null, false);

        assertEquals(401, answer.statusCode());
        assertEquals("PVP-N110", JSON.readTree(answer.body()).at("/issue/0/details/coding/0/code").asText());
    }

    @Test
    void aNotificationNotAsSent_isRefused_andTheSchemesCaseDoesNotMatter() throws Exception {
        String observation = "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\",\"code\":{\"text\":\"IVC\"},"
                + "\"subject\":{\"reference\":\"Patient/p-nobody\"},\"valueBoolean\":%s}";

        HttpResponse<String> plain = WriteBackFixture.send(service, "PUT", "/fhir-notify/Observation/o1",
                observation.formatted("true"), "text/plain");
        HttpResponse<String> twice = WriteBackFixture.send(service, "PUT", "/fhir-notify/Observation/o1",
                observation.formatted("true, \"valueBoolean\": false"), "application/fhir+json");
        HttpResponse<String> notR4 = WriteBackFixture.send(service, "PUT", "/fhir-notify/Observation/o1",
                observation.formatted("\"true\""), "application/fhir+json");
        HttpResponse<String> lowerCase = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + service.port() + "/fhir-notify")).header("Content-Type", "application/fhir+json")
                .header("Authorization", "bearer " + WriteBackFixture.TOKEN).POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(415, plain.statusCode());
        assertEquals("PVP-N108", JSON.readTree(plain.body()).at("/issue/0/details/coding/0/code").asText());
        assertEquals(400, twice.statusCode());
        JsonNode duplicate = JSON.readTree(twice.body());
        assertEquals("PVP-N101", duplicate.at("/issue/0/details/coding/0/code").asText());
        assertTrue(duplicate.at("/issue/0/details/text").asText().contains("valueBoolean"), twice.body());
        assertEquals(400, notR4.statusCode());
        assertEquals("PVP-E010", JSON.readTree(notR4.body()).at("/issue/0/details/coding/0/code").asText(), notR4.body());
        assertEquals(200, lowerCase.statusCode(), lowerCase.body());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"text/json | 415", "application/jsonl | 415", "application/x-json-stream | 415",
            "application/fhir+json; charset=UTF-8 | 200", "Application/JSON | 200"})
    void aNotificationsContentType_isJsonExactlyWhenTheOtherJsonRoutesTakeItSo(String contentType, int status)
            throws Exception {
        // given an Observation declared as this media type
        String observation = "{\"resourceType\":\"Observation\",\"id\":\"o2\",\"status\":\"final\",\"code\":{\"text\":\"IVC\"},"
                + "\"subject\":{\"reference\":\"Patient/p-nobody\"},\"valueBoolean\":true}";

        // when it is sent as HAPI's rest-hook sends it
        HttpResponse<String> answer = WriteBackFixture.send(service, "PUT", "/fhir-notify/Observation/o2", observation,
                contentType);

        // then it is read, or refused with the write-back's own code, as a CDS Hooks call declared so would be
        assertEquals(status, answer.statusCode(), answer.body());
        if (status == 415) {
            JsonNode outcome = JSON.readTree(answer.body());
            assertEquals("PVP-N108", outcome.at("/issue/0/details/coding/0/code").asText());
            assertEquals("Content-Type", outcome.at("/issue/0/expression/0").asText());
        }
    }

    @Test
    void anXmlPayload_isRefusedWithWhatToSetInstead() throws Exception {
        HttpResponse<String> answer = WriteBackFixture.send(service, "PUT", "/fhir-notify/Observation/o1",
                "<Observation xmlns=\"http://hl7.org/fhir\"/>", "application/fhir+xml");

        assertEquals(415, answer.statusCode());
        JsonNode outcome = JSON.readTree(answer.body());
        assertEquals("PVP-N108", outcome.at("/issue/0/details/coding/0/code").asText());
        assertTrue(outcome.at("/issue/0/details/text").asText().contains("application/fhir+json"));
    }
}
