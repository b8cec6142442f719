package org.refracturecds.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The rules published, in the tables {@code rules_version} (V3__rules_version.sql: which rules,
 * when, by whom) and {@code rules_file} (V5__rules_files.sql: their files): the publication with
 * the highest id names the rules every node is to serve. Rows are never changed, so the tables are
 * also the history, and publishing older files again is a rollback.
 */
public final class RulesVersions {

    /** One publication: which rules, when, by whom; {@code id} orders them. */
    public record Published(long id, String sha256, String version, Instant publishedAt, String publishedBy) {
    }

    private static final String INSERT = """
            INSERT INTO rules_version (sha256, version, published_at, published_by)
            VALUES (?, ?, ?, ?)""";
    private static final String INSERT_FILE = """
            INSERT INTO rules_file (rules_version_id, path, content)
            VALUES (?, ?, ?)""";
    private static final String LIVE = """
            SELECT id, sha256, version, published_at, published_by
            FROM rules_version
            ORDER BY id DESC
            FETCH FIRST 1 ROWS ONLY""";
    private static final String HISTORY = """
            SELECT id, sha256, version, published_at, published_by
            FROM rules_version
            ORDER BY id DESC
            FETCH FIRST 50 ROWS ONLY""";
    private static final String BY_HASH = """
            SELECT id, sha256, version, published_at, published_by
            FROM rules_version
            WHERE sha256 = ?
            ORDER BY id DESC
            FETCH FIRST 1 ROWS ONLY""";
    private static final String FILES = """
            SELECT path, content
            FROM rules_file
            WHERE rules_version_id = ?""";

    /** The channel on which a publication is signalled to every node on a PostgreSQL database. */
    private static final String PUBLISHED = "pvp_rules_published";

    private final Database database;
    private final Clock clock;

    public RulesVersions(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /**
     * Makes these rules the live ones, durably, unless they are already: with their files and the
     * audit rows of the publication, in one transaction. When two nodes publish at once, both rows
     * are stored and the one with the higher id (the one that began later) is the live one.
     *
     * @param sha256 the rules' SHA-256 in hex, as {@code GET /rules/status} shows it
     * @param files  the rules folder's files by path (tests/ included), as compiled
     * @param audit  the audit rows of the publication, written with it
     * @return the publication, or empty when these rules were already the live ones
     */
    public Optional<Published> publish(String sha256, String version, String publishedBy, Map<String, byte[]> files,
                                       List<AuditTrail.Event> audit) throws SQLException {
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("a rules hash is 64 lowercase hex digits, not '" + sha256 + "'");
        }
        OffsetDateTime now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        return database.write(connection -> {
            Optional<Published> live = live(connection);
            if (live.isPresent() && live.get().sha256().equals(sha256)) {
                return Optional.empty();
            }
            long id;
            try (PreparedStatement insert = connection.prepareStatement(INSERT, Statement.RETURN_GENERATED_KEYS)) {
                insert.setString(1, sha256);
                insert.setString(2, version);
                insert.setObject(3, now);
                insert.setString(4, publishedBy);
                insert.executeUpdate();
                try (ResultSet keys = insert.getGeneratedKeys()) {
                    keys.next();
                    id = keys.getLong(1);
                }
            }
            insertFiles(connection, INSERT_FILE, id, files);
            AuditTrail.insert(connection, audit);
            database.signal(connection, PUBLISHED);
            return Optional.of(new Published(id, sha256, version, now.toInstant(), publishedBy));
        });
    }

    /**
     * Runs {@code onPublished} as soon as any node or command publishes, on PostgreSQL (where it
     * is told at the commit); empty on H2, where polling {@link #live} is all there is.
     */
    public Optional<AutoCloseable> onPublished(Runnable onPublished) {
        return database.listen(PUBLISHED, onPublished);
    }

    /** The rules published last, or empty when none has been. */
    public Optional<Published> live() throws SQLException {
        return database.read(RulesVersions::live);
    }

    private static Optional<Published> live(java.sql.Connection connection) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(LIVE);
             ResultSet row = select.executeQuery()) {
            return row.next() ? Optional.of(published(row)) : Optional.empty();
        }
    }

    /** The latest publication of the rules with this SHA-256, live or not, or empty when they were never published. */
    public Optional<Published> find(String sha256) throws SQLException {
        return database.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement(BY_HASH)) {
                select.setString(1, sha256);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? Optional.of(published(row)) : Optional.<Published>empty();
                }
            }
        });
    }

    private static Published published(ResultSet row) throws SQLException {
        return new Published(row.getLong(1), row.getString(2), row.getString(3),
                row.getObject(4, OffsetDateTime.class).toInstant(), row.getString(5));
    }

    /** The latest 50 publications, newest first: what may be restored. */
    public List<Published> history() throws SQLException {
        return database.read(connection -> {
            List<Published> all = new java.util.ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(HISTORY);
                 ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    all.add(published(row));
                }
            }
            return all;
        });
    }

    /** The files of publication {@code id} by path; empty for a publication without files. */
    public Map<String, byte[]> files(long id) throws SQLException {
        return database.read(connection -> readFiles(connection, FILES, id));
    }

    /** The files by path that {@code sql} (path, content; one parameter, the owner's id) selects: a publication's or a draft's. */
    static Map<String, byte[]> readFiles(Connection connection, String sql, long id) throws SQLException {
        Map<String, byte[]> files = new TreeMap<>();
        try (PreparedStatement select = connection.prepareStatement(sql)) {
            select.setLong(1, id);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    files.put(rows.getString(1), rows.getBytes(2));
                }
            }
        }
        return files;
    }

    /**
     * Inserts rules files under one parent row: {@code sql} takes the parent's id, the file's path
     * and its bytes (a publication's files here, a workbench draft's in {@link WorkbenchDrafts}).
     */
    static void insertFiles(Connection connection, String sql, long id, Map<String, byte[]> files) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                insert.setLong(1, id);
                insert.setString(2, file.getKey());
                insert.setBytes(3, file.getValue());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }
}
