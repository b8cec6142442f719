package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.server.Server;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;

/**
 * Stopping drains: readiness turns 503, new connections are refused, and a request in flight when
 * the stop begins (held by a FHIR server that answers only when the test lets it) still gets its
 * 200; one that outlives drainSeconds is cut when they end. Once in this JVM and once as
 * {@code serve} in a JVM of its own, stopped by SIGTERM, with its log in JSON lines.
 */
class GracefulStopTest {

    @TempDir
    Path dir;
    /** A FHIR server that holds each search until {@link #release} is counted down. */
    HttpServer fhir;
    String fhirBase;
    final CountDownLatch arrived = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeEach
    void slowFhirServer() throws Exception {
        byte[] findings = RunningService.JSON.writeValueAsBytes(RunningService.example("patient-view.json")
                .at("/prefetch/findings"));
        fhir = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        fhir.createContext("/fhir", exchange -> {
            arrived.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.getResponseHeaders().add("Content-Type", "application/fhir+json");
            exchange.sendResponseHeaders(200, findings.length);
            exchange.getResponseBody().write(findings);
            exchange.close();
        });
        fhir.start();
        fhirBase = "http://127.0.0.1:" + fhir.getAddress().getPort() + "/fhir";
    }

    @AfterEach
    void stopFhirServer() {
        release.countDown();
        fhir.stop(0);
    }

    /** The patient-view call with its findings left to fetch from the slow FHIR server. */
    ObjectNode findingsToFetch() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        ((ObjectNode) request.get("prefetch")).remove("findings");
        request.put("fhirServer", fhirBase);
        return request;
    }

    CompletableFuture<HttpResponse<String>> call(String base, ObjectNode request) throws Exception {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/cds-services/pvp-refracture-risk"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(RunningService.JSON.writeValueAsString(request))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Waits (up to 10 s) until nothing accepts connections on {@code port}. */
    static void awaitRefused(int port) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            } catch (ConnectException refused) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("port " + port + " still accepts connections 10 s after the stop began");
    }

    @Test
    void requestInFlightWhenTheStopBegins_getsIts200_whileNewConnectionsAreRefused() throws Exception {
        RunningService service = new RunningService(dir, Map.of("fhirServers", List.of(fhirBase),
                "fetchTimeoutMillis", 10_000, "drainSeconds", 20));
        int port = service.server.port();
        CompletableFuture<HttpResponse<String>> inFlight = call(service.base, findingsToFetch());
        assertTrue(arrived.await(30, TimeUnit.SECONDS), "the call reached the FHIR server");

        CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> {
            try {
                service.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        awaitRefused(port);
        boolean readyWhileDraining = service.server.readiness().check().ready();
        boolean stoppedBeforeTheAnswer = stopped.isDone();
        release.countDown();
        HttpResponse<String> reply = inFlight.get(30, TimeUnit.SECONDS);
        stopped.get(30, TimeUnit.SECONDS);

        assertFalse(readyWhileDraining, "readiness is 503 while draining");
        assertFalse(stoppedBeforeTheAnswer, "the stop waits for the request in flight");
        assertEquals(200, reply.statusCode(), reply.body());
        JsonNode card = CdsServiceTest.only(RunningService.JSON.readTree(reply.body()).path("cards"));
        assertEquals("After PVP: refracture risk T11 57% (High)", card.path("summary").asText());
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
    }

    @Test
    void requestOutlivingDrainSeconds_isCutWhenTheyEnd() throws Exception {
        RunningService service = new RunningService(dir, Map.of("fhirServers", List.of(fhirBase),
                "fetchTimeoutMillis", 10_000, "drainSeconds", 1));
        CompletableFuture<HttpResponse<String>> inFlight = call(service.base, findingsToFetch());
        assertTrue(arrived.await(30, TimeUnit.SECONDS), "the call reached the FHIR server");

        long start = System.nanoTime();
        Logger serverLog = (Logger) LoggerFactory.getLogger(Server.class);
        serverLog.setLevel(Level.ERROR); // its warning that the request was cut is expected here
        try {
            service.close();
        } finally {
            serverLog.setLevel(null);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertTrue(millis >= 900 && millis < 5000, "stopped after drainSeconds (1 s): " + millis + " ms");
        assertThrows(Exception.class, () -> inFlight.get(10, TimeUnit.SECONDS), "the request was cut");
    }

    @Test
    void aBodyRefused413_beforeTheClientSentIt_doesNotHoldTheStop() throws Exception {
        // given a client that announces 3,000 bytes, more than maxBodyBytes (1,024), and waits for "100 Continue" (as curl does)
        RunningService service = new RunningService(dir, Map.of("maxBodyBytes", 1024, "drainSeconds", 20,
                "requestTimeoutMillis", 30_000));
        try (Socket client = new Socket("127.0.0.1", service.server.port())) {
            client.getOutputStream().write(("POST /cds-services/pvp-refracture-preop HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 3000\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            String status = new String(client.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);

            // when the service stops, the connection still open and the body never sent
            long start = System.nanoTime();
            service.close();
            long millis = (System.nanoTime() - start) / 1_000_000;

            // then the refused request was over at once: the stop does not wait out drainSeconds (20 s)
            assertEquals("HTTP/1.1 413", status);
            assertTrue(millis < 10_000, "stopped in " + millis + " ms");
        }
    }

    /** The JVM's own warnings on standard error, which are not the service's log. */
    private static final Pattern JVM_WARNING =
            Pattern.compile("^(OpenJDK|Java HotSpot\\(TM\\)) .*VM warning: |^\\[\\d+\\.\\d+s\\]\\[(warning|error)\\]");

    /**
     * {@code serve} as in production, with JSON log lines: SIGTERM while a call waits on the FHIR
     * server; the call gets its 200, the process ends once stopped, and each line it logged is one
     * JSON object.
     */
    @Test
    void serve_onSigterm_drains_andLogsJsonLines() throws Exception {
        Path settings = Files.writeString(dir.resolve("settings.yaml"), "port: 0\ndatabase: \"jdbc:h2:"
                + dir.toAbsolutePath().resolve("pvp") + "\"\nfhirServers: [\"" + fhirBase + "\"]\nfetchTimeoutMillis: 10000\n");
        // The main classes only: the service's own logback.xml, not the tests' quiet one.
        String classPath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.endsWith("test-classes")).collect(Collectors.joining(File.pathSeparator));
        Path stderr = dir.resolve("stderr.txt");
        Process serve = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", classPath, "org.refracturecds.cli.Main",
                "serve", "--config", settings.toString(), "--log-format", "json")
                .redirectError(stderr.toFile()).start();
        try {
            String base = ColdStartTest.listening(serve);
            CompletableFuture<HttpResponse<String>> inFlight = call(base, findingsToFetch());
            assertTrue(arrived.await(30, TimeUnit.SECONDS), "the call reached the FHIR server");

            serve.destroy(); // SIGTERM
            awaitRefused(URI.create(base).getPort());
            release.countDown();
            HttpResponse<String> reply = inFlight.get(30, TimeUnit.SECONDS);

            assertEquals(200, reply.statusCode(), reply.body());
            assertTrue(serve.waitFor(30, TimeUnit.SECONDS), "serve ended");
            assertEquals(143, serve.exitValue(), "ended by SIGTERM (128 + 15), once its shutdown hook had run");
        } finally {
            serve.destroyForcibly();
        }
        // The JVM's own warnings ("OpenJDK 64-Bit Server VM warning: ...", "[0.512s][warning][os,thread] ...") are
        // not the service's log: one came once under load. Every line the service logged must be JSON.
        List<String> lines = Files.readAllLines(stderr, StandardCharsets.UTF_8).stream()
                .filter(line -> !JVM_WARNING.matcher(line).find()).toList();
        for (String line : lines) {
            JsonNode parsed = RunningService.JSON.readTree(line);
            assertTrue(parsed.isObject() && parsed.has("level") && parsed.has("formattedMessage"), line);
        }
        List<String> messages = lines.stream().map(line -> {
            try {
                return RunningService.JSON.readTree(line).path("formattedMessage").asText();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("warmed up in ")), String.join("\n", lines));
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("stopping: readiness 503")), String.join("\n", lines));
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("stopped in ")), String.join("\n", lines));
    }
}
