package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Every error the process sends is one OperationOutcome with a code, Jetty's own included (a
 * malformed path, a method not served, headers too large): never Jetty's HTML page. Sent over a
 * raw socket, as a broken client would send them.
 */
class HttpErrorsTest {

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

    /** A reply read off the socket: status line, headers and body as sent. */
    record Raw(int status, String head, String body) {

        JsonNode json() throws IOException {
            return RunningService.JSON.readTree(body);
        }

        String header(String name) {
            return head.lines().filter(line -> line.regionMatches(true, 0, name + ":", 0, name.length() + 1))
                    .map(line -> line.substring(name.length() + 1).strip()).findFirst().orElse(null);
        }
    }

    /** Sends {@code request} as bytes and reads the whole reply (the request asks the server to close). */
    static Raw raw(String request) throws IOException {
        return raw(service.server.port(), request);
    }

    /** As {@link #raw(String)}, to the service on {@code port}. */
    static Raw raw(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                reply.write(buffer, 0, n);
            }
            String text = reply.toString(StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            return new Raw(Integer.parseInt(text.substring(9, 12)), text.substring(0, split), text.substring(split + 4));
        }
    }

    static void assertOutcome(Raw reply, int status, String code) throws IOException {
        assertEquals(status, reply.status(), reply.head() + "\n" + reply.body());
        assertTrue(reply.header("Content-Type").startsWith("application/json"), reply.head());
        JsonNode outcome = reply.json();
        assertEquals("OperationOutcome", outcome.path("resourceType").asText());
        assertEquals(code, outcome.at("/issue/0/details/coding/0/code").asText(), outcome.toString());
        String text = outcome.at("/issue/0/details/text").asText();
        assertTrue(text.startsWith("[" + code + "] "), text);
        assertFalse(text.matches(".*\\b(java|org|jakarta)\\.[a-z]+\\..*|.*[A-Z][a-z]+(Exception|Error)\\b.*"),
                "no Java class in the message: " + text);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "a NUL in the path                 | GET /cds-services/%00 HTTP/1.1         | 400 | PVP-H400",
        "a request line that is not HTTP   | GARBAGE                                | 400 | PVP-H400",
        "a Content-Length that is no number| POST /cds-services/x HTTP/1.1\\r\\nContent-Length: abc | 400 | PVP-H400",
        "PUT on discovery                  | PUT /cds-services HTTP/1.1\\r\\nContent-Length: 0   | 405 | PVP-H405",
        "DELETE on a service               | DELETE /cds-services/pvp-refracture-risk HTTP/1.1      | 405 | PVP-H405",
        "a path that is not there          | GET /nothing HTTP/1.1                  | 404 | PVP-H404",
    })
    void brokenRequest_isAnOperationOutcomeWithACode(String what, String request, int status, String code) throws Exception {
        Raw reply = raw(request.strip().replace("\\r\\n", "\r\n") + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

        assertOutcome(reply, status, code);
    }

    @Test
    void methodNotServed_saysWhichAre() throws Exception {
        Raw reply = raw("PUT /cds-services HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

        assertOutcome(reply, 405, "PVP-H405");
        assertEquals("GET, HEAD", reply.header("Allow"));
        assertEquals("[PVP-H405] method: PUT is not served at /cds-services: use GET or HEAD",
                reply.json().at("/issue/0/details/text").asText());
    }

    @Test
    void headersTooLarge_is431() throws Exception {
        Raw reply = raw("GET /cds-services HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + "a".repeat(20_000)
                + "\r\nConnection: close\r\n\r\n");

        assertOutcome(reply, 431, "PVP-H431");
    }
}
