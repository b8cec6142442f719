package org.refracturecds.cdshooks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

import org.refracturecds.authoring.LiveRules;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Settings;
import org.refracturecds.http.ServiceConfig;
import org.refracturecds.server.Server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The service started on a free port of 127.0.0.1 with test settings, and a client that speaks to it. */
final class RunningService implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    private static RuleSet rules;

    final Server server;
    final String base;
    private final HttpClient http = HttpClient.newHttpClient();

    /** A JSON reply: status, headers and body. */
    record Reply(int status, JsonNode body, HttpResponse<String> raw) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        /** The OperationOutcome's message code, e.g. PVP-H102. */
        String errorCode() {
            return body.path("issue").path(0).path("details").path("coding").path(0).path("code").asText();
        }
    }

    /** @param settings settings over the bundled ones; port 0 and a database file under {@code dir} are added */
    RunningService(Path dir, Map<String, Object> settings) throws Exception {
        this(dir, settings, null);
    }

    /** @param rules the live rules to answer with; null for the bundled rules */
    RunningService(Path dir, Map<String, Object> settings, LiveRules rules) throws Exception {
        this(dir, settings, rules, true);
    }

    /** @param warm whether to return once warmed up ({@link Server#start}) or at once ({@link Server#listen}) */
    RunningService(Path dir, Map<String, Object> settings, LiveRules rules, boolean warm) throws Exception {
        Map<String, Object> all = new HashMap<>();
        all.put("port", 0);
        all.put("database", "jdbc:h2:" + dir.toAbsolutePath().resolve("pvp"));
        all.putAll(settings);
        ServiceConfig config = ServiceConfig.load(null, all);
        LiveRules live = rules != null ? rules : LiveRules.fixed(bundledRules(), new Settings(config.incidence()));
        this.server = warm ? Server.start(config, live, Clock.systemUTC()) : Server.listen(config, live, Clock.systemUTC());
        this.base = "http://127.0.0.1:" + server.port();
    }

    static synchronized RuleSet bundledRules() throws Exception {
        if (rules == null) {
            rules = RuleSet.loadBundled();
        }
        return rules;
    }

    static ObjectNode example(String name) throws IOException {
        return (ObjectNode) JSON.readTree(Files.readString(Path.of("examples/cds-hooks", name)));
    }

    Reply get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    Reply post(String path, Object body, String... headers) throws IOException, InterruptedException {
        String text = body instanceof String s ? s : JSON.writeValueAsString(body);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(text));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    Reply send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        body.path("cards").forEach(CardChecks::check);
        return new Reply(response.statusCode(), body, response);
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}
