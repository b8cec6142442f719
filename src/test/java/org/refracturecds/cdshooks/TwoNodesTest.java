package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.store.Database;
import org.refracturecds.store.Feedback;
import org.refracturecds.store.TestDatabase;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;

/**
 * Two nodes behind one public URL, as behind a load balancer: two services in this JVM on distinct
 * ports, sharing one PostgreSQL. A token used on one is refused on the other; feedback sent to
 * either is in one table.
 */
class TwoNodesTest {

    @TempDir
    static Path dir;
    static RSAKey key;
    static RunningService first;
    static RunningService second;

    @BeforeAll
    static void start() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        Path jwks = dir.resolve("ehr-keys.json");
        Files.writeString(jwks, new JWKSet(key.toPublicJWK()).toString());
        Database.Settings database = TestDatabase.POSTGRESQL.fresh(dir);
        Map<String, Object> settings = Map.of("publicUrl", "https://cds.test",
                "database", database.url(), "databaseUser", database.user(),
                "auth", Map.of("mode", "verify", "issuers", List.of(Map.of("iss", JwtTest.ISSUER, "jwksFile", jwks.toString()))));
        first = new RunningService(dir, settings);
        second = new RunningService(dir, settings);
    }

    @AfterAll
    static void stop() throws Exception {
        first.close();
        second.close();
    }

    static String token() throws Exception {
        return JwtTest.sign(new RSASSASigner(key), JWSAlgorithm.RS384, "rsa-1", JwtTest.claims().build());
    }

    static ObjectNode feedback(String card) {
        ObjectNode body = RunningService.JSON.createObjectNode();
        body.putArray("feedback").addObject().put("card", card).put("outcome", "accepted")
                .put("outcomeTimestamp", "2026-01-15T09:30:00Z");
        return body;
    }

    @Test
    void aTokenUsedOnOneNode_isRefusedOnTheOther() throws Exception {
        String token = token();
        ObjectNode call = RunningService.example("patient-view.json");

        RunningService.Reply onFirst = first.post("/cds-services/pvp-refracture-risk", call, "Authorization", "Bearer " + token);
        RunningService.Reply onSecond = second.post("/cds-services/pvp-refracture-risk", call, "Authorization", "Bearer " + token);

        assertEquals(200, onFirst.status(), onFirst.body().toString());
        JwtTest.assertRefused(onSecond, "the token's jti was used before");
    }

    @Test
    void feedbackSentToEitherNode_isInOneTable() throws Exception {
        String toFirst = UUID.randomUUID().toString();
        String toSecond = UUID.randomUUID().toString();

        assertEquals(200, first.post("/cds-services/pvp-refracture-risk/feedback", feedback(toFirst),
                "Authorization", "Bearer " + token()).status());
        assertEquals(200, second.post("/cds-services/pvp-refracture-risk/feedback", feedback(toSecond),
                "Authorization", "Bearer " + token()).status());

        for (RunningService node : List.of(first, second)) {
            List<String> cards = node.server.feedback().read("pvp-refracture-risk").stream().map(Feedback::card).toList();
            assertTrue(cards.containsAll(List.of(toFirst, toSecond)), cards.toString());
        }
    }
}
