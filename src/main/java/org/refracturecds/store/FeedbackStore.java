package org.refracturecds.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Card feedback, in the table {@code cds_feedback} (V1__feedback.sql): one row per item. */
public final class FeedbackStore {

    private static final String INSERT = """
            INSERT INTO cds_feedback (service_id, card_uuid, outcome, accepted_suggestions, override_code,
                                      user_comment, outcome_timestamp, received_at, item_key)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""";
    /** The SQL state of a unique key already taken, on H2 and PostgreSQL alike. */
    private static final String UNIQUE_VIOLATION = "23505";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SELECT = """
            SELECT card_uuid, outcome, accepted_suggestions, override_code, user_comment, outcome_timestamp
            FROM cds_feedback
            WHERE service_id = ?
            ORDER BY id""";

    private final Database database;
    private final Clock clock;

    public FeedbackStore(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /**
     * Stores every item, or none; when it returns, they are stored durably ({@link Database#write}).
     *
     * @return the items stored now: not those stored already, as they are, by an earlier request
     */
    public List<Feedback> store(String serviceId, List<Feedback> items) throws SQLException {
        return store(serviceId, items, null);
    }

    /** As {@link #store(String, List)}, with the request's audit row (or null) in the same transaction. */
    public List<Feedback> store(String serviceId, List<Feedback> items, AuditTrail.Event audit) throws SQLException {
        OffsetDateTime now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        return database.write(connection -> {
            List<Feedback> stored = new ArrayList<>();
            try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
                for (Feedback item : items) {
                    insert.setString(1, serviceId);
                    insert.setString(2, item.card());
                    insert.setString(3, item.outcome());
                    insert.setString(4, String.join(",", item.acceptedSuggestions()));
                    insert.setString(5, item.overrideCode());
                    insert.setString(6, item.userComment());
                    insert.setString(7, item.outcomeTimestamp());
                    insert.setObject(8, now);
                    insert.setString(9, key(serviceId, item));
                    // An item stored already (by this request, an earlier one, or one committing now on any node)
                    // takes its key: that insert alone is undone, the rest of the transaction goes on.
                    Savepoint before = connection.setSavepoint();
                    try {
                        insert.executeUpdate();
                        connection.releaseSavepoint(before);
                        stored.add(item);
                    } catch (SQLException e) {
                        if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                            throw e;
                        }
                        connection.rollback(before);
                    }
                }
            }
            if (audit != null) {
                AuditTrail.insert(connection, List.of(audit));
            }
            return stored;
        });
    }

    /**
     * What an item says, as one key: a SHA-256 of its fields and the service it was sent to, in order, as a JSON
     * array (so that no two items give the same text).
     */
    private static String key(String serviceId, Feedback item) {
        List<Object> fields = Arrays.asList(serviceId, item.card(), item.outcome(), item.acceptedSuggestions(),
                item.overrideCode(), item.userComment(), item.outcomeTimestamp());
        try {
            return Hashes.sha256Hex(JSON.writeValueAsBytes(fields));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a list of strings is JSON", e);
        }
    }

    /** Everything stored for one service, oldest first. */
    public List<Feedback> read(String serviceId) throws SQLException {
        return database.read(connection -> {
            List<Feedback> items = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(SELECT)) {
                select.setString(1, serviceId);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        String accepted = rows.getString(3);
                        items.add(new Feedback(rows.getString(1), rows.getString(2),
                                accepted == null || accepted.isEmpty() ? List.of() : Arrays.asList(accepted.split(",")),
                                rows.getString(4), rows.getString(5), rows.getString(6)));
                    }
                }
            }
            return items;
        });
    }
}
