package org.refracturecds.server;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The turns of the requests worked on at once (setting concurrentRequests), given in arrival
 * order, with each wait for a turn timed ({@code pvp.turns.wait}) and the requests waiting counted
 * ({@code pvp.turns.waiting}).
 */
final class Turns extends Semaphore {

    private final transient Timer waits;

    Turns(int turns, MeterRegistry registry) {
        super(turns, true);
        this.waits = Timer.builder("pvp.turns.wait").description("The time a request waits for its turn")
                .publishPercentileHistogram().register(registry);
        Gauge.builder("pvp.turns.waiting", this, Semaphore::getQueueLength)
                .description("Requests waiting for their turn").register(registry);
    }

    @Override
    public void acquireUninterruptibly() {
        long start = System.nanoTime();
        super.acquireUninterruptibly();
        waits.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
}
