package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Clients that send slowly, or too much, cannot stall the others: a request's body is read whole,
 * without a thread, before it takes a worker thread and a turn; past its deadline it is 408, past
 * the size limit 413, each an OperationOutcome.
 */
class SlowClientsTest {

    static final String PREOP = "/cds-services/pvp-refracture-preop";
    static final int TURNS = 2;
    static final int REQUEST_TIMEOUT_MILLIS = 3000;

    @TempDir
    static Path dir;
    static RunningService service;
    static byte[] orderSign;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void start() throws Exception {
        service = new RunningService(dir, Map.of("concurrentRequests", TURNS, "workerThreads", 16,
                "requestTimeoutMillis", REQUEST_TIMEOUT_MILLIS, "maxBodyBytes", 65536));
        orderSign = RunningService.JSON.writeValueAsBytes(RunningService.example("order-sign.json"));
        assertEquals(200, service.post(PREOP, RunningService.example("order-sign.json")).status(), "warm");
    }

    @AfterAll
    static void stop() throws Exception {
        service.close();
    }

    /** A connection that has sent a hook call's headers and the first byte of its body. */
    static Socket slowUpload(byte[] body) throws IOException {
        Socket socket = new Socket("127.0.0.1", service.server.port());
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + PREOP + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body[0]);
        out.flush();
        return socket;
    }

    /** The status line and body the server sent on {@code socket}, up to when it closes. */
    static String replyOn(Socket socket) throws IOException {
        socket.setSoTimeout(REQUEST_TIMEOUT_MILLIS + 5000);
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            reply.write(buffer, 0, n);
        }
        return reply.toString(StandardCharsets.UTF_8);
    }

    static JsonNode outcome(String reply) throws IOException {
        return RunningService.JSON.readTree(reply.substring(reply.indexOf("\r\n\r\n") + 4));
    }

    @Test
    void slowUploads_moreThanTurnsAndThreads_doNotStallANormalCall() throws Exception {
        // given 20 connections (2 turns, 16 worker threads) sending an order-sign body a byte every 500 ms
        List<Socket> slow = new ArrayList<>();
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try {
            for (int i = 0; i < 20; i++) {
                slow.add(slowUpload(orderSign));
            }
            trickle.scheduleAtFixedRate(() -> slow.forEach(socket -> {
                try {
                    socket.getOutputStream().write(' ');
                } catch (IOException closed) {
                    // the server closed it; nothing to trickle
                }
            }), 500, 500, TimeUnit.MILLISECONDS);
            Thread.sleep(300);

            // when a normal call comes
            long start = System.nanoTime();
            HttpResponse<String> reply = http.send(HttpRequest.newBuilder(URI.create(service.base + PREOP))
                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(orderSign)).build(), HttpResponse.BodyHandlers.ofString());
            long millis = (System.nanoTime() - start) / 1_000_000;

            // then it is answered at once
            assertEquals(200, reply.statusCode(), reply.body());
            assertTrue(millis < 2000, "answered while 20 slow uploads were open: " + millis + " ms");
        } finally {
            trickle.shutdownNow();
            for (Socket socket : slow) {
                socket.close();
            }
        }
    }

    @Test
    void bodyNotArrivedWithinTheRequestTimeout_is408() throws Exception {
        try (Socket socket = slowUpload(orderSign)) {
            long start = System.nanoTime();
            String reply = replyOn(socket);
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertTrue(reply.startsWith("HTTP/1.1 408 "), reply);
            JsonNode outcome = outcome(reply);
            assertEquals("PVP-H408", outcome.at("/issue/0/details/coding/0/code").asText());
            assertEquals("[PVP-H408] the request did not arrive within " + REQUEST_TIMEOUT_MILLIS + " ms (setting"
                    + " requestTimeoutMillis): send it whole, at once", outcome.at("/issue/0/details/text").asText());
            assertTrue(millis > REQUEST_TIMEOUT_MILLIS - 500 && millis < REQUEST_TIMEOUT_MILLIS + 2000, millis + " ms");
        }
    }

    @Test
    void headersSentSlowly_countInTheRequestTimeout() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", service.server.port())) {
            // given a request line, then a header line every 500 ms past the request timeout
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + PREOP + " HTTP/1.1\r\nHost: 127.0.0.1\r\n").getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < REQUEST_TIMEOUT_MILLIS / 500 + 1; i++) {
                Thread.sleep(500);
                out.write("X-Slow: 1\r\n".getBytes(StandardCharsets.US_ASCII));
            }

            // when the rest comes at once
            out.write(("Content-Type: application/json\r\nContent-Length: " + orderSign.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(orderSign);
            String reply = replyOn(socket);

            // then it is too late
            assertTrue(reply.startsWith("HTTP/1.1 408 "), reply);
            assertEquals("timeout", outcome(reply).at("/issue/0/code").asText());
        }
    }

    @Test
    void declaredBodyOverTheLimit_is413BeforeItIsSent() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", service.server.port())) {
            socket.getOutputStream().write(("POST " + PREOP + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type:"
                    + " application/json\r\nContent-Length: 10000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));

            String reply = replyOn(socket);

            assertTrue(reply.startsWith("HTTP/1.1 413 "), reply);
            assertEquals("[PVP-H413] the body is larger than 65536 bytes (setting maxBodyBytes)",
                    outcome(reply).at("/issue/0/details/text").asText());
        }
    }

    @Test
    void chunkedBodyOverTheLimit_is413() throws Exception {
        // given a body of unknown length (sent chunked) over the limit
        byte[] huge = ("{\"pad\":\"" + "x".repeat(100_000) + "\"}").getBytes(StandardCharsets.US_ASCII);

        HttpResponse<String> reply = http.send(HttpRequest.newBuilder(URI.create(service.base + PREOP))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(huge))).build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(413, reply.statusCode());
        assertEquals("PVP-H413", RunningService.JSON.readTree(reply.body()).at("/issue/0/details/coding/0/code").asText());
    }
}
