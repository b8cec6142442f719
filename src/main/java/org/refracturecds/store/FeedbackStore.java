package org.refracturecds.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/** Card feedback, in the table {@code cds_feedback} (V1__feedback.sql): one row per item. */
public final class FeedbackStore {

    /** An item, unless the same item of the same card is stored already: sent again, it is stored once. */
    private static final String INSERT = """
            INSERT INTO cds_feedback (service_id, card_uuid, outcome, accepted_suggestions, override_code,
                                      user_comment, outcome_timestamp, received_at)
            SELECT ?, ?, ?, ?, ?, ?, ?, ?
            WHERE NOT EXISTS (SELECT 1 FROM cds_feedback
                              WHERE card_uuid = ? AND service_id = ? AND outcome = ? AND accepted_suggestions IS NOT DISTINCT FROM ?
                                AND override_code IS NOT DISTINCT FROM ? AND user_comment IS NOT DISTINCT FROM ?
                                AND outcome_timestamp = ?)""";
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
                // An item twice in one request, once: H2's NOT EXISTS does not see a row this transaction added.
                for (Feedback item : new LinkedHashSet<>(items)) {
                    String accepted = String.join(",", item.acceptedSuggestions());
                    Object[] values = {serviceId, item.card(), item.outcome(), accepted, item.overrideCode(),
                            item.userComment(), item.outcomeTimestamp(), now, item.card(), serviceId, item.outcome(),
                            accepted, item.overrideCode(), item.userComment(), item.outcomeTimestamp()};
                    for (int i = 0; i < values.length; i++) {
                        if (values[i] instanceof OffsetDateTime time) {
                            insert.setObject(i + 1, time);
                        } else {
                            insert.setString(i + 1, (String) values[i]);
                        }
                    }
                    if (insert.executeUpdate() == 1) {
                        stored.add(item);
                    }
                }
            }
            if (audit != null) {
                AuditTrail.insert(connection, List.of(audit));
            }
            return stored;
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
