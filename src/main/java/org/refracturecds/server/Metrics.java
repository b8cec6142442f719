package org.refracturecds.server;

import java.util.List;

import org.refracturecds.authoring.LiveRules;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The node's metrics, served at GET /metrics in Prometheus' text format: the JVM's and the
 * process's, and those the parts record on the registry they are given (docs/OPERATIONS.md lists
 * them). One registry per server, passed to the parts that record; none is global.
 */
final class Metrics implements AutoCloseable {

    /** Prometheus' text exposition format, version 0.0.4. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    Metrics() {
        for (var binder : List.of(new JvmMemoryMetrics(), gc, new JvmThreadMetrics(), new ClassLoaderMetrics(),
                new ProcessorMetrics(), new UptimeMetrics(), new FileDescriptorMetrics())) {
            binder.bindTo(registry);
        }
    }

    MeterRegistry registry() {
        return registry;
    }

    /** Counts the rules' reloads by outcome: {@code live} (swapped in) or {@code refused} (the old rules stay). */
    void countReloads(LiveRules rules) {
        FunctionCounter.builder("pvp.rules.reloads", rules, LiveRules::reloadsLive).tag("outcome", "live")
                .description("Reloads of the rules folder, by outcome").register(registry);
        FunctionCounter.builder("pvp.rules.reloads", rules, LiveRules::reloadsRefused).tag("outcome", "refused")
                .description("Reloads of the rules folder, by outcome").register(registry);
    }

    /** Every meter as Prometheus reads it. */
    String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
