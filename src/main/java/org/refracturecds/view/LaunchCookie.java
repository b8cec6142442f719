package org.refracturecds.view;

import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.DirectDecrypter;
import com.nimbusds.jose.crypto.DirectEncrypter;

/**
 * What a SMART launch must remember until the EHR's authorization server sends the browser back:
 * the state, the PKCE verifier, the FHIR server ({@code iss}) and its token endpoint. It is kept in
 * the browser, in a cookie encrypted and authenticated under a key every node shares (JWE, direct
 * A256GCM, with Nimbus), so the callback may reach any node, and nothing is held in memory. The
 * cookie's name carries the state, so launches in two tabs do not overwrite each other.
 */
final class LaunchCookie {

    /** How long a launch may take from the EHR's click to the callback. */
    static final Duration VALIDITY = Duration.ofMinutes(10);
    private static final String PREFIX = "pvp-smart-";

    /** A launch under way. */
    record Pending(String state, String verifier, String iss, String tokenEndpoint, Instant expires) {
    }

    private final DirectEncrypter encrypter;
    private final DirectDecrypter decrypter;
    private final Clock clock;

    /** @param key 32 bytes, the same on every node */
    LaunchCookie(byte[] key, Clock clock) {
        try {
            this.encrypter = new DirectEncrypter(key);
            this.decrypter = new DirectDecrypter(key);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("a 256-bit key is needed", e);
        }
        this.clock = clock;
    }

    /** The cookie's name for a launch with {@code state}. */
    static String name(String state) {
        return PREFIX + state;
    }

    /** The Set-Cookie header that keeps {@code pending} in the browser until it expires. */
    String keep(Pending pending) {
        JWEObject jwe = new JWEObject(new JWEHeader(JWEAlgorithm.DIR, EncryptionMethod.A256GCM), new Payload(Map.of(
                "state", pending.state(), "verifier", pending.verifier(), "iss", pending.iss(),
                "token", pending.tokenEndpoint(), "exp", pending.expires().getEpochSecond())));
        try {
            jwe.encrypt(encrypter);
        } catch (JOSEException e) {
            throw new IllegalStateException("A256GCM encryption is available in every Java runtime", e);
        }
        return header(name(pending.state()), jwe.serialize(), VALIDITY.toSeconds());
    }

    /** The Set-Cookie header that removes the launch's cookie once it is used. */
    static String forget(String state) {
        return header(name(state), "", 0);
    }

    /**
     * The launch a callback with {@code state} ends, from its cookie's {@code value}; null when there is
     * no cookie, it was not made under this key, names another state, or has expired.
     */
    Pending open(String state, String value) {
        if (state == null || value == null) {
            return null;
        }
        try {
            JWEObject jwe = JWEObject.parse(value);
            if (!JWEAlgorithm.DIR.equals(jwe.getHeader().getAlgorithm())) {
                return null;
            }
            jwe.decrypt(decrypter);
            Map<String, Object> fields = jwe.getPayload().toJSONObject();
            Instant expires = Instant.ofEpochSecond(((Number) fields.get("exp")).longValue());
            if (!state.equals(fields.get("state")) || expires.isBefore(clock.instant())) {
                return null;
            }
            return new Pending(state, (String) fields.get("verifier"), (String) fields.get("iss"),
                    (String) fields.get("token"), expires);
        } catch (ParseException | JOSEException | RuntimeException e) {
            return null;
        }
    }

    /** HttpOnly, Secure (browsers keep Secure cookies of http://127.0.0.1 and localhost too), SameSite=Lax: sent on the redirect back. */
    private static String header(String name, String value, long seconds) {
        return name + "=" + value + "; Path=/smart/callback; Max-Age=" + seconds + "; HttpOnly; Secure; SameSite=Lax";
    }
}
