package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;

/**
 * Fetching from the EHR's FHIR server as real servers behave: one that pages by 2 unless asked
 * for more, one that trickles its answer a byte at a time, one whose answer is not FHIR.
 */
class FhirFetchTest {

    static final int BUDGET_MILLIS = 1000;

    @TempDir
    static Path dir;
    static EhrServer ehr;
    static HttpServer odd;
    static ExecutorService oddThreads;
    static String trickle;
    static String notFhir;
    static String invalidFhir;
    static final AtomicInteger trickling = new AtomicInteger();
    static RunningService service;

    @BeforeAll
    static void start() throws Exception {
        ehr = new EhrServer(2, 100);
        ehr.warm();
        odd = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        oddThreads = Executors.newCachedThreadPool();
        odd.setExecutor(oddThreads);
        odd.createContext("/trickle", exchange -> {
            // a searchset, one byte every 100 ms: a minute for the whole answer
            trickling.incrementAndGet();
            try (exchange) {
                exchange.getResponseHeaders().add("Content-Type", "application/fhir+json");
                exchange.sendResponseHeaders(200, 0);
                OutputStream out = exchange.getResponseBody();
                for (byte b : ("{\"resourceType\":\"Bundle\",\"type\":\"searchset\"" + " ".repeat(600) + "}")
                        .getBytes(StandardCharsets.US_ASCII)) {
                    out.write(b);
                    out.flush();
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException closedByTheClient) {
                // the service gave up on it and closed the connection
            } finally {
                trickling.decrementAndGet();
            }
        });
        odd.createContext("/not-fhir", exchange -> {
            byte[] body = "{\"resourceType\":\"Bundle\", oops".getBytes(StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().add("Content-Type", "application/fhir+json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        odd.createContext("/invalid-fhir", exchange -> {
            // FHIR that HAPI's parser would read without a word: the string "true" as the boolean true
            byte[] body = ("{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{\"resource\":"
                    + "{\"resourceType\":\"Observation\",\"id\":\"ivc-1\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
                    + "\"subject\":{\"reference\":\"Patient/p1\"},\"valueBoolean\":\"true\"}}]}")
                    .getBytes(StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().add("Content-Type", "application/fhir+json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        odd.start();
        String oddBase = "http://127.0.0.1:" + odd.getAddress().getPort();
        trickle = oddBase + "/trickle";
        notFhir = oddBase + "/not-fhir";
        invalidFhir = oddBase + "/invalid-fhir";
        service = new RunningService(dir, Map.of("fhirServers", List.of(ehr.base, trickle, notFhir, invalidFhir),
                "fetchTimeoutMillis", BUDGET_MILLIS));
    }

    @AfterAll
    static void stop() throws Exception {
        service.close();
        odd.stop(0);
        oddThreads.shutdownNow();
        ehr.close();
    }

    @BeforeEach
    void forget() {
        ehr.received.clear();
    }

    static ObjectNode withoutPrefetch(String fhirServer) throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        request.remove("prefetch");
        request.put("fhirServer", fhirServer);
        request.putObject("fhirAuthorization").put("access_token", "token").put("token_type", "Bearer");
        return request;
    }

    static RunningService.Reply call(String fhirServer) {
        try {
            return service.post("/cds-services/pvp-refracture-risk", withoutPrefetch(fhirServer));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void searches_askForPagesOf100_andForAnAnswerNotFromACache() throws Exception {
        // given a server that pages by 2 unless asked, and the patient's 5 Observations

        RunningService.Reply reply = call(ehr.base);

        assertEquals("After PVP: refracture risk T11 57% (High)",
                CdsServiceTest.only(reply.body().path("cards")).path("summary").asText());
        List<EhrServer.Received> observations = ehr.received.stream()
                .filter(r -> r.uri().startsWith("/fhir/Observation") || r.uri().contains("_getpages")).toList();
        assertEquals(1, observations.size(), "one round trip for the Observations: " + ehr.received);
        assertTrue(observations.get(0).uri().contains("_count=100"), observations.get(0).uri());
        assertFalse(ehr.received.isEmpty());
        for (EhrServer.Received received : ehr.received) {
            assertEquals("no-cache", received.cacheControl(), received.uri());
        }
    }

    @Test
    void thePatientNotSent_isFetched_soTheAgeIsKnown() throws Exception {
        // given a call without prefetch (the patient prefetch, a read, among what is not sent)

        RunningService.Reply reply = call(ehr.base);

        // then the Patient is fetched (Patient?_id=cleft, as the others are searched), and the age is used
        assertTrue(ehr.received.stream().anyMatch(r -> r.uri().startsWith("/fhir/Patient?_id=cleft")), ehr.received.toString());
        String filed = CdsServiceTest.only(reply.body().path("cards")).at("/suggestions/0/actions/0/resource").toString();
        assertFalse(filed.contains("PVP-A107"), "the age is known");
    }

    @Test
    void tricklingServer_doesNotStarveTheFetchesOfAHealthyOne() throws Exception {
        // given 12 calls whose 36 fetches go to a server that trickles its answers
        List<CompletableFuture<Long>> slow = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            slow.add(CompletableFuture.supplyAsync(() -> {
                long start = System.nanoTime();
                RunningService.Reply reply = call(trickle);
                assertTrue(reply.body().toString().contains("did not answer in time"), reply.body().toString());
                return (System.nanoTime() - start) / 1_000_000;
            }));
        }
        long waited = System.nanoTime();
        while (trickling.get() < 8 && System.nanoTime() - waited < 2_000_000_000L) {
            Thread.sleep(20);
        }

        // when a call's fetches go to a healthy server meanwhile
        RunningService.Reply healthy = call(ehr.base);

        // then it gets its card
        assertEquals("After PVP: refracture risk T11 57% (High)",
                CdsServiceTest.only(healthy.body().path("cards")).path("summary").asText(), healthy.body().toString());
        // and each trickling call was answered on its budget, its connections closed
        for (CompletableFuture<Long> call : slow) {
            long millis = call.get();
            assertTrue(millis < BUDGET_MILLIS + 1500, "answered on the budget: " + millis + " ms");
        }
        long closing = System.nanoTime();
        while (trickling.get() > 0 && System.nanoTime() - closing < 3_000_000_000L) {
            Thread.sleep(20);
        }
        assertEquals(0, trickling.get(), "every trickling answer was abandoned: its connection closed, its thread freed");
    }

    @Test
    void answerThatIsNotFhir_is412SayingSo() throws Exception {
        RunningService.Reply reply = call(notFhir);

        assertEquals(412, reply.status(), reply.body().toString());
        String text = reply.body().at("/issue/0/details/text").asText();
        assertTrue(text.contains("the FHIR server's answer is not FHIR R4 JSON or XML that can be read"), text);
        assertFalse(text.matches(".*[A-Z][a-z]+(Exception|Error)\\b.*"), "no Java class named: " + text);
        JsonNode outcome = reply.body();
        assertEquals("PVP-H303", outcome.at("/issue/0/details/coding/0/code").asText());
    }

    @Test
    void answerThatHapiWouldReadButIsNotValidFhir_is412NamingWhere_notReadLeniently() throws Exception {
        RunningService.Reply reply = call(invalidFhir);

        assertEquals(412, reply.status(), reply.body().toString());
        assertEquals("PVP-H303", reply.body().at("/issue/0/details/coding/0/code").asText());
        String text = reply.body().at("/issue/0/details/text").asText();
        assertTrue(text.contains("the FHIR server answered data that is not valid FHIR R4, so none of it is used"), text);
        assertTrue(text.contains("Observation/ivc-1") && text.contains("valueBoolean"), "says where: " + text);
    }
}
