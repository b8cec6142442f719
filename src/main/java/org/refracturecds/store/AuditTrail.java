package org.refracturecds.store;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail, in the table {@code audit_event} (V6__audit_event.sql): who called which
 * service about which patient (as an HMAC), with which rules, and what was answered; and every
 * rules change. Never clinical content.
 *
 * <p>What it guarantees: a feedback request answered 200 has its audit row committed durably in the
 * same transaction as its feedback rows ({@link #insert}); a rules publication likewise with its
 * publication; the other rules events are written durably before the node goes on. A hook call's
 * row is queued ({@link #later}) and written by one background thread, in batches, durably, within about
 * a tenth of a second of the answer: a node killed in between loses the rows still queued, and
 * while the database cannot be written rows queue up to {@value #QUEUE_SIZE}, past which they are
 * dropped and counted in the log. Rows older than the retention are deleted once an hour.
 */
public final class AuditTrail implements AutoCloseable {

    public static final String HOOK_CALL = "hook-call";
    public static final String FEEDBACK = "feedback";
    /** A call of the FHIR face's operation ($pvp-refracture-risk). */
    public static final String FHIR_OPERATION = "fhir-operation";
    public static final String RULES_PUBLISHED = "rules-published";
    public static final String RULES_LOADED = "rules-loaded";
    public static final String RULES_REFUSED = "rules-refused";

    private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);
    static final int QUEUE_SIZE = 10_000;
    private static final int BATCH = 500;
    private static final Duration PURGE_EVERY = Duration.ofHours(1);

    private static final String INSERT = """
            INSERT INTO audit_event (occurred_at, event, node, client_iss, client_sub, service_id, patient_hmac,
                                     rules_version, rules_sha256, http_status, error_code, duration_ms, request_id, detail)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";
    private static final String PURGE = "DELETE FROM audit_event WHERE occurred_at < ?";

    /** The rules a call was answered with, or a rules event is about. */
    public record Rules(String version, String sha256) {
    }

    /**
     * One row. Text longer than its column is cut.
     *
     * @param event       {@link #HOOK_CALL}, {@link #FEEDBACK}, {@link #RULES_PUBLISHED}...
     * @param patientHmac from {@link #patientHmac}, never a patient id in clear
     * @param httpStatus  null for rules events
     * @param errorCode   the PVP code of an error answered or of rules refused, else null
     * @param detail      rules events: who published, where the rules came from
     */
    public record Event(Instant at, String event, String node, String clientIss, String clientSub, String serviceId,
                        String patientHmac, Rules rules, Integer httpStatus, String errorCode, Long durationMs,
                        String requestId, String detail) {

        public Event {
            node = cut(node, 200);
            clientIss = cut(clientIss, 500);
            clientSub = cut(clientSub, 500);
            serviceId = cut(serviceId, 100);
            errorCode = cut(errorCode, 20);
            requestId = cut(requestId, 100);
            detail = cut(detail, 500);
        }

        /** A rules event on {@code node}. */
        public static Event rules(Instant at, String event, String node, Rules rules, String errorCode, String detail) {
            return new Event(at, event, node, null, null, null, null, rules, null, errorCode, null, null, detail);
        }
    }

    private final Database database;
    private final Clock clock;
    private final Duration retention;
    /** The installation's key for patient ids, or null: then no patient reference is recorded. */
    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;
    private final AtomicLong dropped = new AtomicLong();
    private final BatchWriter<Event> writer;
    private Instant nextPurge;

    /**
     * @param patientKey    the installation's secret for the patients' HMACs (setting auditKeyEnv), or null
     * @param retentionDays how long rows are kept (setting auditRetentionDays)
     */
    public AuditTrail(Database database, Clock clock, String patientKey, int retentionDays) {
        this.database = database;
        this.clock = clock;
        this.retention = Duration.ofDays(retentionDays);
        this.key = patientKey == null ? null : new SecretKeySpec(patientKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.macs = ThreadLocal.withInitial(this::newMac);
        this.nextPurge = clock.instant();
        this.writer = new BatchWriter<>("audit rows", database, true, QUEUE_SIZE, BATCH, Duration.ofMillis(100),
                AuditTrail::insert,
                this::housekeeping, rows -> { });
    }

    /** Whether patients are recorded (as HMACs): only when a key is set. */
    public boolean recordsPatients() {
        return key != null;
    }

    /**
     * The HMAC-SHA256 (hex) of a patient id under the installation's key; null without a key or id.
     * A plain hash would not do: patient ids are few and guessable, so anyone reading the table
     * could hash every candidate id and find the patient. Without the key, which is not in the
     * database, the HMAC cannot be reversed that way; with it, an auditor finds a patient's rows by
     * computing the HMAC of that one id.
     */
    public String patientHmac(String patientId) {
        if (key == null || patientId == null) {
            return null;
        }
        return HexFormat.of().formatHex(macs.get().doFinal(patientId.getBytes(StandardCharsets.UTF_8)));
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java runtime has HmacSHA256", e);
        }
    }

    /** Queues a hook call's row for the background writer; never blocks, never fails the call. */
    public void later(Event event) {
        if (!writer.offer(event)) {
            if (dropped.getAndIncrement() == 0) {
                LOG.warn("audit rows are being dropped: the queue of {} rows is full (the database is slow or"
                        + " unreachable) or the service is stopping; the count follows when writing resumes", QUEUE_SIZE);
            }
        }
    }

    /** Writes a row durably, now, in a transaction of its own. */
    public void now(Event event) throws SQLException {
        database.write(connection -> insert(connection, List.of(event)));
    }

    /** Writes rows within the caller's transaction, so that they are committed with its other rows, or not at all. */
    public static int insert(Connection connection, List<Event> events) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            for (Event event : events) {
                insert.setObject(1, OffsetDateTime.ofInstant(event.at(), ZoneOffset.UTC));
                insert.setString(2, event.event());
                insert.setString(3, event.node());
                insert.setString(4, event.clientIss());
                insert.setString(5, event.clientSub());
                insert.setString(6, event.serviceId());
                insert.setString(7, event.patientHmac());
                insert.setString(8, event.rules() == null ? null : cut(event.rules().version(), 100));
                insert.setString(9, event.rules() == null ? null : event.rules().sha256());
                setInteger(insert, 10, event.httpStatus());
                insert.setString(11, event.errorCode());
                if (event.durationMs() == null) {
                    insert.setNull(12, Types.BIGINT);
                } else {
                    insert.setLong(12, event.durationMs());
                }
                insert.setString(13, event.requestId());
                insert.setString(14, event.detail());
                insert.addBatch();
            }
            return insert.executeBatch().length;
        }
    }

    private static void setInteger(PreparedStatement statement, int index, Integer value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.INTEGER);
        } else {
            statement.setInt(index, value);
        }
    }

    /** Deletes the rows older than the retention; returns how many. */
    public int purge() throws SQLException {
        OffsetDateTime before = OffsetDateTime.ofInstant(clock.instant().minus(retention), ZoneOffset.UTC);
        return database.write(connection -> {
            try (PreparedStatement purge = connection.prepareStatement(PURGE)) {
                purge.setObject(1, before);
                return purge.executeUpdate();
            }
        });
    }

    /** Between batches: says how many rows were dropped once the queue has room again, and purges when due. */
    private void housekeeping() {
        if (dropped.get() > 0 && writer.queued() < QUEUE_SIZE / 2) {
            LOG.warn("audit rows are queued again; {} rows were dropped meanwhile", dropped.getAndSet(0));
        }
        purgeWhenDue();
    }

    private void purgeWhenDue() {
        Instant now = clock.instant();
        if (now.isBefore(nextPurge)) {
            return;
        }
        nextPurge = now.plus(PURGE_EVERY);
        try {
            int deleted = purge();
            if (deleted > 0) {
                LOG.info("audit: {} rows older than {} days deleted", deleted, retention.toDays());
            }
        } catch (SQLException e) {
            LOG.warn("audit: old rows could not be deleted, tried again in an hour: {}", firstLine(e));
        }
    }

    /** Writes what is queued (waiting at most 5 s), then stops the writer. Call before closing the database. */
    @Override
    public void close() {
        writer.close();
    }

    private static String firstLine(Exception e) {
        return String.valueOf(e.getMessage()).split("\n")[0];
    }

    /** At most {@code length} UTF-16 units, never half a character: fits a VARCHAR of that length on both databases. */
    private static String cut(String text, int length) {
        if (text == null || text.length() <= length) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(length - 1)) ? length - 1 : length;
        return text.substring(0, end);
    }
}
