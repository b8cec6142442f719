package org.refracturecds.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.refracturecds.store.UsedJwtIdsTest.TestClock;

/** The write-back queue, on each database. */
class WorkQueueTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void aPatientWaiting_isQueuedOnce_andClaimedByOneNodeAtATime(TestDatabase kind) throws Exception {
        TestClock clock = new TestClock();
        try (Database database = Database.open(kind.fresh(dir))) {
            WorkQueue queue = new WorkQueue(database, clock, Duration.ofMinutes(2));

            assertEquals(1, queue.add(WorkQueue.PATIENT, List.of("p1"), "r4-rest-hook"));
            assertEquals(0, queue.add(WorkQueue.PATIENT, List.of("p1"), "r4-rest-hook"));
            WorkQueue.Item item = queue.claim("node-a").orElseThrow();

            assertEquals("p1", item.resourceId());
            assertEquals(1, item.attempts());
            assertEquals(Optional.empty(), queue.claim("node-b"));
            // Claimed, it is being worked on: a new notification for the patient queues it again.
            assertEquals(1, queue.add(WorkQueue.PATIENT, List.of("p1"), "r4-rest-hook"));
            assertEquals(2, queue.pending());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void aSweepWaiting_coversTheNextOnes_untilItIsClaimed(TestDatabase kind) throws Exception {
        TestClock clock = new TestClock();
        try (Database database = Database.open(kind.fresh(dir))) {
            WorkQueue queue = new WorkQueue(database, clock, Duration.ofMinutes(2));
            List<String> sweep = Collections.singletonList(null);

            assertEquals(1, queue.add(WorkQueue.SWEEP, sweep, "r4-rest-hook"));
            // A mass import sends one notification a finding: while the first sweep waits, it covers them.
            assertEquals(0, queue.add(WorkQueue.SWEEP, sweep, "r4-rest-hook"));
            assertEquals(1, queue.add(WorkQueue.PATIENT, List.of("p1"), "r4-rest-hook"));
            WorkQueue.Item claimed = queue.claim("node-a").orElseThrow();

            assertEquals(WorkQueue.SWEEP, claimed.kind());
            // Its search may have run already: a finding saved now needs a sweep of its own.
            assertEquals(1, queue.add(WorkQueue.SWEEP, sweep, "r4-rest-hook"));
            assertEquals(3, queue.pending());
            // One that failed and waits to be tried again does not stand for the next: it may be given up.
            queue.retry(claimed, clock.now.plusSeconds(60), "PVP-N201 the FHIR server does not answer");
            queue.done(queue.claim("node-a").orElseThrow()); // p1
            queue.done(queue.claim("node-a").orElseThrow()); // the second sweep
            assertEquals(1, queue.add(WorkQueue.SWEEP, sweep, "r4-rest-hook"));
            assertEquals(2, queue.pending());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void anItemWhoseNodeDied_isClaimedAgainOnceItsLeaseRunsOut(TestDatabase kind) throws Exception {
        TestClock clock = new TestClock();
        try (Database database = Database.open(kind.fresh(dir))) {
            WorkQueue queue = new WorkQueue(database, clock, Duration.ofMinutes(2));
            queue.add(WorkQueue.PATIENT, List.of("p1"), "r4-rest-hook");
            queue.claim("node-a").orElseThrow();

            clock.now = clock.now.plus(Duration.ofMinutes(3));
            WorkQueue.Item again = queue.claim("node-b").orElseThrow();

            assertEquals("p1", again.resourceId());
            assertEquals(2, again.attempts());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void aRetry_waitsUntilItsTime_andAGiveUpIsCountedAndNotClaimed(TestDatabase kind) throws Exception {
        TestClock clock = new TestClock();
        try (Database database = Database.open(kind.fresh(dir))) {
            WorkQueue queue = new WorkQueue(database, clock, Duration.ofMinutes(2));
            queue.add(WorkQueue.PATIENT, List.of("p1", "p2"), "backport-id-only");
            WorkQueue.Item first = queue.claim("node-a").orElseThrow();
            queue.retry(first, clock.now.plusSeconds(10), "PVP-W301 the FHIR server does not answer");
            WorkQueue.Item second = queue.claim("node-a").orElseThrow();
            queue.giveUp(second, "PVP-W302 gave up");

            assertEquals(Optional.empty(), queue.claim("node-a"));
            clock.now = clock.now.plusSeconds(10);
            WorkQueue.Item retried = queue.claim("node-a").orElseThrow();
            queue.done(retried);

            assertEquals(first.resourceId(), retried.resourceId());
            assertEquals(0, queue.pending());
            assertEquals(1, queue.givenUp());
            assertEquals(1, queue.givenUpSince(clock.now.minusSeconds(60)));
            assertEquals(0, queue.givenUpSince(clock.now.plusSeconds(1)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void concurrentClaims_neverGetTheSameItem(TestDatabase kind) throws Exception {
        TestClock clock = new TestClock();
        try (Database database = Database.open(kind.fresh(dir))) {
            WorkQueue queue = new WorkQueue(database, clock, Duration.ofMinutes(2));
            List<String> patients = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                patients.add("p" + i);
            }
            queue.add(WorkQueue.PATIENT, patients, "r4-rest-hook");
            List<String> claimed = Collections.synchronizedList(new ArrayList<>());
            ExecutorService nodes = Executors.newFixedThreadPool(4);
            List<Future<?>> running = new ArrayList<>();
            for (int n = 0; n < 4; n++) {
                String node = "node-" + n;
                running.add(nodes.submit(() -> {
                    Optional<WorkQueue.Item> item;
                    while ((item = queue.claim(node)).isPresent()) {
                        claimed.add(item.get().resourceId());
                    }
                    return null;
                }));
            }
            for (Future<?> each : running) {
                each.get();
            }
            nodes.shutdown();

            assertEquals(40, claimed.size());
            assertTrue(new HashSet<>(claimed).containsAll(patients));
        }
    }
}
