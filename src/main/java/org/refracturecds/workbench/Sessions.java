package org.refracturecds.workbench;

import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

import org.refracturecds.store.Database;
import org.refracturecds.store.WorkbenchSessions;

/**
 * The workbench's sign-ins: a random token in a cookie names one, which lasts {@code idle} without
 * use. Each holds its CSRF token, which every change must carry. They are kept in the database
 * ({@link WorkbenchSessions}), so any node of one database knows them: no sticky sessions, and a
 * restart signs nobody out.
 */
final class Sessions {

    /** One sign-in. */
    record Session(User user, String csrf) {
    }

    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private final SecureRandom random = new SecureRandom();
    private final WorkbenchSessions store;
    private final Duration idle;

    Sessions(Database database, Duration idle, Clock clock) {
        this.store = new WorkbenchSessions(database, idle, clock);
        this.idle = idle;
    }

    /** A new random token of 256 bits. */
    String token() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return BASE64URL.encodeToString(bytes);
    }

    /** Signs {@code user} in: the token for the cookie. */
    String start(User user) throws SQLException {
        String token = token();
        store.start(token, new WorkbenchSessions.Session(user.id(), user.name(), user.role().word(), user.via(), token()));
        return token;
    }

    /** The sign-in a cookie names, when it has been used within the idle time; it counts as used now. */
    Optional<Session> find(String token) throws SQLException {
        return store.use(token).map(row -> new Session(new User(row.userId(), row.userName(),
                "approver".equals(row.role()) ? User.Role.APPROVER : User.Role.AUTHOR, row.via()), row.csrf()));
    }

    void end(String token) throws SQLException {
        store.end(token);
    }

    /** Keeps an OpenID Connect sign-in begun, for whichever node the provider sends the browser back to. */
    void begin(String state, WorkbenchSessions.Begun begun) throws SQLException {
        store.begin(state, begun);
    }

    /** The sign-in begun under {@code state} in this browser within 10 minutes, taken (it serves once). */
    Optional<WorkbenchSessions.Begun> take(String state, String browser) throws SQLException {
        return store.take(state, browser);
    }

    long idleSeconds() {
        return idle.toSeconds();
    }
}
