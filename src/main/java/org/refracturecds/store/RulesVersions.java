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
 * The rules published, in the table {@code rules_version} (V3__rules_version.sql): the newest row
 * names the rules every node is to serve.
 */
public final class RulesVersions {

    /** One publication: which rules, when, by whom. */
    public record Published(String sha256, String version, Instant publishedAt, String publishedBy) {
    }

    private static final String INSERT = """
            INSERT INTO rules_version (sha256, version, published_at, published_by)
            VALUES (?, ?, ?, ?)""";
    private static final String LIVE = """
            SELECT sha256, version, published_at, published_by
            FROM rules_version
            ORDER BY id DESC
            FETCH FIRST 1 ROWS ONLY""";

    private final Database database;
    private final Clock clock;

    public RulesVersions(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /**
     * Makes the rules with this hash the live ones, durably.
     *
     * @param sha256 the rules' SHA-256 in hex, as {@code GET /rules/status} shows it
     */
    public void publish(String sha256, String version, String publishedBy) throws SQLException {
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("a rules hash is 64 lowercase hex digits, not '" + sha256 + "'");
        }
        OffsetDateTime now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        database.write(connection -> {
            try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
                insert.setString(1, sha256);
                insert.setString(2, version);
                insert.setObject(3, now);
                insert.setString(4, publishedBy);
                return insert.executeUpdate();
            }
        });
    }

    /** The rules published last, or empty when none has been. */
    public Optional<Published> live() throws SQLException {
        return database.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement(LIVE);
                 ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Published(row.getString(1), row.getString(2),
                        row.getObject(3, OffsetDateTime.class).toInstant(), row.getString(4)));
            }
        });
    }
}
