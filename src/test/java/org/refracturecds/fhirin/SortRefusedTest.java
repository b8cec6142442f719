package org.refracturecds.fhirin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/** A server that refuses {@code _sort} (400) is asked again without it: a sweep still finds the patients. */
class SortRefusedTest {

    @Test
    void aServerThatRefusesTheSort_isAskedAgainWithoutIt() throws Exception {
        List<String> asked = Collections.synchronizedList(new ArrayList<>());
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/fhir/Observation", exchange -> {
            String query = exchange.getRequestURI().getRawQuery();
            asked.add(query);
            if (query.contains("_sort=")) {
                answer(exchange, 400, "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
                        + "\"code\":\"not-supported\",\"diagnostics\":\"_sort is not supported\"}]}");
            } else {
                answer(exchange, 200, "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{\"resource\":"
                        + "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"subject\":{\"reference\":\"Patient/p1\"}}}]}");
            }
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/fhir";
            PopulationReader reader = new PopulationReader(PopulationReader.client(base, List.of(), 30_000), "none", PvpProcedures.STANDARD);

            List<String> patients = reader.patientsWithFindings("2026-12-01T10:00:00Z", true);

            assertEquals(List.of("p1"), patients);
            assertEquals(2, asked.size(), asked.toString());
            assertTrue(asked.get(0).contains("_sort=-_lastUpdated") && !asked.get(1).contains("_sort"), asked.toString());
        } finally {
            server.stop(0);
        }
    }

    private static void answer(HttpExchange exchange, int status, String body) throws java.io.IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/fhir+json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
