package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.server.Server;
import org.refracturecds.store.Database;
import org.refracturecds.store.TestDatabase;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/**
 * GET /health/live answers 200 while the process serves; GET /health/ready answers 200 only when
 * the rules are loaded, the database answers and the warm-up is done, and otherwise 503 naming the
 * check that fails and why. Over a real socket, with a real PostgreSQL that stops taking connections.
 */
class HealthTest {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TempDir
    Path dir;

    /** The readiness answer's issue about one check. */
    static JsonNode check(RunningService.Reply reply, String name) {
        for (JsonNode issue : reply.body().path("issue")) {
            if (issue.path("expression").path(0).asText().equals(name)) {
                return issue;
            }
        }
        throw new AssertionError("no check '" + name + "' in " + reply.body());
    }

    static void assertPasses(RunningService.Reply reply, String name) {
        JsonNode issue = check(reply, name);
        assertEquals("information", issue.path("severity").asText(), issue.toString());
    }

    static void assertFails(RunningService.Reply reply, String name, String why) {
        JsonNode issue = check(reply, name);
        assertEquals("error", issue.path("severity").asText(), issue.toString());
        assertEquals("PVP-H510", issue.at("/details/coding/0/code").asText());
        String text = issue.at("/details/text").asText();
        assertTrue(text.startsWith("[PVP-H510] " + name + ": " + why), text);
    }

    @Test
    void beforeTheWarmUp_liveIs200_readyIs503_thenReadyIs200() throws Exception {
        try (RunningService service = new RunningService(dir, Map.of(), null, false)) {
            RunningService.Reply live = service.get("/health/live");
            RunningService.Reply cold = service.get("/health/ready");

            assertEquals(200, live.status());
            assertEquals("OperationOutcome", live.body().path("resourceType").asText());
            assertEquals("live: the process answers", live.body().at("/issue/0/details/text").asText());
            assertEquals(503, cold.status(), cold.body().toString());
            assertFails(cold, "warm-up", "not finished");
            for (String name : List.of("shutdown", "rules", "database")) {
                assertPasses(cold, name);
            }

            service.server.warmUp();
            RunningService.Reply warm = service.get("/health/ready");

            assertEquals(200, warm.status(), warm.body().toString());
            assertTrue(check(warm, "warm-up").at("/details/text").asText().startsWith("warm-up: done in "));
            assertTrue(check(warm, "rules").at("/details/text").asText().startsWith("rules: version 2.0.0 sha256:"));
            assertEquals("database: answers", check(warm, "database").at("/details/text").asText());
        }
    }

    @Test
    void aHeadRequest_onReadyWhileNotReady_getsTheGetsStatus_withoutABody() throws Exception {
        try (RunningService service = new RunningService(dir, Map.of(), null, false)) {
            // given a node not warmed up yet, so not ready
            // when a load balancer or a monitor asks for ready with HEAD
            RunningService.Reply cold = head(service, "/health/ready");

            // then it gets the 503 a GET gets, and no body
            assertEquals(503, service.get("/health/ready").status());
            assertEquals(503, cold.status());
            assertEquals("", cold.raw().body());

            // and once the node is ready, a HEAD says so, as the other GET routes' HEADs do
            service.server.warmUp();
            for (String path : List.of("/health/ready", "/health/live", "/metrics", "/cds-services", "/rules/status")) {
                RunningService.Reply warm = head(service, path);
                assertEquals(200, warm.status(), path);
                assertEquals("", warm.raw().body(), path);
            }
        }
    }

    static RunningService.Reply head(RunningService service, String path) throws Exception {
        return service.send(HttpRequest.newBuilder(URI.create(service.base + path))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
    }

    /** The probes the deployment files declare (Kubernetes, Compose, the Dockerfile) answer 200 on a warm node. */
    @Test
    void theDeployFilesProbes_answer200OnAWarmNode() throws Exception {
        JsonNode deployment = null;
        for (JsonNode document : YAML.readValues(YAML.createParser(Path.of("deploy/kubernetes.yaml").toFile()),
                JsonNode.class).readAll()) {
            if (document.path("kind").asText().equals("Deployment")) {
                deployment = document;
            }
        }
        JsonNode container = deployment.at("/spec/template/spec/containers/0");
        Set<String> paths = new TreeSet<>();
        for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
            paths.add(container.at("/" + probe + "/httpGet/path").asText());
        }
        Pattern url = Pattern.compile("(?s)http://127\\.0\\.0\\.1:\\d+(/[^\"\\s]+)");
        Matcher dockerfile = url.matcher(Files.readString(Path.of("Dockerfile")).replaceFirst("(?s).*HEALTHCHECK", ""));
        Matcher compose = url.matcher(YAML.readTree(Path.of("deploy/compose.yaml").toFile())
                .at("/services/pvp/healthcheck/test").toString());
        assertTrue(dockerfile.find() && compose.find(), "the Dockerfile and compose.yaml have an HTTP health check");
        paths.add(dockerfile.group(1));
        paths.add(compose.group(1));

        try (RunningService service = new RunningService(dir, Map.of())) {
            assertEquals(Set.of("/health/live", "/health/ready"), paths);
            for (String path : paths) {
                assertEquals(200, service.get(path).status(), path);
            }
        }
    }

    @Test
    void aCheckAddedByAnotherPart_decidesToo() throws Exception {
        try (RunningService service = new RunningService(dir, Map.of())) {
            service.server.readiness().add("another-part", () -> org.refracturecds.server.Readiness.Check.fail(
                    "this node serves 2.0.0, the database says 2.0.1 is live"));

            RunningService.Reply reply = service.get("/health/ready");

            assertEquals(503, reply.status());
            assertFails(reply, "another-part", "this node serves 2.0.0, the database says 2.0.1 is live");
            assertEquals(200, service.get("/health/live").status());
        }
    }

    /**
     * PostgreSQL stops taking connections to the service's database: ready turns 503 naming the
     * database, a feedback that cannot be stored is a 500 naming its request id, found on the log
     * line; when the database takes connections again, ready is 200 again.
     */
    @Test
    void databaseUnreachable_readyIs503_andA500NamesTheRequestIdOfItsLogLine() throws Exception {
        Database.Settings database = TestDatabase.POSTGRESQL.fresh(dir);
        String name = database.url().substring(database.url().lastIndexOf('/') + 1);
        ListAppender<ILoggingEvent> log = new ListAppender<>() {
            @Override
            protected void append(ILoggingEvent event) {
                event.prepareForDeferredProcessing(); // takes the MDC of the thread that logs, as a file appender would
                super.append(event);
            }
        };
        Logger serverLog = (Logger) LoggerFactory.getLogger(Server.class);
        Logger poolLog = (Logger) LoggerFactory.getLogger("com.zaxxer.hikari");
        log.start();
        serverLog.addAppender(log);
        // The lines are expected here: kept out of the test run's output.
        serverLog.setAdditive(false);
        poolLog.setLevel(Level.OFF);
        try (RunningService service = new RunningService(dir, Map.of("database", database.url(),
                "databaseUser", database.user()));
             Connection admin = DriverManager.getConnection(TestDatabase.postgresUrl("postgres"), "postgres", null);
             Statement sql = admin.createStatement()) {
            assertEquals(200, service.get("/health/ready").status());

            sql.execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
            sql.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "'");
            RunningService.Reply down = service.get("/health/ready");
            String request = "feedback-" + UUID.randomUUID();
            ObjectNode feedback = RunningService.JSON.createObjectNode();
            feedback.putArray("feedback").addObject().put("card", UUID.randomUUID().toString())
                    .put("outcome", "accepted").put("outcomeTimestamp", "2026-01-15T09:30:00Z");
            RunningService.Reply failed = service.post("/cds-services/pvp-refracture-risk/feedback", feedback,
                    "X-Request-Id", request);

            assertEquals(503, down.status(), down.body().toString());
            assertFails(down, "database", "");
            // "no answer to SELECT 1 within 1000 ms", or, on a connection the pool had just checked, "SELECT 1 failed: ..."
            assertTrue(check(down, "database").at("/details/text").asText().contains("SELECT 1"), down.body().toString());
            assertPasses(down, "rules");
            assertEquals(500, failed.status(), failed.body().toString());
            assertEquals(request, failed.header("X-Request-Id"));
            assertEquals("[PVP-H500] internal error in request " + request + "; the service log has its details under"
                    + " that request id. Nothing was stored.", failed.body().at("/issue/0/details/text").asText());
            ILoggingEvent line = log.list.stream().filter(e -> e.getFormattedMessage().contains(request)).findFirst()
                    .orElseThrow(() -> new AssertionError("no log line names " + request + ": " + log.list));
            assertEquals(request, line.getMDCPropertyMap().get("requestId"), "the MDC of the line");
            assertEquals("ERROR", line.getLevel().toString());

            sql.execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true");
            RunningService.Reply up = service.get("/health/ready");
            for (long deadline = System.nanoTime() + 20_000_000_000L; up.status() != 200 && System.nanoTime() < deadline; ) {
                Thread.sleep(200);
                up = service.get("/health/ready");
            }
            assertEquals(200, up.status(), up.body().toString());
        } finally {
            serverLog.detachAppender(log);
            serverLog.setAdditive(true);
            poolLog.setLevel(null);
        }
    }
}
