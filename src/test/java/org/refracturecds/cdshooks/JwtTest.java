package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;

/** JWT verification with keys generated here: the EHR's keys in a JWK Set file, another's behind an allowlisted jku. */
class JwtTest {

    static final String ISSUER = "https://ehr.test";
    static final String JKU_ISSUER = "https://other-ehr.test";
    static final String AUDIENCE = "https://cds.test/cds-services/pvp-refracture-risk";

    @TempDir
    static Path dir;
    static RSAKey rsa;
    static ECKey ec;
    static RSAKey jkuKey;
    static HttpServer keyServer;
    static String jku;
    static final AtomicInteger keyFetches = new AtomicInteger();
    static RunningService service;

    @BeforeAll
    static void start() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ec = new ECKeyGenerator(Curve.P_384).keyID("ec-1").generate();
        jkuKey = new RSAKeyGenerator(2048).keyID("jku-1").generate();
        Path jwks = dir.resolve("ehr-keys.json");
        Files.writeString(jwks, new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString());
        keyServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] published = new JWKSet(jkuKey.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        keyServer.createContext("/jwks.json", exchange -> {
            keyFetches.incrementAndGet();
            exchange.sendResponseHeaders(200, published.length);
            exchange.getResponseBody().write(published);
            exchange.close();
        });
        keyServer.createContext("/moved.json", exchange -> {
            exchange.getResponseHeaders().add("Location", "/jwks.json");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        keyServer.start();
        jku = "http://127.0.0.1:" + keyServer.getAddress().getPort() + "/jwks.json";
        service = new RunningService(dir, Map.of("publicUrl", "https://cds.test", "auth", Map.of("mode", "verify",
                "issuers", List.of(Map.of("iss", ISSUER, "jwksFile", jwks.toString()),
                        Map.of("iss", JKU_ISSUER, "jku", List.of(jku, moved()))))));
    }

    @AfterAll
    static void stop() throws Exception {
        service.close();
        keyServer.stop(0);
    }

    static JWTClaimsSet.Builder claims() {
        Date now = new Date();
        return new JWTClaimsSet.Builder().issuer(ISSUER).subject("ehr-client").audience(AUDIENCE)
                .issueTime(now).expirationTime(new Date(now.getTime() + 300_000)).jwtID(UUID.randomUUID().toString());
    }

    static String sign(JWSSigner signer, JWSAlgorithm algorithm, String keyId, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(keyId).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    static RunningService.Reply call(String token) throws Exception {
        return service.post("/cds-services/pvp-refracture-risk", RunningService.example("patient-view.json"),
                "Authorization", "Bearer " + token);
    }

    static void assertRefused(RunningService.Reply reply, String because) {
        assertEquals(401, reply.status(), reply.body().toString());
        assertEquals("PVP-H201", reply.errorCode());
        assertEquals("Bearer", reply.header("WWW-Authenticate"));
        assertTrue(reply.body().at("/issue/0/details/text").asText().contains(because), reply.body().toString());
    }

    @Test
    void rs384TokenFromTheIssuer_isAccepted() throws Exception {
        assertEquals(200, call(sign(new RSASSASigner(rsa), JWSAlgorithm.RS384, "rsa-1", claims().build())).status());
    }

    @Test
    void es384TokenFromTheIssuer_isAccepted() throws Exception {
        assertEquals(200, call(sign(new ECDSASigner(ec), JWSAlgorithm.ES384, "ec-1", claims().build())).status());
    }

    @Test
    void tokenWithAnAllowlistedJku_isAcceptedWithTheKeysFetchedFromIt() throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS384).keyID("jku-1").type(JOSEObjectType.JWT)
                .jwkURL(URI.create(jku)).build(), claims().issuer(JKU_ISSUER).build());
        jwt.sign(new RSASSASigner(jkuKey));

        assertEquals(200, call(jwt.serialize()).status());
        assertTrue(keyFetches.get() >= 1);
    }

    /** An allowlisted jku whose server redirects to the keys. */
    static String moved() {
        return jku.replace("jwks.json", "moved.json");
    }

    @Test
    void allowlistedJkuThatRedirects_isRefusedWithoutFollowing() throws Exception {
        int before = keyFetches.get();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS384).keyID("jku-1").type(JOSEObjectType.JWT)
                .jwkURL(URI.create(moved())).build(), claims().issuer(JKU_ISSUER).build());
        jwt.sign(new RSASSASigner(jkuKey));

        assertRefused(call(jwt.serialize()), "the token was refused");
        assertEquals(before, keyFetches.get());
    }

    @Test
    void tokenWithAJkuNotOnTheAllowlist_forAKeyNotConfigured_isRefusedWithoutFetching() throws Exception {
        int before = keyFetches.get();
        RSAKey unknown = new RSAKeyGenerator(2048).keyID("not-configured").generate();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS384).keyID("not-configured").type(JOSEObjectType.JWT)
                .jwkURL(URI.create(jku.replace("jwks.json", "evil.json"))).build(), claims().build());
        jwt.sign(new RSASSASigner(unknown));

        assertRefused(call(jwt.serialize()), "jku is not on this issuer's allowlist");
        assertEquals(before, keyFetches.get());
    }

    @Test
    void tokenWithAJku_whoseKidIsInTheConfiguredJwksFile_isVerifiedOffline() throws Exception {
        // given a token of the EHR whose keys are configured (jwksFile), naming a jku that is neither
        // allowlisted nor reachable (nothing listens on port 1)
        int before = keyFetches.get();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS384).keyID("rsa-1").type(JOSEObjectType.JWT)
                .jwkURL(URI.create("http://127.0.0.1:1/jwks.json")).build(), claims().build());
        jwt.sign(new RSASSASigner(rsa));

        // then the configured key with its kid verifies it, and no key set is fetched
        assertEquals(200, call(jwt.serialize()).status());
        assertEquals(before, keyFetches.get());
    }

    @Test
    void keysFromAnAllowlistedJku_areFetchedOnceAndCached() throws Exception {
        SignedJWT first = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS384).keyID("jku-1").type(JOSEObjectType.JWT)
                .jwkURL(URI.create(jku)).build(), claims().issuer(JKU_ISSUER).build());
        first.sign(new RSASSASigner(jkuKey));
        assertEquals(200, call(first.serialize()).status());
        int fetched = keyFetches.get();

        SignedJWT second = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS384).keyID("jku-1").type(JOSEObjectType.JWT)
                .jwkURL(URI.create(jku)).build(), claims().issuer(JKU_ISSUER).build());
        second.sign(new RSASSASigner(jkuKey));
        assertEquals(200, call(second.serialize()).status());

        assertEquals(fetched, keyFetches.get(), "the second token is verified with the cached keys");
    }

    @Test
    void noToken_isRefused() throws Exception {
        assertRefused(service.post("/cds-services/pvp-refracture-risk", RunningService.example("patient-view.json")),
                "Authorization header");
    }

    @Test
    void refusal_carriesCorsHeaders_soABrowserClientCanReadWhy() throws Exception {
        // given a browser page of the EHR calling without a token
        RunningService.Reply refused = service.post("/cds-services/pvp-refracture-risk",
                RunningService.example("patient-view.json"), "Origin", "https://ehr.example.org");
        RunningService.Reply notFound = service.send(HttpRequest.newBuilder(URI.create(service.base + "/nothing"))
                .header("Origin", "https://ehr.example.org"));

        // then the 401, like the 404, lets the page read it
        assertRefused(refused, "Authorization header");
        assertEquals(404, notFound.status());
        assertNotNull(notFound.header("Access-Control-Allow-Origin"));
        assertEquals(notFound.header("Access-Control-Allow-Origin"), refused.header("Access-Control-Allow-Origin"));
    }

    @Test
    void hmacToken_isRefused() throws Exception {
        byte[] secret = new byte[48];
        new SecureRandom().nextBytes(secret);
        assertRefused(call(sign(new MACSigner(secret), JWSAlgorithm.HS384, "rsa-1", claims().build())), "alg HS384 is refused");
    }

    @Test
    void unsignedToken_isRefused() throws Exception {
        assertRefused(call(new PlainJWT(claims().build()).serialize()), "not a signed JWT");
    }

    @Test
    void tokenForAnotherService_isRefused() throws Exception {
        JWTClaimsSet other = claims().audience("https://cds.test/cds-services/someone-else").build();
        assertRefused(call(sign(new RSASSASigner(rsa), JWSAlgorithm.RS384, "rsa-1", other)), "refused");
    }

    @Test
    void expiredToken_isRefused() throws Exception {
        Date past = new Date(System.currentTimeMillis() - 600_000);
        JWTClaimsSet expired = claims().issueTime(past).expirationTime(new Date(past.getTime() + 300_000)).build();
        assertRefused(call(sign(new RSASSASigner(rsa), JWSAlgorithm.RS384, "rsa-1", expired)), "Expired JWT");
    }

    @Test
    void reusedJti_isRefused() throws Exception {
        String token = sign(new RSASSASigner(rsa), JWSAlgorithm.RS384, "rsa-1", claims().build());

        assertEquals(200, call(token).status());
        assertRefused(call(token), "jti was used before");
    }

    @Test
    void unknownIssuer_isRefused() throws Exception {
        assertRefused(call(sign(new RSASSASigner(rsa), JWSAlgorithm.RS384, "rsa-1", claims().issuer("https://evil.test").build())),
                "not on this service's allowlist");
    }

    @Test
    void tokenSignedWithAnotherKey_isRefused() throws Exception {
        RSAKey stranger = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        assertRefused(call(sign(new RSASSASigner(stranger), JWSAlgorithm.RS384, "rsa-1", claims().build())), "refused");
    }

    @Test
    void discovery_needsNoToken() throws Exception {
        assertEquals(200, service.get("/cds-services").status());
    }
}
