package org.refracturecds.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * The surgeon's pages, in the table {@code view_page} (V7__view_pages.sql): each page's data
 * under a random id until it expires, so that every node of one database can show a page another
 * made. Written on every assessment card, a row is committed without waiting for the disk
 * ({@link Database#writeNotDurably}): a crash of the database may lose the pages of its last
 * second, whose links then answer that the page is gone. Expired rows are purged at most once a
 * minute per node.
 */
public final class ViewPages {

    private static final String INSERT = "INSERT INTO view_page (page_id, expires_at, page) VALUES (?, ?, ?)";
    private static final String SELECT = "SELECT expires_at, page FROM view_page WHERE page_id = ?";
    private static final String PURGE = "DELETE FROM view_page WHERE expires_at < ?";

    /** A stored page: its data and when it expires. */
    public record Stored(String page, Instant expiresAt) {
    }

    private final Database database;
    private final ExpiredRows expired;

    public ViewPages(Database database, Clock clock) {
        this.database = database;
        this.expired = new ExpiredRows(database, clock, PURGE);
    }

    /** Keeps {@code page} under {@code id} until {@code expiresAt}. */
    public void store(String id, String page, Instant expiresAt) throws SQLException {
        purgeExpired();
        database.writeNotDurably(connection -> {
            try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
                insert.setString(1, id);
                insert.setObject(2, OffsetDateTime.ofInstant(expiresAt, ZoneOffset.UTC));
                insert.setString(3, page);
                return insert.executeUpdate();
            }
        });
    }

    /** The page under {@code id}, or empty when there is none (never stored, or purged after it expired). */
    public Optional<Stored> find(String id) throws SQLException {
        return database.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement(SELECT)) {
                select.setString(1, id);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? Optional.of(new Stored(row.getString(2),
                            row.getObject(1, OffsetDateTime.class).toInstant())) : Optional.<Stored>empty();
                }
            }
        });
    }

    /** Deletes the pages whose links have expired; one caller a minute does it. */
    void purgeExpired() throws SQLException {
        expired.purge();
    }
}
