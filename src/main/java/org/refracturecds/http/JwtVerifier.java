package org.refracturecds.http;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.refracturecds.store.UsedJwtIds;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;

/**
 * Verifies the JWT a CDS client sends with each call, as CDS Hooks 2.0 asks: signed with an
 * asymmetric algorithm (RS384 or ES384; "none" and HMAC are refused), by an issuer on the
 * allowlist with its configured keys (a JWK Set URL or file, or a jku that is itself allowlisted),
 * for this service (aud), within its lifetime (exp, iat), and never replayed (jti).
 */
public final class JwtVerifier {

    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS384, JWSAlgorithm.ES384);
    private static final int SKEW_SECONDS = 60;

    private final Map<String, ServiceConfig.Issuer> issuers = new ConcurrentHashMap<>();
    private final Map<String, JWKSource<SecurityContext>> keySources = new ConcurrentHashMap<>();
    private final UsedJwtIds usedIds;
    private final Clock clock;

    /** @param usedIds the tokens already used, shared by every node on the same database */
    public JwtVerifier(List<ServiceConfig.Issuer> allowed, UsedJwtIds usedIds, Clock clock) throws IOException, ParseException {
        this.usedIds = usedIds;
        this.clock = clock;
        for (ServiceConfig.Issuer issuer : allowed) {
            issuers.put(issuer.iss(), issuer);
            if (issuer.jwksFile() != null) {
                keySources.put("file:" + issuer.iss(),
                        new ImmutableJWKSet<>(JWKSet.parse(Files.readString(Path.of(issuer.jwksFile())))));
            }
        }
    }

    /** The CDS client a verified token names: its issuer and subject (null when the token has none). */
    public record Caller(String iss, String sub) {
    }

    /**
     * Checks the Authorization header of a call to one of {@code audiences}.
     *
     * @return who called, as the verified token says
     * @throws HttpError 401 saying what was wrong with the token
     * @throws SQLException when the used tokens cannot be checked
     */
    public Caller verify(String authorization, Set<String> audiences) throws SQLException {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw unauthorized("the Authorization header must be 'Bearer' and the CDS client's JWT");
        }
        SignedJWT jwt;
        JWTClaimsSet unverified;
        try {
            jwt = SignedJWT.parse(authorization.substring(7).trim());
            unverified = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw unauthorized("the bearer token is not a signed JWT (alg none is refused)");
        }
        JWSAlgorithm algorithm = jwt.getHeader().getAlgorithm();
        if (!ALGORITHMS.contains(algorithm)) {
            throw unauthorized("alg " + algorithm + " is refused: CDS Hooks tokens are signed with RS384 or ES384");
        }
        ServiceConfig.Issuer issuer = unverified.getIssuer() == null ? null : issuers.get(unverified.getIssuer());
        if (issuer == null) {
            throw unauthorized("the issuer (iss) is not on this service's allowlist (setting auth.issuers)");
        }
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, null));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys(issuer, jwt)));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(new HashSet<>(audiences),
                new JWTClaimsSet.Builder().issuer(issuer.iss()).build(), Set.of("iss", "aud", "exp", "iat", "jti"), null);
        claims.setMaxClockSkew(SKEW_SECONDS);
        processor.setJWTClaimsSetVerifier(claims);
        JWTClaimsSet verified;
        try {
            verified = processor.process(jwt, null);
        } catch (BadJOSEException | JOSEException e) {
            throw unauthorized("the token was refused: " + e.getMessage());
        }
        long now = clock.millis();
        if (verified.getIssueTime().after(new Date(now + SKEW_SECONDS * 1000L))) {
            throw unauthorized("the token's iat is in the future");
        }
        Instant acceptableUntil = verified.getExpirationTime().toInstant().plusSeconds(SKEW_SECONDS);
        if (!usedIds.firstUse(issuer.iss(), verified.getJWTID(), acceptableUntil)) {
            throw unauthorized("the token's jti was used before: each call needs a new token");
        }
        return new Caller(issuer.iss(), verified.getSubject());
    }

    /**
     * The keys to verify the token with. The configured keys (jwksFile, else jwksUrl) come first:
     * a token whose kid names one of them is verified with it, whatever jku it names. Only for a
     * key not configured is the token's jku used, when it is on the issuer's jku list; its keys
     * are fetched once and cached.
     */
    private JWKSource<SecurityContext> keys(ServiceConfig.Issuer issuer, SignedJWT jwt) {
        JWKSource<SecurityContext> configured = issuer.jwksFile() != null ? keySources.get("file:" + issuer.iss())
                : issuer.jwksUrl() != null ? remote(issuer.jwksUrl()) : null;
        String kid = jwt.getHeader().getKeyID();
        if (jwt.getHeader().getJWKURL() == null || configured != null && kid != null && holds(configured, kid)) {
            if (configured == null) {
                throw unauthorized("this issuer's keys are named by jku, and the token has none");
            }
            return configured;
        }
        URL jku = toUrl(jwt.getHeader().getJWKURL().toString());
        if (!issuer.jku().contains(jku.toString())) {
            throw unauthorized("the token's jku is not on this issuer's allowlist (auth.issuers[].jku), and its kid"
                    + " names no configured key");
        }
        return remote(jku.toString());
    }

    /** Whether {@code keys} hold a key with this kid; keys that cannot be had hold none. */
    private static boolean holds(JWKSource<SecurityContext> keys, String kid) {
        try {
            return !keys.get(new JWKSelector(new JWKMatcher.Builder().keyID(kid).build()), null).isEmpty();
        } catch (KeySourceException e) {
            return false;
        }
    }

    /** A JWK Set URL from the configuration, fetched with timeouts and cached. */
    private JWKSource<SecurityContext> remote(String url) {
        return keySources.computeIfAbsent(url, u -> JWKSourceBuilder.<SecurityContext>create(toUrl(u),
                new NoRedirects()).build());
    }

    /** Nimbus's retriever, except that a redirect is refused: the keys come from the URL allowed, not from where it points. */
    private static final class NoRedirects extends DefaultResourceRetriever {

        NoRedirects() {
            super(1000, 1000, 256 * 1024);
        }

        @Override
        protected HttpURLConnection openHTTPConnection(URL url) throws IOException {
            HttpURLConnection connection = super.openHTTPConnection(url);
            connection.setInstanceFollowRedirects(false);
            return connection;
        }
    }

    private static URL toUrl(String url) {
        try {
            return new URL(url);
        } catch (MalformedURLException e) {
            throw unauthorized("the token's jku is not a URL");
        }
    }

    private static HttpError unauthorized(String message) {
        return new HttpError(401, "PVP-H201", "Authorization", message);
    }
}
