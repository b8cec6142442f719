package org.refracturecds.workbench;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The workbench's sign-ins, in this node's memory: a random token in a cookie names one, which
 * lasts {@code idle} without use. Each holds its CSRF token, which every change must carry. A
 * restart signs everyone out; behind a load balancer, keep a browser on one node (sticky sessions).
 */
final class Sessions {

    /** One sign-in. */
    record Session(User user, String csrf, Instant lastUsed) {
    }

    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Duration idle;
    private final Clock clock;

    Sessions(Duration idle, Clock clock) {
        this.idle = idle;
        this.clock = clock;
    }

    /** A new random token of 256 bits. */
    String token() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return BASE64URL.encodeToString(bytes);
    }

    /** Signs {@code user} in: the token for the cookie. */
    String start(User user) {
        String token = token();
        sessions.put(token, new Session(user, token(), clock.instant()));
        purge();
        return token;
    }

    /** The sign-in a cookie names, when it has been used within the idle time; it counts as used now. */
    Optional<Session> find(String token) {
        if (token == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Session found = sessions.computeIfPresent(token, (key, session) ->
                session.lastUsed().plus(idle).isBefore(now) ? null : new Session(session.user(), session.csrf(), now));
        return Optional.ofNullable(found);
    }

    void end(String token) {
        if (token != null) {
            sessions.remove(token);
        }
    }

    long idleSeconds() {
        return idle.toSeconds();
    }

    private void purge() {
        Instant oldest = clock.instant().minus(idle);
        sessions.values().removeIf(session -> session.lastUsed().isBefore(oldest));
    }
}
