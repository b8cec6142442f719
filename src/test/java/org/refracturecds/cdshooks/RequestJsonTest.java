package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.http.HttpError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request body is one UTF-8 JSON document, each key once, of a sane depth, and its prefetched
 * resources are FHIR R4 JSON of the types FHIR gives: anything else is a 400 that says where and
 * what to send, never a part of the body read, a value coerced, or a 500.
 */
class RequestJsonTest {

    static final String RISK = "/cds-services/pvp-refracture-risk";

    @TempDir
    static Path dir;
    static RunningService service;

    @BeforeAll
    static void start() throws Exception {
        service = new RunningService(dir, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        service.close();
    }

    @Test
    void garbageAfterTheRequest_is400NamingWhereTheRequestEnds() throws Exception {
        // given the patient-view request, its last value the prefetch, followed by }}}garbage
        String request = compact("patient-view.json");

        // when
        RunningService.Reply reply = service.post(RISK, request + "}}}garbage");

        // then
        int end = request.length();
        assertOutcome(reply, "PVP-H111", "line 1, column " + (end + 1), "unexpected content after the end of the JSON"
                + " request, which ends at line 1, column " + end + ": send one JSON object, the CDS Hooks request");
    }

    @Test
    void twoRequestsInOneBody_are400() throws Exception {
        String request = compact("patient-view.json");

        RunningService.Reply together = service.post(RISK, request + request);
        RunningService.Reply onTwoLines = service.post(RISK, request + "\n" + request);

        String ends = "a second JSON document starts here, after the request, which ends at line 1, column "
                + request.length() + ": send one JSON object, the CDS Hooks request";
        assertOutcome(together, "PVP-H111", "line 1, column " + (request.length() + 1), ends);
        assertOutcome(onTwoLines, "PVP-H111", "line 2, column 1", ends);
    }

    @Test
    void aKeyTwiceInAPrefetchedObservation_is400NamingTheKey() throws Exception {
        // given the IVC Observation with valueBoolean true, then false
        String request = compact("patient-view.json").replaceFirst("\"valueBoolean\":true",
                "\"valueBoolean\":true,\"valueBoolean\":false");

        RunningService.Reply reply = service.post(RISK, request);

        assertOutcome(reply, "PVP-H112", "prefetch.findings.entry[0].resource (Observation/cleft-ivc).valueBoolean",
                "the key \"valueBoolean\" appears twice in one JSON object (again on line 1): send it once, with the"
                        + " value meant");
    }

    @Test
    void aBooleanSentAsAString_is400WithItsFhirPath() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        ((ObjectNode) observation(request, "cleft-ivc")).put("valueBoolean", "true");

        RunningService.Reply reply = service.post(RISK, request);

        assertOutcome(reply, "PVP-E010", "prefetch.findings.entry[0].resource (Observation/cleft-ivc).valueBoolean",
                "is the string \"true\", but FHIR R4 JSON has a boolean as true or false, without quotes: send true");
    }

    @Test
    void aDecimalSentAsAString_is400WithItsFhirPath() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        ((ObjectNode) observation(request, "cleft-rr").path("valueQuantity")).put("value", "12.5");

        RunningService.Reply reply = service.post(RISK, request);

        assertOutcome(reply, "PVP-E010", "prefetch.findings.entry[3].resource (Observation/cleft-rr)"
                + ".valueQuantity.value", "is the string \"12.5\", but FHIR R4 JSON has a decimal as a number, without"
                + " quotes: send 12.5");
    }

    @Test
    void twoValuesInOneObservation_are400() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        ((ObjectNode) observation(request, "cleft-ivc")).putObject("valueQuantity").put("value", 1);

        RunningService.Reply reply = service.post(RISK, request);

        assertOutcome(reply, "PVP-E011", "prefetch.findings.entry[0].resource"
                + " (Observation/cleft-ivc).valueQuantity", "is a second value[x] beside valueBoolean, but Observation"
                + " has one value[x]: send only the one meant");
    }

    @Test
    void anObjectWhereFhirHasAnId_is400() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        ((ObjectNode) observation(request, "cleft-epd")).putObject("id").put("x", 1);

        RunningService.Reply reply = service.post(RISK, request);

        assertOutcome(reply, "PVP-E010", "prefetch.findings.entry[1].resource (Observation).id",
                "is an object, but FHIR R4 JSON has an id as a string: send a string, in quotes");
    }

    @Test
    void jsonNestedAThousandDeep_is400NotA500() throws Exception {
        // given 1,200 levels of arrays in the request, and 600 of nested extensions (1,200 levels) in an Observation
        String arrays = compact("patient-view.json").replaceFirst("^\\{", "{\"x\":" + "[".repeat(1200) + "]".repeat(1200) + ",");
        String extensions = compact("patient-view.json").replaceFirst("\"valueBoolean\":true",
                "\"valueBoolean\":true,\"extension\":[" + nestedExtensions(600) + "]");

        for (String request : new String[] {arrays, extensions}) {
            RunningService.Reply reply = service.post(RISK, request);

            assertEquals(400, reply.status(), reply.raw().body());
            assertEquals("PVP-H113", reply.errorCode());
            assertEquals(reply.body().at("/issue/0/expression/0").asText() + ": the JSON is nested more than 100 levels"
                    + " deep, far deeper than FHIR resources go: send the CDS Hooks request as FHIR R4 JSON",
                    reply.body().at("/issue/0/details/text").asText().replaceFirst("^\\[PVP-H113\\] ", ""));
        }
    }

    @Test
    void aBodyThatIsNotUtf8_is400() throws Exception {
        // given a display text in Latin-1
        String request = compact("patient-view.json").replaceFirst("\"display\":\"[^\"]*\"", "\"display\":\"Wirbelk\u00f6rper\"");
        byte[] latin1 = request.getBytes(StandardCharsets.ISO_8859_1);
        int offset = request.indexOf('\u00f6');

        RunningService.Reply reply = service.send(HttpRequest.newBuilder(URI.create(service.base + RISK))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(latin1)));

        assertOutcome(reply, "PVP-H114", "line 1", "byte 0xF6 (offset " + offset + ") is not UTF-8: JSON is UTF-8;"
                + " send the request encoded as UTF-8");
    }

    @Test
    void aBodyInUtf16_is400() throws Exception {
        byte[] utf16 = compact("patient-view.json").getBytes(StandardCharsets.UTF_16);

        RunningService.Reply reply = service.send(HttpRequest.newBuilder(URI.create(service.base + RISK))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(utf16)));

        assertOutcome(reply, "PVP-H114", "line 1", "byte 0xFE (offset 0) is not UTF-8: JSON is UTF-8; send the"
                + " request encoded as UTF-8");
    }

    @Test
    void aBodyNotDeclaredJson_is415_soAWebPageCannotPostItWithoutAsking() throws Exception {
        String request = compact("patient-view.json");
        java.util.List<String> types = java.util.Arrays.asList("text/plain", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x", null);
        for (String type : types) {
            HttpRequest.Builder post = HttpRequest.newBuilder(URI.create(service.base + RISK))
                    .POST(HttpRequest.BodyPublishers.ofString(request));
            if (type != null) {
                post.header("Content-Type", type);
            }

            RunningService.Reply reply = service.send(post);

            assertEquals(415, reply.status(), type);
            assertEquals("PVP-H415", reply.body().at("/issue/0/details/coding/0/code").asText(), reply.raw().body());
        }
        for (String type : new String[] {"application/json; charset=utf-8", "Application/JSON", "application/cds-hooks+json"}) {
            RunningService.Reply reply = service.send(HttpRequest.newBuilder(URI.create(service.base + RISK))
                    .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString(request)));

            assertEquals(200, reply.status(), type + ": " + reply.raw().body());
        }
    }

    @Test
    void anEmptyOrBlankBody_is400() throws Exception {
        for (String body : new String[] {"", " \n\t"}) {
            RunningService.Reply reply = service.post(RISK, body);

            assertOutcome(reply, "PVP-H101", null, "the body is empty: send the JSON request");
        }
    }

    @Test
    void aUtf8ByteOrderMark_isAccepted() throws Exception {
        RunningService.Reply reply = service.post(RISK, "\ufeff" + compact("patient-view.json"));

        assertEquals(200, reply.status(), reply.raw().body());
        assertEquals(1, reply.body().path("cards").size());
    }

    static String compact(String example) throws Exception {
        return RunningService.JSON.writeValueAsString(RunningService.example(example));
    }

    static JsonNode observation(ObjectNode request, String id) {
        for (JsonNode entry : request.at("/prefetch/findings/entry")) {
            if (entry.path("resource").path("id").asText().equals(id)) {
                return entry.path("resource");
            }
        }
        throw new AssertionError("no Observation/" + id + " in the example");
    }

    static String nestedExtensions(int levels) {
        String extension = "{\"url\":\"http://example.org/nest\",\"valueString\":\"deep\"}";
        for (int i = 0; i < levels; i++) {
            extension = "{\"url\":\"http://example.org/nest\",\"extension\":[" + extension + "]}";
        }
        return extension;
    }

    /** The whole reply: 400 and one OperationOutcome issue with the code, the path and the text. */
    static void assertOutcome(RunningService.Reply reply, String code, String where, String message) throws Exception {
        ObjectNode issue = RunningService.JSON.createObjectNode().put("severity", "error").put("code", "invalid");
        ObjectNode details = issue.putObject("details");
        details.putArray("coding").addObject().put("system", HttpError.MESSAGES).put("code", code);
        details.put("text", "[" + code + "] " + (where == null ? "" : where + ": ") + message);
        if (where != null) {
            issue.putArray("expression").add(where);
        }
        ObjectNode outcome = RunningService.JSON.createObjectNode().put("resourceType", "OperationOutcome");
        outcome.putArray("issue").add(issue);
        assertEquals(400, reply.status(), reply.raw().body());
        assertEquals(outcome.toString(), reply.raw().body());
    }
}
