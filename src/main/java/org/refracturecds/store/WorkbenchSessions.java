package org.refracturecds.store;

import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * The rules workbench's sign-ins and the OpenID Connect sign-ins under way, in the tables of
 * V11__workbench_sessions.sql, so that every node of one database knows them: a browser may go to
 * any node, and a restart signs nobody out. A token is kept as its SHA-256 only. A sign-in ends
 * {@code idle} after its last use; its last use is written at most once a minute. Expired rows
 * are purged at most once a minute per node.
 */
public final class WorkbenchSessions {

    /** One sign-in: who, with which role ("author", "approver"), how, and the CSRF token its changes carry. */
    public record Session(String userId, String userName, String role, String via, String csrf) {
    }

    /** An OpenID Connect sign-in begun: the browser's login cookie, the nonce and the PKCE verifier. */
    public record Begun(String browser, String nonce, String verifier) {
    }

    private static final Duration TOUCH = Duration.ofMinutes(1);
    private static final Duration BEGUN = Duration.ofMinutes(10);
    private static final String INSERT = """
            INSERT INTO workbench_session (token_sha256, user_id, user_name, user_role, signed_in_via, csrf, last_used)
            VALUES (?, ?, ?, ?, ?, ?, ?)""";
    private static final String SELECT = """
            SELECT user_id, user_name, user_role, signed_in_via, csrf, last_used
            FROM workbench_session WHERE token_sha256 = ?""";
    private static final String TOUCH_ROW = "UPDATE workbench_session SET last_used = ? WHERE token_sha256 = ?";
    private static final String DELETE = "DELETE FROM workbench_session WHERE token_sha256 = ?";
    private static final String INSERT_BEGUN = """
            INSERT INTO workbench_sign_in (state_sha256, browser_sha256, nonce, code_verifier, started_at)
            VALUES (?, ?, ?, ?, ?)""";
    private static final String SELECT_BEGUN = """
            SELECT browser_sha256, nonce, code_verifier, started_at
            FROM workbench_sign_in WHERE state_sha256 = ?""";
    private static final String DELETE_BEGUN = "DELETE FROM workbench_sign_in WHERE state_sha256 = ?";

    private final Database database;
    private final Clock clock;
    private final Duration idle;
    private final ExpiredRows expiredSessions;
    private final ExpiredRows expiredBegun;

    public WorkbenchSessions(Database database, Duration idle, Clock clock) {
        this.database = database;
        this.clock = clock;
        this.idle = idle;
        // A row's time is its last use or its start: "expired" is "older than now minus the lifetime".
        this.expiredSessions = new ExpiredRows(database, clock,
                "DELETE FROM workbench_session WHERE last_used < ?", idle);
        this.expiredBegun = new ExpiredRows(database, clock, "DELETE FROM workbench_sign_in WHERE started_at < ?", BEGUN);
    }

    /** Keeps the sign-in under {@code token}, durably. */
    public void start(String token, Session session) throws SQLException {
        expiredSessions.purge();
        database.write(connection -> {
            try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
                insert.setString(1, sha256(token));
                insert.setString(2, session.userId());
                insert.setString(3, session.userName());
                insert.setString(4, session.role());
                insert.setString(5, session.via());
                insert.setString(6, session.csrf());
                insert.setObject(7, utc(clock.instant()));
                return insert.executeUpdate();
            }
        });
    }

    /** The sign-in under {@code token} when it was used within the idle time; it counts as used now. */
    public Optional<Session> use(String token) throws SQLException {
        if (token == null) {
            return Optional.empty();
        }
        String key = sha256(token);
        Instant now = clock.instant();
        return database.writeNotDurably(connection -> {
            Session session;
            Instant lastUsed;
            try (PreparedStatement select = connection.prepareStatement(SELECT)) {
                select.setString(1, key);
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        return Optional.<Session>empty();
                    }
                    session = new Session(row.getString(1), row.getString(2), row.getString(3), row.getString(4),
                            row.getString(5));
                    lastUsed = row.getObject(6, OffsetDateTime.class).toInstant();
                }
            }
            if (lastUsed.plus(idle).isBefore(now)) {
                return Optional.<Session>empty();
            }
            if (lastUsed.plus(TOUCH).isBefore(now)) {
                try (PreparedStatement touch = connection.prepareStatement(TOUCH_ROW)) {
                    touch.setObject(1, utc(now));
                    touch.setString(2, key);
                    touch.executeUpdate();
                }
            }
            return Optional.of(session);
        });
    }

    /** Ends the sign-in under {@code token}, on every node. */
    public void end(String token) throws SQLException {
        if (token == null) {
            return;
        }
        database.write(connection -> {
            try (PreparedStatement delete = connection.prepareStatement(DELETE)) {
                delete.setString(1, sha256(token));
                return delete.executeUpdate();
            }
        });
    }

    /** Keeps an OpenID Connect sign-in begun under its {@code state} for 10 minutes. */
    public void begin(String state, Begun begun) throws SQLException {
        expiredBegun.purge();
        database.write(connection -> {
            try (PreparedStatement insert = connection.prepareStatement(INSERT_BEGUN)) {
                insert.setString(1, sha256(state));
                insert.setString(2, sha256(begun.browser()));
                insert.setString(3, begun.nonce());
                insert.setString(4, begun.verifier());
                insert.setObject(5, utc(clock.instant()));
                return insert.executeUpdate();
            }
        });
    }

    /**
     * The sign-in begun under {@code state} in the browser with login cookie {@code browser}, within
     * 10 minutes; it is taken, so a state serves once, on whichever node asks first.
     */
    public Optional<Begun> take(String state, String browser) throws SQLException {
        if (state == null || browser == null) {
            return Optional.empty();
        }
        String key = sha256(state);
        Instant oldest = clock.instant().minus(BEGUN);
        return database.write(connection -> {
            Begun begun;
            try (PreparedStatement select = connection.prepareStatement(SELECT_BEGUN)) {
                select.setString(1, key);
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next() || !row.getString(1).equals(sha256(browser))
                            || row.getObject(4, OffsetDateTime.class).toInstant().isBefore(oldest)) {
                        return Optional.<Begun>empty();
                    }
                    begun = new Begun(browser, row.getString(2), row.getString(3));
                }
            }
            try (PreparedStatement delete = connection.prepareStatement(DELETE_BEGUN)) {
                delete.setString(1, key);
                return delete.executeUpdate() == 1 ? Optional.of(begun) : Optional.<Begun>empty();
            }
        });
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static String sha256(String text) {
        return Hashes.sha256Hex(text.getBytes(StandardCharsets.UTF_8));
    }
}
