package org.refracturecds.store;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Deletes a table's expired rows at most once a minute per node: the first caller after the minute
 * does it, the others go on. The statement takes the time now, less the rows' lifetime, as its one
 * parameter.
 */
final class ExpiredRows {

    private static final Duration EVERY = Duration.ofMinutes(1);

    private final Database database;
    private final Clock clock;
    private final String delete;
    private final Duration lifetime;
    private final AtomicReference<Instant> next;

    /** @param delete e.g. {@code DELETE FROM used_jwt_id WHERE expires_at < ?} */
    ExpiredRows(Database database, Clock clock, String delete) {
        this(database, clock, delete, Duration.ZERO);
    }

    /** @param lifetime how long a row lasts after the time the statement compares, e.g. its last use */
    ExpiredRows(Database database, Clock clock, String delete, Duration lifetime) {
        this.database = database;
        this.clock = clock;
        this.delete = delete;
        this.lifetime = lifetime;
        this.next = new AtomicReference<>(clock.instant());
    }

    void purge() throws SQLException {
        Instant now = clock.instant();
        Instant due = next.get();
        if (now.isBefore(due) || !next.compareAndSet(due, now.plus(EVERY))) {
            return;
        }
        database.writeNotDurably(connection -> {
            try (PreparedStatement purge = connection.prepareStatement(delete)) {
                purge.setObject(1, OffsetDateTime.ofInstant(now.minus(lifetime), ZoneOffset.UTC));
                return purge.executeUpdate();
            }
        });
    }
}
