package org.refracturecds.store;

import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * The JWT ids already used, in the table {@code used_jwt_id} (V2__used_jwt_ids.sql): the primary
 * key refuses a second use of a token on every node that shares the database. Rows whose token
 * can no longer be accepted are purged, at most once a minute per node. Written on every call, a
 * row is committed without waiting for the disk ({@link Database#writeNotDurably}): a crash of the
 * database may forget the tokens of its last second, a risk taken for the calls' speed.
 */
public final class UsedJwtIds {

    private static final String INSERT = "INSERT INTO used_jwt_id (token_id, expires_at) VALUES (?, ?)";
    private static final String PURGE = "DELETE FROM used_jwt_id WHERE expires_at < ?";
    /** SQLSTATE of a duplicate key, on H2 and on PostgreSQL. */
    private static final String UNIQUE_VIOLATION = "23505";

    private final Database database;
    private final ExpiredRows expired;

    public UsedJwtIds(Database database, Clock clock) {
        this.database = database;
        this.expired = new ExpiredRows(database, clock, PURGE);
    }

    /**
     * Records the first use of the token {@code jti} of {@code issuer}, remembered until {@code keepUntil}.
     *
     * @return false when the token was used before, here or on another node
     */
    public boolean firstUse(String issuer, String jti, Instant keepUntil) throws SQLException {
        purgeExpired();
        try {
            database.writeNotDurably(connection -> {
                try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
                    insert.setString(1, tokenId(issuer, jti));
                    insert.setObject(2, OffsetDateTime.ofInstant(keepUntil, ZoneOffset.UTC));
                    return insert.executeUpdate();
                }
            });
            return true;
        } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
                return false;
            }
            throw e;
        }
    }

    /** Deletes the rows of tokens that have expired; one caller a minute does it. */
    void purgeExpired() throws SQLException {
        expired.purge();
    }

    /** The issuer and the jti, hashed together; the issuer's length first, so that no two pairs give the same text. */
    private static String tokenId(String issuer, String jti) {
        return Hashes.sha256Hex((issuer.length() + ":" + issuer + jti).getBytes(StandardCharsets.UTF_8));
    }
}
