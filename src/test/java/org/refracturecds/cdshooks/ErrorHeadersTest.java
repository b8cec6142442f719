package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every answer carries a request id (X-Request-Id: the caller's when it is a sane token, otherwise
 * a new one), and every error the CORS headers a 404 carries, those answered before the service
 * sees the request included (408 for a body too slow, 413 for one too large): without them a
 * browser client cannot read why it was refused. Over a raw socket, as a browser's request.
 */
class ErrorHeadersTest {

    static final String ORIGIN = "https://ehr.example.org";
    static final String PREOP = "/cds-services/pvp-refracture-preop";
    static final List<String> CORS = List.of("Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Vary");

    @TempDir
    static Path dir;
    static RunningService service;

    @BeforeAll
    static void start() throws Exception {
        service = new RunningService(dir, Map.of("corsOrigins", List.of(ORIGIN), "requestTimeoutMillis", 1000,
                "maxBodyBytes", 65536));
    }

    @AfterAll
    static void stop() throws Exception {
        service.close();
    }

    /** Sends {@code head} (then {@code body}, unless null) and reads the reply until the server closes. */
    static HttpErrorsTest.Raw send(String head, String body) throws IOException {
        return HttpErrorsTest.raw(service.server.port(), head + "\r\n" + (body == null ? "" : body));
    }

    /** The CORS headers of a reply. */
    static Map<String, String> cors(HttpErrorsTest.Raw reply) {
        return CORS.stream().filter(name -> reply.header(name) != null)
                .collect(Collectors.toMap(name -> name, reply::header));
    }

    static String request(String method, String path, String origin, String... headers) {
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        if (origin != null) {
            head.append("Origin: ").append(origin).append("\r\n");
        }
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        return head.toString();
    }

    static HttpErrorsTest.Raw notFound(String origin) throws IOException {
        HttpErrorsTest.Raw reply = send(request("GET", "/nothing", origin), null);
        assertEquals(404, reply.status(), reply.head());
        return reply;
    }

    static HttpErrorsTest.Raw tooSlow(String origin) throws IOException {
        // a body announced, one byte of it sent: the rest never comes within requestTimeoutMillis
        return send(request("POST", PREOP, origin, "Content-Type: application/json", "Content-Length: 100"), "{");
    }

    static HttpErrorsTest.Raw tooLarge(String origin) throws IOException {
        return send(request("POST", PREOP, origin, "Content-Type: application/json", "Content-Length: 10000000"), null);
    }

    @Test
    void bodyTooSlow408_carriesTheCorsHeadersOfA404() throws Exception {
        HttpErrorsTest.Raw reply = tooSlow(ORIGIN);

        assertEquals(408, reply.status(), reply.head());
        assertEquals(ORIGIN, reply.header("Access-Control-Allow-Origin"));
        assertEquals(cors(notFound(ORIGIN)), cors(reply));
    }

    @Test
    void bodyTooLarge413_carriesTheCorsHeadersOfA404() throws Exception {
        HttpErrorsTest.Raw reply = tooLarge(ORIGIN);

        assertEquals(413, reply.status(), reply.head());
        assertEquals(ORIGIN, reply.header("Access-Control-Allow-Origin"));
        assertEquals(cors(notFound(ORIGIN)), cors(reply));
    }

    @Test
    void fromAnOriginNotAllowed_noErrorCarriesCorsHeaders() throws Exception {
        String other = "https://elsewhere.example.org";

        assertNull(notFound(other).header("Access-Control-Allow-Origin"));
        assertNull(tooLarge(other).header("Access-Control-Allow-Origin"));
        assertNull(tooSlow(other).header("Access-Control-Allow-Origin"));
    }

    /** Every Access-Control header of a reply. */
    static Map<String, String> accessControl(HttpErrorsTest.Raw reply) {
        return reply.head().lines().filter(line -> line.regionMatches(true, 0, "Access-Control-", 0, 15)
                        || line.regionMatches(true, 0, "Vary:", 0, 5))
                .collect(Collectors.toMap(line -> line.substring(0, line.indexOf(':')).toLowerCase(java.util.Locale.ROOT),
                        line -> line.substring(line.indexOf(':') + 1).trim(), (a, b) -> a + ", " + b));
    }

    @Test
    void aPreflightOfTheFhirOperation_isAnsweredAsOneOfTheCdsHooksRoutes() throws Exception {
        String[] asks = {"Access-Control-Request-Method: POST", "Access-Control-Request-Headers: authorization,content-type"};

        HttpErrorsTest.Raw fhir = send(request("OPTIONS", "/fhir/Patient/p1/$pvp-refracture-risk", ORIGIN, asks), null);
        HttpErrorsTest.Raw hooks = send(request("OPTIONS", PREOP, ORIGIN, asks), null);

        assertEquals(hooks.status(), fhir.status(), fhir.head());
        assertEquals(ORIGIN, fhir.header("Access-Control-Allow-Origin"), fhir.head());
        assertEquals("authorization,content-type", fhir.header("Access-Control-Allow-Headers"), fhir.head());
        assertEquals("POST", fhir.header("Access-Control-Allow-Methods"), fhir.head());
        assertEquals(accessControl(hooks), accessControl(fhir));
    }

    @Test
    void anErrorOfTheFhirFace_carriesTheCorsHeadersOfA404() throws Exception {
        HttpErrorsTest.Raw reply = send(request("GET", "/fhir/Basic/nothing", ORIGIN), null);

        assertEquals(404, reply.status(), reply.head());
        assertTrue(reply.body().contains("OperationOutcome"), reply.body());
        assertEquals(ORIGIN, reply.header("Access-Control-Allow-Origin"), reply.head());
        assertEquals(cors(notFound(ORIGIN)), cors(reply));
        assertNull(send(request("GET", "/fhir/Basic/nothing", "https://elsewhere.example.org"), null)
                .header("Access-Control-Allow-Origin"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "req-2026.01_15", "0123456789012345678901234567890123456789012345678901234567890123"})
    void saneRequestId_isEchoed_onAnswersAndErrors(String id) throws Exception {
        assertEquals(id, send(request("GET", "/cds-services", null, "X-Request-Id: " + id), null).header("X-Request-Id"));
        assertEquals(id, send(request("GET", "/nothing", null, "X-Request-Id: " + id), null).header("X-Request-Id"));
        assertEquals(id, send(request("POST", PREOP, null, "X-Request-Id: " + id, "Content-Length: 10000000"), null)
                .header("X-Request-Id"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "<script>", "id;drop", "01234567890123456789012345678901234567890123456789012345678901234"})
    void requestIdThatIsNotASaneToken_isReplacedByANewOne(String sent) throws Exception {
        String id = send(request("GET", "/cds-services", null, "X-Request-Id: " + sent), null).header("X-Request-Id");

        assertNotEquals(sent, id);
        assertTrue(id.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), id);
    }

    @Test
    void withoutARequestId_everyAnswerGetsANewOne() throws Exception {
        String first = send(request("GET", "/cds-services", null), null).header("X-Request-Id");
        String second = send(request("GET", "/cds-services", null), null).header("X-Request-Id");

        assertNotNull(first);
        assertNotEquals(first, second);
        assertNotNull(tooSlow(null).header("X-Request-Id"), "a 408");
        assertNotNull(send("GARBAGE\r\n", null).header("X-Request-Id"), "a request line Jetty refuses");
    }
}
