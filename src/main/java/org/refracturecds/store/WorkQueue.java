package org.refracturecds.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

/**
 * The write-back queue, in the table {@code work_item} (V9__work_item.sql): what a FHIR Subscription
 * notification asked for, kept until it is written back.
 *
 * <p>What it guarantees: an item {@link #add added} is committed durably before the call returns, so a
 * notification answered 200 survives a crash or restart. Any node {@link #claim claims} a due item
 * ({@code SELECT ... FOR UPDATE SKIP LOCKED}, the same SQL on PostgreSQL and H2, then a lease in
 * {@code claimed_until}); two nodes never claim the same item at once, and an item whose node died
 * mid-attempt is claimed again once its lease runs out. A patient already waiting is not queued twice.
 */
public final class WorkQueue {

    public static final String PATIENT = "patient";
    public static final String FINDING = "finding";
    public static final String SWEEP = "sweep";
    static final String PENDING = "pending";
    static final String GIVEN_UP = "given-up";

    private static final String ALREADY_WAITING = """
            SELECT id FROM work_item WHERE kind = ? AND resource_id = ? AND state = 'pending'
               AND claimed_until IS NULL""";
    /**
     * A sweep waiting, never tried, looks when it runs for every finding saved until then: one is enough.
     * One that failed and waits to be tried again does not stand for the next: it may be given up.
     */
    private static final String SWEEP_WAITING = """
            SELECT id FROM work_item WHERE kind = ? AND resource_id IS NULL AND state = 'pending'
               AND claimed_until IS NULL AND attempts = 0""";
    private static final String INSERT = """
            INSERT INTO work_item (kind, resource_id, source, received_at, state, attempts, next_attempt_at)
            VALUES (?, ?, ?, ?, 'pending', 0, ?)""";
    private static final String DUE = """
            SELECT id, kind, resource_id, source, received_at, attempts FROM work_item
             WHERE state = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
             ORDER BY next_attempt_at, id FETCH FIRST 1 ROWS ONLY FOR UPDATE SKIP LOCKED""";
    private static final String CLAIM = """
            UPDATE work_item SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1 WHERE id = ?""";
    private static final String DONE = "DELETE FROM work_item WHERE id = ?";
    private static final String RETRY = """
            UPDATE work_item SET claimed_by = NULL, claimed_until = NULL, next_attempt_at = ?, last_error = ?
             WHERE id = ?""";
    private static final String GIVE_UP = """
            UPDATE work_item SET claimed_by = NULL, claimed_until = NULL, state = 'given-up', next_attempt_at = ?,
                   last_error = ? WHERE id = ?""";
    private static final String COUNT = "SELECT COUNT(*) FROM work_item WHERE state = ?";
    private static final String GIVEN_UP_SINCE = """
            SELECT COUNT(*) FROM work_item WHERE state = 'given-up' AND next_attempt_at >= ?""";

    /**
     * A claimed item.
     *
     * @param attempts this attempt's number, from 1
     */
    public record Item(long id, String kind, String resourceId, String source, Instant receivedAt, int attempts) {
    }

    private final Database database;
    private final Clock clock;
    private final Duration lease;

    /** @param lease how long a claim holds; longer than one attempt can take */
    public WorkQueue(Database database, Clock clock, Duration lease) {
        this.database = database;
        this.clock = clock;
        this.lease = lease;
    }

    /**
     * Queues patients (kind {@link #PATIENT}), findings ({@link #FINDING}) or one sweep (an id null),
     * durably, in one transaction; one already waiting and not yet claimed is not queued again (a sweep
     * neither, while one waits that was never tried: it covers the next).
     *
     * @return how many items were added
     */
    public int add(String kind, List<String> ids, String source) throws SQLException {
        OffsetDateTime now = at(clock.instant());
        return database.write(connection -> {
            int added = 0;
            for (String id : ids) {
                if (waiting(connection, kind, id)) {
                    continue;
                }
                try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
                    insert.setString(1, kind);
                    insert.setString(2, id);
                    insert.setString(3, source);
                    insert.setObject(4, now);
                    insert.setObject(5, now);
                    added += insert.executeUpdate();
                }
            }
            return added;
        });
    }

    private static boolean waiting(Connection connection, String kind, String id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(id == null ? SWEEP_WAITING : ALREADY_WAITING)) {
            select.setString(1, kind);
            if (id != null) {
                select.setString(2, id);
            }
            try (ResultSet rows = select.executeQuery()) {
                return rows.next();
            }
        }
    }

    /** Claims the item due first for {@code node}, if any; its attempt count is already raised. */
    public Optional<Item> claim(String node) throws SQLException {
        Instant now = clock.instant();
        return database.write(connection -> {
            Item item;
            try (PreparedStatement due = connection.prepareStatement(DUE)) {
                due.setObject(1, at(now));
                due.setObject(2, at(now));
                try (ResultSet rows = due.executeQuery()) {
                    if (!rows.next()) {
                        return Optional.empty();
                    }
                    item = new Item(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getString(4),
                            rows.getObject(5, OffsetDateTime.class).toInstant(), rows.getInt(6) + 1);
                }
            }
            try (PreparedStatement claim = connection.prepareStatement(CLAIM)) {
                claim.setString(1, node);
                claim.setObject(2, at(now.plus(lease)));
                claim.setLong(3, item.id());
                claim.executeUpdate();
            }
            return Optional.of(item);
        });
    }

    /** The item is written back: it leaves the queue. */
    public void done(Item item) throws SQLException {
        update(DONE, statement -> statement.setLong(1, item.id()));
    }

    /** The item is tried again at {@code next}; {@code error} is its PVP code and reason, no patient data. */
    public void retry(Item item, Instant next, String error) throws SQLException {
        update(RETRY, statement -> {
            statement.setObject(1, at(next));
            statement.setString(2, cut(error));
            statement.setLong(3, item.id());
        });
    }

    /** The item is not tried again; it stays as given-up, counted by {@link #givenUpSince}. */
    public void giveUp(Item item, String error) throws SQLException {
        update(GIVE_UP, statement -> {
            statement.setObject(1, at(clock.instant()));
            statement.setString(2, cut(error));
            statement.setLong(3, item.id());
        });
    }

    /** The items waiting (pending), on every node. */
    public long pending() throws SQLException {
        return count(PENDING);
    }

    public long givenUp() throws SQLException {
        return count(GIVEN_UP);
    }

    /** The items given up at or after {@code since}. */
    public long givenUpSince(Instant since) throws SQLException {
        return database.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement(GIVEN_UP_SINCE)) {
                select.setObject(1, at(since));
                try (ResultSet rows = select.executeQuery()) {
                    rows.next();
                    return rows.getLong(1);
                }
            }
        });
    }

    private long count(String state) throws SQLException {
        return database.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement(COUNT)) {
                select.setString(1, state);
                try (ResultSet rows = select.executeQuery()) {
                    rows.next();
                    return rows.getLong(1);
                }
            }
        });
    }

    @FunctionalInterface
    private interface Binding {
        void bind(PreparedStatement statement) throws SQLException;
    }

    private void update(String sql, Binding binding) throws SQLException {
        database.write(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                binding.bind(statement);
                return statement.executeUpdate();
            }
        });
    }

    private static OffsetDateTime at(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static String cut(String text) {
        return text == null || text.length() <= 500 ? text : text.substring(0, 500);
    }
}
