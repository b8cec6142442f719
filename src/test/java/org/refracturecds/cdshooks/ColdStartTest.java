package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The first calls after start-up, in a JVM of their own as in production (`serve`, the bundled
 * budget of 400 ms): the service warms its FHIR client, parser and rules before it listens, so the
 * first call that must fetch gets its card, and a FHIR server that is down is named unreachable,
 * not slow.
 */
class ColdStartTest {

    private static final Pattern LISTENING = Pattern.compile("on http://127\\.0\\.0\\.1:(\\d+)/cds-services");

    @TempDir
    static Path dir;
    static EhrServer ehr;
    static String down;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        ehr = new EhrServer(0, 0);
        ehr.warm();
        try (ServerSocket free = new ServerSocket(0)) {
            down = "http://127.0.0.1:" + free.getLocalPort() + "/fhir";
        }
    }

    @AfterAll
    static void stop() throws Exception {
        ehr.close();
    }

    /** `serve` in a new JVM with the bundled settings, both FHIR servers allowlisted; returns its base URL. */
    static Process serve(Path home) throws Exception {
        Path settings = Files.writeString(home.resolve("settings.yaml"), "port: 0\nfeedbackJdbcUrl: \"jdbc:h2:"
                + home.toAbsolutePath().resolve("feedback") + "\"\nfhirServers: [\"" + ehr.base + "\", \"" + down + "\"]\n");
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), "org.refracturecds.cli.Main", "serve", "--config",
                settings.toString()).redirectError(home.resolve("stderr.txt").toFile()).start();
    }

    /** Waits for the line `serve` prints once it listens, and returns the service's base URL. */
    static String listening(Process process) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                for (String next; (next = out.readLine()) != null; ) {
                    Matcher matcher = LISTENING.matcher(next);
                    if (matcher.find()) {
                        return "http://127.0.0.1:" + matcher.group(1);
                    }
                }
                throw new IllegalStateException("serve ended without listening");
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        });
        return line.get(90, TimeUnit.SECONDS);
    }

    ObjectNode withoutPrefetch(String fhirServer) throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        request.remove("prefetch");
        request.put("fhirServer", fhirServer);
        request.putObject("fhirAuthorization").put("access_token", "token").put("token_type", "Bearer");
        return request;
    }

    HttpResponse<String> post(String base, ObjectNode request) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/cds-services/pvp-refracture-risk"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(RunningService.JSON.writeValueAsString(request))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void firstCallAfterStart_withoutPrefetch_getsTheCard() throws Exception {
        Path home = Files.createDirectories(dir.resolve("healthy"));
        Process service = serve(home);
        try {
            String base = listening(service);

            HttpResponse<String> reply = post(base, withoutPrefetch(ehr.base));

            assertEquals(200, reply.statusCode(), reply.body());
            JsonNode card = CdsServiceTest.only(RunningService.JSON.readTree(reply.body()).path("cards"));
            assertEquals("After PVP: refracture risk T11 57% (High)", card.path("summary").asText(),
                    "fetched within the 400 ms budget, not 'did not answer in time'");
        } finally {
            service.destroy();
            service.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void firstCallAfterStart_toAServerThatIsDown_saysItIsUnreachable() throws Exception {
        Path home = Files.createDirectories(dir.resolve("down"));
        Process service = serve(home);
        try {
            String base = listening(service);

            HttpResponse<String> reply = post(base, withoutPrefetch(down));

            assertEquals(412, reply.statusCode(), reply.body());
            String text = RunningService.JSON.readTree(reply.body()).at("/issue/0/details/text").asText();
            assertTrue(text.contains("connection refused"), text);
            assertFalse(text.contains("Exception"), "no Java class named: " + text);
        } finally {
            service.destroy();
            service.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
