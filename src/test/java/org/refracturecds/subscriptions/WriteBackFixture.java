package org.refracturecds.subscriptions;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.http.ServiceConfig;
import org.refracturecds.server.Server;
import org.refracturecds.store.Database;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.gclient.TokenClientParam;

/** What the write-back tests share: the service started on settings, the example patient, waiting. */
final class WriteBackFixture {

    static final String TOKEN = "test-notify-token-0123456789abcdef0123";
    static final FhirContext FHIR = FhirContext.forR4Cached();
    private static RuleSet rules;

    private WriteBackFixture() {
    }

    static synchronized RuleSet rules() throws Exception {
        if (rules == null) {
            rules = RuleSet.loadBundled();
        }
        return rules;
    }

    /** The service on a free port, its database an H2 file in {@code dir}, writing back to {@code fhirServer}. */
    static Server service(Path dir, String fhirServer, Map<String, Object> writeBack) throws Exception {
        Map<String, Object> block = new HashMap<>(Map.of("enabled", true, "notifyToken", TOKEN,
                "firstRetryMillis", 200, "maxRetryMillis", 1000));
        block.putAll(writeBack);
        ServiceConfig config = ServiceConfig.load(null, Map.of("port", 0,
                "database", "jdbc:h2:" + dir.toAbsolutePath().resolve("pvp"), "writeBack", block,
                "fhirServer", Map.of("url", fhirServer)));
        return Server.start(config, rules(), Clock.systemUTC());
    }

    /**
     * The example patient of examples/cleft-no-endplate-contact.json (an intravertebral cleft at T11, no
     * endplate contact), its ids prefixed with {@code prefix} so that each test has a patient of its own.
     */
    static List<Resource> patient(String prefix) throws IOException {
        Bundle bundle = (Bundle) FHIR.newJsonParser().parseResource(
                Files.readString(Path.of("examples/cleft-no-endplate-contact.json")));
        List<Resource> resources = new ArrayList<>();
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Resource resource = entry.getResource();
            resource.setId(prefix + "-" + resource.getIdElement().getIdPart());
            if (resource instanceof Observation observation) {
                observation.getSubject().setReference("Patient/" + prefix + "-cleft");
            }
            resources.add(resource);
        }
        return resources;
    }

    static String patientId(String prefix) {
        return prefix + "-cleft";
    }

    static Patient patientOf(List<Resource> resources) {
        return (Patient) resources.stream().filter(r -> r instanceof Patient).findFirst().orElseThrow();
    }

    static Observation observation(List<Resource> resources, String suffix) {
        return (Observation) resources.stream().filter(r -> r.getIdElement().getIdPart().endsWith("-" + suffix))
                .findFirst().orElseThrow();
    }

    /** The RiskAssessment the server holds under the identifier of (patient, level, model), or null. */
    static RiskAssessment riskAssessment(IGenericClient client, String patientId, String level) {
        Bundle found = client.search().forResource(RiskAssessment.class)
                .where(new TokenClientParam("identifier").exactly().systemAndCode(org.refracturecds.fhirout.AssessmentIdentity.SYSTEM,
                        patientId + "/" + level + "/xiong-2021-logistic"))
                .returnBundle(Bundle.class).execute();
        return found.getEntry().isEmpty() ? null : (RiskAssessment) found.getEntryFirstRep().getResource();
    }

    /**
     * Waits until the Subscription {@code id} delivers to the service ({@code metric}, a notifications counter,
     * goes up): HAPI marks a Subscription active, and reads a new SubscriptionTopic, a while before it matches,
     * so a finding of a patient of its own is saved every 5 s (not more often: each save is delivered, ahead of
     * the test's own) until one is delivered.
     */
    static void awaitDelivering(IGenericClient client, Server service, String id, String metric) throws Exception {
        List<Resource> canary = patient("canary-" + id);
        client.update().resource(patientOf(canary)).execute();
        Observation finding = observation(canary, "ivc");
        double before = metric(service, metric);
        await("the Subscription delivering", Duration.ofSeconds(150), () -> {
            finding.setEffective(new DateTimeType(new java.util.Date()));
            client.update().resource(finding).execute();
            long until = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < until) {
                if (metric(service, metric) > before) {
                    return true;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return false;
        });
    }

    static void await(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within + ": " + what);
            }
            Thread.sleep(100);
        }
    }

    /** A value of the service's /metrics, e.g. pvp_writeback_resources_total{outcome="unchanged"}; 0 when absent. */
    static double metric(Server server, String name) {
        for (String line : get(server, "/metrics").body().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return 0;
    }

    static HttpResponse<String> get(Server server, String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).GET());
    }

    /** Sends {@code body} to the notification endpoint as {@code method} at {@code path}, with the token when asked. */
    static HttpResponse<String> notify(Server server, String method, String path, String body, boolean token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Content-Type", "application/fhir+json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token) {
            request.header("Authorization", "Bearer " + TOKEN);
        }
        return send(request);
    }

    /** {@code body} as {@code contentType}, with the token. */
    static HttpResponse<String> send(Server server, String method, String path, String body, String contentType) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Content-Type", contentType).header("Authorization", "Bearer " + TOKEN)
                .method(method, HttpRequest.BodyPublishers.ofString(body)));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HttpClient.newHttpClient().send(request.timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The audit trail's rows of {@code event} in the service's database under {@code dir}: status, code and detail, in order. */
    static List<String> auditRows(Path dir, String event) throws Exception {
        try (Database database = Database.open(new Database.Settings("jdbc:h2:" + dir.toAbsolutePath().resolve("pvp"),
                null, null, 2))) {
            return database.read(connection -> {
                try (PreparedStatement select = connection.prepareStatement("SELECT http_status, error_code, detail"
                        + " FROM audit_event WHERE event = ? ORDER BY id")) {
                    select.setString(1, event);
                    try (ResultSet result = select.executeQuery()) {
                        List<String> rows = new ArrayList<>();
                        while (result.next()) {
                            rows.add(result.getInt(1) + " " + result.getString(2) + " " + result.getString(3));
                        }
                        return rows;
                    }
                }
            });
        }
    }
}
