package org.refracturecds.server;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.NanoTime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Times every request from its first byte to the last byte of its answer (a slow client's upload
 * included), as {@code pvp.http.requests} with a histogram for percentiles, tagged by
 * {@code endpoint} (hook, feedback, discovery, fhir-operation, fhir-metadata, fhir-other, health, metrics,
 * rules-status, other), {@code service}
 * (the CDS service id; {@code unknown} for an id that is not one, {@code none} off the services) and
 * {@code status}. Every tag has a bounded set of values, whatever paths clients send.
 */
final class RequestMetrics extends Handler.Wrapper {

    private final MeterRegistry registry;
    private final Set<String> services;

    /** @param services the CDS service ids answered at /cds-services/{id} */
    RequestMetrics(MeterRegistry registry, Set<String> services) {
        this.registry = registry;
        this.services = Set.copyOf(services);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String[] where = classify(Request.getPathInContext(request));
        long begin = request.getBeginNanoTime();
        return super.handle(request, response, new Callback.Nested(callback) {
            @Override
            public void succeeded() {
                record(where, response.getStatus(), begin);
                super.succeeded();
            }

            @Override
            public void failed(Throwable x) {
                record(where, 0, begin);
                super.failed(x);
            }
        });
    }

    private void record(String[] where, int status, long begin) {
        Timer.builder("pvp.http.requests")
                .description("Requests from their first byte to the end of the answer")
                .tag("endpoint", where[0]).tag("service", where[1])
                .tag("status", status == 0 ? "none" : Integer.toString(status))
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry)
                .record(NanoTime.since(begin), TimeUnit.NANOSECONDS);
    }

    /** The endpoint and the service of a path: a bounded set of values. */
    String[] classify(String path) {
        if (path.equals("/cds-services")) {
            return new String[] {"discovery", "none"};
        }
        if (path.startsWith("/cds-services/")) {
            String rest = path.substring("/cds-services/".length());
            boolean feedback = rest.endsWith("/feedback");
            String id = feedback ? rest.substring(0, rest.length() - "/feedback".length()) : rest;
            if (id.contains("/")) {
                return new String[] {"other", "none"};
            }
            return new String[] {feedback ? "feedback" : "hook", services.contains(id) ? id : "unknown"};
        }
        if (path.startsWith("/fhir/")) {
            return new String[] {path.equals("/fhir/metadata") ? "fhir-metadata"
                    : path.endsWith("/$pvp-refracture-risk") ? "fhir-operation" : "fhir-other", "none"};
        }
        return switch (path) {
            case "/health/live", "/health/ready" -> new String[] {"health", "none"};
            case "/metrics" -> new String[] {"metrics", "none"};
            case "/rules/status" -> new String[] {"rules-status", "none"};
            default -> new String[] {"other", "none"};
        };
    }
}
