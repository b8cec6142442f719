package org.refracturecds.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Card feedback, in the table {@code cds_feedback} (V1__feedback.sql): one row per item. */
public final class FeedbackStore {

    private static final String INSERT = """
            INSERT INTO cds_feedback (service_id, card_uuid, outcome, accepted_suggestions, override_code,
                                      user_comment, outcome_timestamp, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)""";
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

    /** Stores every item, or none; when it returns, they are stored durably ({@link Database#write}). */
    public void store(String serviceId, List<Feedback> items) throws SQLException {
        store(serviceId, items, null);
    }

    /** As {@link #store(String, List)}, with the request's audit row (or null) in the same transaction. */
    public void store(String serviceId, List<Feedback> items, AuditTrail.Event audit) throws SQLException {
        OffsetDateTime now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        database.write(connection -> {
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
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            return audit == null ? 0 : AuditTrail.insert(connection, List.of(audit));
        });
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
