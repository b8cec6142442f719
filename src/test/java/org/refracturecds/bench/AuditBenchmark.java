package org.refracturecds.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.refracturecds.store.AuditTrail;
import org.refracturecds.store.Database;
import org.refracturecds.store.TestDatabase;

/**
 * What an audit row costs (docs/PERFORMANCE.md): on the request thread, the patient's HMAC and the
 * row (then queued); written durably one at a time, as a synchronous audit would on every call; and
 * written in a batch of 500 rows, as the background writer does under load.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class AuditBenchmark {

    private static final AuditTrail.Rules RULES = new AuditTrail.Rules("2.0.0", "d5425f663ce2" + "0".repeat(52));

    @Param({"H2", "POSTGRESQL"})
    public TestDatabase kind;

    private Path dir;
    private Database database;
    private AuditTrail trail;
    private List<AuditTrail.Event> batch;
    private int patient;

    @Setup(Level.Trial)
    public void open() throws Exception {
        dir = Files.createTempDirectory("audit-bench");
        database = Database.open(kind.fresh(dir));
        trail = new AuditTrail(database, Clock.systemUTC(), "k".repeat(64), 400);
        batch = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            batch.add(row(trail.patientHmac("patient-" + i)));
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        trail.close();
        database.close();
    }

    private static AuditTrail.Event row(String hmac) {
        return new AuditTrail.Event(Instant.now(), AuditTrail.HOOK_CALL, "node-a:8080", "https://ehr.test", "ehr-client",
                "pvp-refracture-preop", hmac, RULES, 200, null, 3L, "4f1c2a", null);
    }

    /** What a hook call's thread does for its row besides queuing it. */
    @Benchmark
    public AuditTrail.Event rowOnTheRequestThread() {
        return row(trail.patientHmac("patient-" + (patient++ & 1023)));
    }

    /** One row written durably in its own transaction: what each call would wait for if it were written at once. */
    @Benchmark
    public AuditTrail.Event oneRowDurably() throws SQLException {
        AuditTrail.Event event = row(null);
        trail.now(event);
        return event;
    }

    /** 500 rows in one durable transaction, as the background writer writes under load. */
    @Benchmark
    public int batchOf500Durably() throws SQLException {
        return database.write(connection -> AuditTrail.insert(connection, batch));
    }
}
