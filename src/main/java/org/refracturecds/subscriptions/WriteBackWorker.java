package org.refracturecds.subscriptions;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import org.hl7.fhir.r4.model.RiskAssessment;
import org.refracturecds.fhirin.InputException;
import org.refracturecds.fhirin.PopulationReader;
import org.refracturecds.fhirout.WriteBack;
import org.refracturecds.http.ServiceConfig;
import org.refracturecds.store.AuditTrail;
import org.refracturecds.store.WorkQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Works the write-back queue on this node (every node runs one): claims a due item, reads the patient's
 * findings from the FHIR server, assesses each vertebra, writes each RiskAssessment back, and records
 * the outcome in the audit trail (event {@value #EVENT}).
 *
 * <p>A server that fails (unreachable, 5xx, 408, 429, a timeout) is tried again after
 * {@code firstRetryMillis}, doubled after each failure up to {@code maxRetryMillis}; after
 * {@code maxAttempts} tries the item is given up ({@code PVP-N202}). A patient or finding the server does
 * not have, findings the module cannot use, or a write the server refuses (another 4xx) are given up at
 * once, as is an answer that cannot be used ({@code PVP-N206}). An item whose node dies mid-attempt is claimed again by any node when its lease runs out.
 */
public final class WriteBackWorker implements AutoCloseable {

    public static final String EVENT = "write-back";
    /** The service id of write-back rows in the audit trail. */
    static final String SERVICE = "fhir-notify";
    /** A sweep looks this far back before its notification, for the server's clock and commit delays. */
    static final Duration SWEEP_MARGIN = Duration.ofMinutes(5);
    private static final Duration LEASE = Duration.ofMinutes(2);
    private static final long IDLE_POLL_MILLIS = 1000;
    /** Failed attempts that will be tried again are logged at most this often, with how many there were. */
    private static final Duration RETRIES_SAID_EVERY = Duration.ofMinutes(1);
    private static final Logger LOG = LoggerFactory.getLogger(WriteBackWorker.class);

    private final ServiceConfig.WriteBack settings;
    private final WorkQueue queue;
    private final ServerAssessments assessments;
    private final WriteBack writes;
    private final IGenericClient client;
    private final AuditTrail audit;
    private final Supplier<AuditTrail.Rules> rules;
    private final Supplier<String> node;
    private final Clock clock;
    private final Counter givenUp;
    private final Map<WriteBack.Outcome, Counter> written = new EnumMap<>(WriteBack.Outcome.class);
    private final Counter retried;
    private final Thread thread;
    private final Object signal = new Object();
    private volatile boolean stopped;
    private boolean woken;
    private final Said retries = new Said();
    private final Said givenUpSaid = new Said();

    /** What one attempt did, for the audit trail. */
    private record Done(String detail) {
    }

    /** A failure of one attempt: its code, whether to try again, and why (no patient data). */
    private static final class Failed extends Exception {
        final String code;
        final boolean transientFailure;

        Failed(String code, boolean transientFailure, String message) {
            super(message, null, false, false);
            this.code = code;
            this.transientFailure = transientFailure;
        }
    }

    WriteBackWorker(ServiceConfig.WriteBack settings, WorkQueue queue, ServerAssessments assessments,
                    WriteBack writes, IGenericClient client, AuditTrail audit, Supplier<AuditTrail.Rules> rules,
                    Supplier<String> node, Clock clock, MeterRegistry registry) {
        this.settings = settings;
        this.queue = queue;
        this.assessments = assessments;
        this.writes = writes;
        this.client = client;
        this.audit = audit;
        this.rules = rules;
        this.node = node;
        this.clock = clock;
        for (WriteBack.Outcome outcome : WriteBack.Outcome.values()) {
            written.put(outcome, Counter.builder("pvp.writeback.resources").tag("outcome", outcome.name().toLowerCase())
                    .description("RiskAssessments written back, by outcome").register(registry));
        }
        this.retried = Counter.builder("pvp.writeback.retries").description("Write-back attempts that failed and"
                + " will be tried again").register(registry);
        this.givenUp = Counter.builder("pvp.writeback.given.up").description("Write-back items given up").register(registry);
        this.thread = new Thread(this::run, "write-back");
        this.thread.setDaemon(true);
    }

    static WorkQueue queue(org.refracturecds.store.Database database, Clock clock) {
        return new WorkQueue(database, clock, LEASE);
    }

    void start() {
        thread.start();
    }

    /** Work is queued: look now rather than at the next poll. */
    void wake() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    private void run() {
        while (!stopped) {
            Optional<WorkQueue.Item> item;
            try {
                item = queue.claim(node.get());
            } catch (SQLException e) {
                LOG.warn("write-back: the queue cannot be read, tried again in a second: {}", firstLine(e));
                item = Optional.empty();
            }
            if (item.isPresent()) {
                work(item.get());
            } else {
                idle();
            }
        }
    }

    private void idle() {
        synchronized (signal) {
            if (!woken && !stopped) {
                try {
                    signal.wait(IDLE_POLL_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stopped = true;
                }
            }
            woken = false;
        }
    }

    /** One attempt at one item, and what follows from it in the queue and the audit trail. */
    void work(WorkQueue.Item item) {
        long start = System.nanoTime();
        String patient = WorkQueue.PATIENT.equals(item.kind()) ? item.resourceId() : null;
        try {
            Done done;
            try {
                if (WorkQueue.SWEEP.equals(item.kind())) {
                    done = sweep(item);
                } else {
                    if (WorkQueue.FINDING.equals(item.kind())) {
                        patient = patientOf(item.resourceId());
                    }
                    done = writeBack(patient);
                }
            } catch (Failed failed) {
                failed(item, patient, failed, start);
                return;
            }
            queue.done(item);
            record(item, patient, 200, null, start, done.detail());
        } catch (SQLException e) {
            // The item stays claimed until its lease runs out, then any node tries it again.
            LOG.warn("write-back: the queue cannot be written, the item is tried again in {} s: {}",
                    LEASE.toSeconds(), firstLine(e));
        } catch (RuntimeException e) {
            LOG.error("write-back: an item failed unexpectedly ({}); it is tried again", e.getClass().getName());
            LOG.debug("write-back failure", e);
            try {
                failed(item, patient, new Failed("PVP-N209", true, "an unexpected error in the module"), start);
            } catch (SQLException sql) {
                LOG.warn("write-back: the queue cannot be written: {}", firstLine(sql));
            }
        }
    }

    private void failed(WorkQueue.Item item, String patient, Failed failed, long start) throws SQLException {
        if (failed.transientFailure && item.attempts() < settings.maxAttempts()) {
            Instant next = clock.instant().plusMillis(backoff(item.attempts()));
            queue.retry(item, next, failed.code + " " + failed.getMessage());
            retried.increment();
            sayRetried(failed);
            record(item, patient, 503, failed.code, start, "attempt " + item.attempts() + " of "
                    + settings.maxAttempts() + " failed, tried again at " + next + ": " + failed.getMessage());
            return;
        }
        String code = failed.transientFailure ? "PVP-N202" : failed.code;
        String why = failed.transientFailure ? "given up after " + item.attempts() + " attempts; the last: "
                + failed.code + " " + failed.getMessage() : failed.getMessage();
        queue.giveUp(item, code + " " + why);
        givenUp.increment();
        sayGivenUp(code, why);
        record(item, patient, failed.transientFailure ? 503 : 422, code, start, "given up: " + why);
    }

    /**
     * An outage in the log when it starts, not only once items are given up (about 4 minutes later
     * with the default backoff, longer with a larger maxAttempts): the first failed attempt that will be tried again, then at most one line
     * every {@link #RETRIES_SAID_EVERY} with how many failed since. The audit trail has each.
     */
    private void sayRetried(Failed failed) {
        int unsaid = retries.due(clock.instant());
        if (unsaid > 0) {
            LOG.warn("write-back: {} and will be tried again, with backoff, up to writeBack.maxAttempts ({}); the last"
                    + " [{}] {}; each is in the audit trail", unsaid == 1 ? "an attempt failed" : unsaid
                    + " attempts failed since the last such line", settings.maxAttempts(), failed.code, failed.getMessage());
        }
    }

    /** Items given up, in the log as attempts are: the first, then at most one line a minute with how many since. */
    private void sayGivenUp(String code, String why) {
        int unsaid = givenUpSaid.due(clock.instant());
        if (unsaid > 0) {
            LOG.warn("write-back: {} given up [{}] {}; each is in the audit trail", unsaid == 1 ? "an item was"
                    : unsaid + " items were, since the last such line, the last", code, why);
        }
    }

    /** A kind of log line said at most once every {@link #RETRIES_SAID_EVERY}, with how many happened since. */
    private static final class Said {
        private Instant at;
        private int unsaid;

        /** Counts one; how many to say now (this one and those unsaid since the last line), or 0 when not yet. */
        synchronized int due(Instant now) {
            unsaid++;
            if (at != null && now.isBefore(at.plus(RETRIES_SAID_EVERY))) {
                return 0;
            }
            int said = unsaid;
            unsaid = 0;
            at = now;
            return said;
        }
    }

    /** The wait after failed attempt {@code attempt} (from 1): firstRetryMillis doubled each time, at most maxRetryMillis. */
    long backoff(int attempt) {
        long wait = settings.firstRetryMillis();
        for (int i = 1; i < attempt && wait < settings.maxRetryMillis(); i++) {
            wait *= 2;
        }
        return Math.min(wait, settings.maxRetryMillis());
    }

    private String patientOf(String observationId) throws Failed {
        String patient;
        try {
            patient = assessments.patientOf(observationId);
        } catch (PopulationReader.ReadFailed e) {
            throw failed(e, "the finding is not on the server");
        }
        if (patient == null) {
            throw new Failed("PVP-N203", false, "the finding names no Patient of the server as its subject");
        }
        return patient;
    }

    private Done sweep(WorkQueue.Item item) throws Failed, SQLException {
        List<String> patients;
        try {
            patients = assessments.patientsChangedSince(item.receivedAt().minus(SWEEP_MARGIN));
        } catch (PopulationReader.ReadFailed e) {
            throw failed(e, "the findings cannot be searched");
        }
        int added = queue.add(WorkQueue.PATIENT, patients, item.source());
        if (added > 0) {
            wake();
        }
        return new Done("sweep: " + patients.size() + " patients with findings saved lately, " + added + " queued");
    }

    private Done writeBack(String patient) throws Failed {
        List<RiskAssessment> risks;
        try {
            risks = assessments.assess(patient);
        } catch (PopulationReader.ReadFailed e) {
            throw failed(e, "the patient is not on the server");
        } catch (ServerAssessments.PatientMissing e) {
            throw new Failed("PVP-N203", false, e.getMessage());
        } catch (InputException e) {
            if ("PVP-E109".equals(e.code())) {
                return new Done("no finding the model reads: nothing written");
            }
            // The code only: the message may quote the findings.
            throw new Failed("PVP-N204", false, "the findings cannot be used (" + e.code() + ")");
        }
        if (risks.isEmpty()) {
            return new Done("no finding the model reads, or none that states its vertebral level: nothing written");
        }
        Map<WriteBack.Outcome, Integer> counts = new EnumMap<>(WriteBack.Outcome.class);
        for (RiskAssessment risk : risks) {
            WriteBack.Outcome outcome = write(risk);
            counts.merge(outcome, 1, Integer::sum);
            written.get(outcome).increment();
        }
        return new Done("created " + counts.getOrDefault(WriteBack.Outcome.CREATED, 0) + ", updated "
                + counts.getOrDefault(WriteBack.Outcome.UPDATED, 0) + ", unchanged "
                + counts.getOrDefault(WriteBack.Outcome.UNCHANGED, 0));
    }

    /**
     * Writes one RiskAssessment by {@link WriteBack}. Its failure's words start with the
     * RiskAssessment's identifier, which names the patient: they are left out of what is recorded.
     */
    private WriteBack.Outcome write(RiskAssessment risk) throws Failed {
        try {
            return writes.write(client, risk).outcome();
        } catch (WriteBack.Failed e) {
            String why = e.getMessage().substring(e.getMessage().indexOf(": ") + 2);
            throw new Failed(e.retryable() ? "PVP-N201" : "PVP-N205", e.retryable(), "the RiskAssessment was not"
                    + " written: " + why);
        }
    }

    /**
     * A read that failed, sorted: worth trying again ({@code PVP-N201}), not there ({@code PVP-N203}),
     * an answer that cannot be used ({@code PVP-N206}: not valid FHIR R4, or paging that leaves the
     * server, repeats or goes on past the cap), or refused ({@code PVP-N205}). Its words name no patient.
     */
    private static Failed failed(PopulationReader.ReadFailed e, String whenNotFound) {
        if (e.retryable()) {
            return new Failed("PVP-N201", true, e.why());
        }
        if (e.notFound()) {
            return new Failed("PVP-N203", false, whenNotFound + " (" + e.status() + ")");
        }
        boolean unusable = e.cause() == PopulationReader.Cause.INVALID || e.cause() == PopulationReader.Cause.PAGING;
        return new Failed(unusable ? "PVP-N206" : "PVP-N205", false, e.why());
    }

    private void record(WorkQueue.Item item, String patient, int status, String code, long start, String detail) {
        audit.later(new AuditTrail.Event(clock.instant(), EVENT, node.get(), null, null, SERVICE,
                audit.patientHmac(patient), rules.get(), status, code, (System.nanoTime() - start) / 1_000_000, null,
                item.source() + " " + item.kind() + ", attempt " + item.attempts() + ": " + detail));
    }

    private static String firstLine(Exception e) {
        return String.valueOf(e.getMessage()).split("\n")[0];
    }

    /** Stops after the item in hand. */
    @Override
    public void close() {
        stopped = true;
        wake();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
