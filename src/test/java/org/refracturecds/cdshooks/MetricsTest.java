package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.RuleFolders;
import org.refracturecds.authoring.LiveRules;
import org.refracturecds.facts.Settings;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * GET /metrics, in Prometheus' text format, after real calls: requests by endpoint, service and
 * status (an unknown service or path is one tag value, whatever was sent), FHIR fetches by
 * outcome, feedback items stored, rules reloads, the waits for a turn, and the JVM's and the
 * process's own. No patient data in it.
 */
class MetricsTest {

    @TempDir
    Path dir;

    /** The samples of a scrape: series (name and labels as written) to value. */
    static Map<String, Double> samples(String scrape) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : scrape.lines().toList()) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int space = line.lastIndexOf(' ');
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return samples;
    }

    static double value(Map<String, Double> samples, String series) {
        Double value = samples.get(series);
        if (value == null) {
            throw new AssertionError("no series " + series + " in:\n" + String.join("\n", samples.keySet().stream()
                    .filter(s -> s.startsWith(series.substring(0, Math.max(1, series.indexOf('{'))))).toList()));
        }
        return value;
    }

    static ObjectNode feedback(String outcome) {
        ObjectNode body = RunningService.JSON.createObjectNode();
        ObjectNode item = body.putArray("feedback").addObject().put("card", UUID.randomUUID().toString())
                .put("outcome", outcome).put("outcomeTimestamp", "2026-01-15T09:30:00Z");
        if (outcome.equals("overridden")) {
            item.putObject("overrideReason").putObject("reason").put("system", CardWriter.OVERRIDE_REASONS)
                    .put("code", "not-applicable");
        }
        return body;
    }

    static ObjectNode withoutPrefetch(String fhirServer) throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        request.remove("prefetch");
        request.put("fhirServer", fhirServer);
        return request;
    }

    @Test
    void afterCalls_theSeriesCountThemByTheirTags() throws Exception {
        Path rules = RuleFolders.copy(dir.resolve("rules"));
        LiveRules live = LiveRules.load(rules, new Settings(null));
        String down;
        try (ServerSocket free = new ServerSocket(0)) {
            down = "http://127.0.0.1:" + free.getLocalPort() + "/fhir";
        }
        try (EhrServer ehr = new EhrServer(0, 0);
             RunningService service = new RunningService(dir, Map.of("fhirServers", List.of(ehr.base, down),
                     "fetchTimeoutMillis", 3000), live)) {
            String risk = "/cds-services/pvp-refracture-risk";
            assertEquals(200, service.post(risk, RunningService.example("patient-view.json")).status());
            assertEquals(200, service.post(risk, withoutPrefetch(ehr.base)).status());
            assertEquals(412, service.post(risk, withoutPrefetch(down)).status());
            assertEquals(200, service.post(risk + "/feedback", feedback("accepted")).status());
            assertEquals(200, service.post(risk + "/feedback", feedback("overridden")).status());
            assertEquals(404, service.post("/cds-services/" + UUID.randomUUID(), "{}").status());
            assertEquals(404, service.get("/" + UUID.randomUUID() + "/anything").status());
            assertTrue(live.reload());
            RuleFolders.edit(rules, "pipeline.drl", "$k    : Calibration()", "$k    : Calibrat()");
            Logger rulesLog = (Logger) LoggerFactory.getLogger(LiveRules.class);
            rulesLog.setLevel(Level.OFF); // the refusal's warning is expected here
            try {
                assertFalse(live.reload());
            } finally {
                rulesLog.setLevel(null);
            }

            HttpResponse<String> reply = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(service.base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());

            assertEquals(200, reply.statusCode());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", reply.headers().firstValue("Content-Type").orElse(null));
            String scrape = reply.body();
            Map<String, Double> samples = samples(scrape);
            String requests = "pvp_http_requests_seconds_count";
            assertEquals(2, value(samples, requests + "{endpoint=\"hook\",service=\"pvp-refracture-risk\",status=\"200\"}"));
            assertEquals(1, value(samples, requests + "{endpoint=\"hook\",service=\"pvp-refracture-risk\",status=\"412\"}"));
            assertEquals(2, value(samples, requests + "{endpoint=\"feedback\",service=\"pvp-refracture-risk\",status=\"200\"}"));
            assertEquals(1, value(samples, requests + "{endpoint=\"hook\",service=\"unknown\",status=\"404\"}"));
            assertEquals(1, value(samples, requests + "{endpoint=\"other\",service=\"none\",status=\"404\"}"));
            assertEquals(2, value(samples, "pvp_http_requests_seconds_bucket{endpoint=\"hook\",service=\"pvp-refracture-risk\","
                    + "status=\"200\",le=\"+Inf\"}"), "a histogram, for percentiles");
            assertTrue(value(samples, "pvp_fhir_fetches_seconds_count{outcome=\"ok\",resource=\"Observation\"}") >= 1);
            assertEquals(1, value(samples, "pvp_fhir_fetches_seconds_count{outcome=\"refused\",resource=\"Observation\"}"));
            assertTrue(samples.containsKey("pvp_fhir_fetches_seconds_bucket{outcome=\"ok\",resource=\"Observation\",le=\"+Inf\"}"));
            assertEquals(1, value(samples, "pvp_feedback_items_total{outcome=\"accepted\",service=\"pvp-refracture-risk\"}"));
            assertEquals(1, value(samples, "pvp_feedback_items_total{outcome=\"overridden\",service=\"pvp-refracture-risk\"}"));
            assertEquals(1, value(samples, "pvp_rules_reloads_total{outcome=\"live\"}"));
            assertEquals(1, value(samples, "pvp_rules_reloads_total{outcome=\"refused\"}"));
            assertTrue(value(samples, "pvp_turns_wait_seconds_count") >= 3, "each hook call waits for its turn");
            assertEquals(0, value(samples, "pvp_turns_waiting"));
            assertTrue(samples.keySet().stream().anyMatch(s -> s.startsWith("jvm_memory_used_bytes{")), "JVM");
            assertTrue(samples.containsKey("process_cpu_usage") && samples.containsKey("process_uptime_seconds"), "process");
            assertFalse(scrape.contains("cleft"), "no patient id (Patient/cleft) in the metrics");
        }
    }
}
