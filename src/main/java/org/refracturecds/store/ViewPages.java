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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The surgeon's pages, in the table {@code view_page} (V7__view_pages.sql, V8): under a random id
 * until it expires, what each page is drawn from (for a card, what its assessment is run again
 * from: {@code view/KeptCard}), so that every node of one database can show a page another made.
 *
 * <p>A page is kept on every assessment card, so keeping it costs the card nothing: the page is
 * queued, and a background thread writes it out and inserts it with others in one
 * transaction, within a few tens of milliseconds of the answer. Until then this node shows it from the
 * queue. When the queue is full (the database is slow or down) the caller keeps the page itself,
 * and the card goes without its link only if that fails. Commits do not wait for the disk
 * ({@link Database#writeNotDurably}): a crash of the node or the database may lose the pages of
 * its last second, whose links then answer that the page is gone. Expired rows are purged at most
 * once a minute per node.
 */
public final class ViewPages implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ViewPages.class);
    private static final int QUEUE_SIZE = 1_000;
    private static final int BATCH = 50;
    /** The longest page the column holds (V8); a card's takes about a kilobyte. */
    static final int LONGEST = 1_000_000;
    private static final String INSERT = "INSERT INTO view_page (page_id, expires_at, page) VALUES (?, ?, ?)";
    private static final String SELECT = "SELECT expires_at, page FROM view_page WHERE page_id = ?";
    private static final String PURGE = "DELETE FROM view_page WHERE expires_at < ?";

    /** A stored page: its data and when it expires. */
    public record Stored(String page, Instant expiresAt) {
    }

    /** A page not yet inserted; its data is worked out once, by whichever thread asks first. */
    private static final class Pending {
        final String id;
        final Instant expiresAt;
        private Supplier<String> data;
        private String page;

        Pending(String id, Supplier<String> data, Instant expiresAt) {
            this.id = id;
            this.data = data;
            this.expiresAt = expiresAt;
        }

        synchronized String page() {
            if (page == null) {
                page = data.get();
                data = null;
            }
            return page;
        }
    }

    private final Database database;
    private final ExpiredRows expired;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final BatchWriter<Pending> writer;

    public ViewPages(Database database, Clock clock) {
        this.database = database;
        this.expired = new ExpiredRows(database, clock, PURGE);
        this.writer = new BatchWriter<>("view pages", database, false, QUEUE_SIZE, BATCH, Duration.ofMillis(20),
                this::insert,
                this::purgeQuietly, written -> written.forEach(page -> pending.remove(page.id)));
    }

    /**
     * Keeps the page under {@code id} until {@code expiresAt}; {@code data} gives its data, and is
     * called at most once, on another thread.
     *
     * @throws SQLException when the queue is full and the page cannot be kept now either
     */
    public void keep(String id, Supplier<String> data, Instant expiresAt) throws SQLException {
        Pending page = new Pending(id, data, expiresAt);
        pending.put(id, page);
        if (!writer.offer(page)) {
            try {
                database.writeNotDurably(connection -> {
                    insert(connection, List.of(page));
                    return null;
                });
            } finally {
                pending.remove(id);
            }
        }
    }

    /** The page under {@code id}, or empty when there is none (never kept, or purged after it expired). */
    public Optional<Stored> find(String id) throws SQLException {
        Pending queued = pending.get(id);
        if (queued != null) {
            return Optional.of(new Stored(queued.page(), queued.expiresAt));
        }
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

    /** Inserts the pages whose data can be worked out; one that cannot is left out and logged, never retried. */
    private void insert(Connection connection, List<Pending> pages) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            for (Pending page : pages) {
                String data;
                try {
                    data = page.page();
                } catch (RuntimeException e) {
                    LOG.warn("the data of a card's page could not be worked out, so its link will answer that the"
                            + " page is gone: {}", String.valueOf(e.getMessage()).split("\n")[0]);
                    continue;
                }
                if (data.length() > LONGEST) {
                    LOG.warn("a card's page has {} characters, more than the {} its column holds, so its link will"
                            + " answer that the page is gone", data.length(), LONGEST);
                    continue;
                }
                insert.setString(1, page.id);
                insert.setObject(2, OffsetDateTime.ofInstant(page.expiresAt, ZoneOffset.UTC));
                insert.setString(3, data);
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /** Deletes the pages whose links have expired; one caller a minute does it. */
    void purgeExpired() throws SQLException {
        expired.purge();
    }

    private void purgeQuietly() {
        try {
            purgeExpired();
        } catch (SQLException e) {
            LOG.warn("expired pages could not be deleted, tried again in a minute: {}",
                    String.valueOf(e.getMessage()).split("\n")[0]);
        }
    }

    /** Writes the pages queued (waiting at most 5 s). Call before closing the database. */
    @Override
    public void close() {
        writer.close();
    }
}
