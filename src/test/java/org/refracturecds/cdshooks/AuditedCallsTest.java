package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.refracturecds.RuleFolders;
import org.refracturecds.authoring.LiveRules;
import org.refracturecds.facts.Settings;
import org.refracturecds.store.Database;
import org.refracturecds.store.TestDatabase;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;

/**
 * The audit trail over a real socket, on each database: a row for each hook call, refusals
 * included, each feedback request and each rules change; the caller from its verified token, the
 * patient only as an HMAC, no clinical content.
 */
class AuditedCallsTest {

    private static final String KEY = "an-installation-secret-of-at-least-32-characters";
    private static final String RISK = "/cds-services/pvp-refracture-risk";

    @TempDir
    Path dir;
    private RSAKey key;
    private Database.Settings settings;
    private RunningService service;
    private Database database;

    @AfterEach
    void stop() throws Exception {
        if (service != null) {
            service.close();
        }
        if (database != null) {
            database.close();
        }
    }

    /** The service with authentication and an audit key, on a fresh database of this kind. */
    private void start(TestDatabase kind, Map<String, Object> more, LiveRules rules) throws Exception {
        key = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        Path jwks = dir.resolve("ehr-keys.json");
        Files.writeString(jwks, new JWKSet(key.toPublicJWK()).toString());
        settings = kind.fresh(dir);
        Map<String, Object> all = new HashMap<>(Map.of("publicUrl", "https://cds.test", "database", settings.url(),
                "auditKey", KEY, "auth", Map.of("mode", "verify", "issuers",
                        List.of(Map.of("iss", JwtTest.ISSUER, "jwksFile", jwks.toString())))));
        if (settings.user() != null) {
            all.put("databaseUser", settings.user());
        }
        all.putAll(more);
        service = new RunningService(dir, all, rules);
        database = Database.open(settings);
    }

    private String bearer() throws Exception {
        return bearer(JwtTest.AUDIENCE);
    }

    private String bearer(String audience) throws Exception {
        return "Bearer " + JwtTest.sign(new RSASSASigner(key), JWSAlgorithm.RS384, "rsa-1",
                JwtTest.claims().audience(audience).build());
    }

    /** Every audit row, oldest first, column to value. */
    private List<Map<String, Object>> rows() throws SQLException {
        return database.read(connection -> {
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet row = connection.createStatement().executeQuery("SELECT * FROM audit_event ORDER BY id")) {
                ResultSetMetaData columns = row.getMetaData();
                while (row.next()) {
                    Map<String, Object> values = new LinkedHashMap<>();
                    for (int i = 1; i <= columns.getColumnCount(); i++) {
                        values.put(columns.getColumnName(i).toLowerCase(), row.getObject(i));
                    }
                    rows.add(values);
                }
            }
            return rows;
        });
    }

    /** The rows of one event, waiting (up to 10 s) until {@code count} are there. */
    private List<Map<String, Object>> await(String event, int count) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        Predicate<Map<String, Object>> ofEvent = row -> event.equals(row.get("event"));
        List<Map<String, Object>> rows = rows().stream().filter(ofEvent).toList();
        while (rows.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
            rows = rows().stream().filter(ofEvent).toList();
        }
        assertEquals(count, rows.size(), event + ": " + rows);
        return rows;
    }

    private static String hmac(String patientId) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(patientId.getBytes(StandardCharsets.UTF_8)));
    }

    private static Number number(Object value) {
        return (Number) value;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void aHookCall_isRecorded_withTheCaller_theHashedPatient_andTheRules_butNoClinicalContent(TestDatabase kind)
            throws Exception {
        start(kind, Map.of(), null);

        RunningService.Reply reply = service.post(RISK, RunningService.example("patient-view.json"),
                "Authorization", bearer(), "X-Request-Id", "ehr-call-0042");

        assertEquals(200, reply.status(), reply.body().toString());
        Map<String, Object> row = await("hook-call", 1).get(0);
        assertEquals(JwtTest.ISSUER, row.get("client_iss"));
        assertEquals("ehr-client", row.get("client_sub"));
        assertEquals("pvp-refracture-risk", row.get("service_id"));
        assertEquals(hmac("cleft"), row.get("patient_hmac"), "context.patientId is cleft");
        assertEquals(service.get("/rules/status").body().get("sha256").asText(), row.get("rules_sha256"));
        assertEquals("2.0.0", row.get("rules_version"));
        assertEquals(200, number(row.get("http_status")).intValue());
        assertNull(row.get("error_code"));
        assertTrue(number(row.get("duration_ms")).longValue() >= 0);
        assertTrue(String.valueOf(row.get("node")).matches(".+:" + service.server.port()), row.toString());
        assertEquals("ehr-call-0042", row.get("request_id"), "the caller's X-Request-Id");
        for (Map<String, Object> any : rows()) {
            for (Object value : any.values()) {
                String text = String.valueOf(value).toLowerCase();
                assertFalse(text.contains("cleft") || text.contains("refracture risk") || text.contains("%"),
                        "no patient id in clear, no clinical content: " + any);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void theFhirOperation_isAuthenticatedAndRecorded_asAHookCallIs(TestDatabase kind) throws Exception {
        start(kind, Map.of(), null);
        String findings = Files.readString(Path.of("examples/cleft-no-endplate-contact.json"));

        // a call with a JWT for the FHIR face's base, and one without
        RunningService.Reply done = service.post("/fhir/Patient/$pvp-refracture-risk", findings,
                "Authorization", bearer("https://cds.test/fhir"), "X-Request-Id", "fhir-call-7");
        RunningService.Reply refused = service.post("/fhir/Patient/$pvp-refracture-risk", findings);

        assertEquals(200, done.status(), done.body().toString());
        assertEquals("RiskAssessment", done.body().path("resourceType").asText());
        assertEquals(401, refused.status(), refused.body().toString());
        assertEquals("PVP-H201", refused.errorCode());
        assertEquals("Bearer", refused.header("WWW-Authenticate"));
        List<Map<String, Object>> rows = await("fhir-operation", 2);
        Map<String, Object> row = rows.stream().filter(r -> number(r.get("http_status")).intValue() == 200).findFirst().orElseThrow();
        assertEquals(JwtTest.ISSUER, row.get("client_iss"));
        assertEquals("Patient/$pvp-refracture-risk", row.get("service_id"));
        assertEquals(hmac("cleft"), row.get("patient_hmac"));
        assertEquals("fhir-call-7", row.get("request_id"));
        assertTrue(rows.stream().anyMatch(r -> "PVP-H201".equals(r.get("error_code"))), rows.toString());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void refusedCalls_areRecorded_withTheirStatusAndCode_andNoCaller(TestDatabase kind) throws Exception {
        start(kind, Map.of(), null);

        RunningService.Reply unauthenticated = service.post(RISK, RunningService.example("patient-view.json"));
        RunningService.Reply malformed = service.post(RISK, "{\"hook\": ", "Authorization", bearer());
        RunningService.Reply unknown = service.post("/cds-services/no-such-service", "{}", "Authorization",
                bearer("https://cds.test/cds-services/no-such-service"));

        assertEquals(401, unauthenticated.status());
        assertEquals(400, malformed.status());
        assertEquals(404, unknown.status());
        List<Map<String, Object>> rows = await("hook-call", 3);
        Map<Integer, Map<String, Object>> byStatus = new HashMap<>();
        rows.forEach(row -> byStatus.put(number(row.get("http_status")).intValue(), row));
        assertEquals("PVP-H201", byStatus.get(401).get("error_code"));
        assertNull(byStatus.get(401).get("client_iss"), "a refused token names no caller");
        assertEquals("PVP-H101", byStatus.get(400).get("error_code"));
        assertEquals(JwtTest.ISSUER, byStatus.get(400).get("client_iss"));
        assertNull(byStatus.get(400).get("patient_hmac"), "the body could not be read");
        assertEquals("PVP-H404", byStatus.get(404).get("error_code"));
        assertEquals("unknown", byStatus.get(404).get("service_id"), "the caller's text is not kept");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void feedbackAnswered200_hasItsAuditRow_committedWithIt(TestDatabase kind) throws Exception {
        start(kind, Map.of(), null);
        ObjectNode body = RunningService.JSON.createObjectNode();
        body.putArray("feedback").addObject().put("card", UUID.randomUUID().toString()).put("outcome", "accepted")
                .put("outcomeTimestamp", "2026-01-15T09:30:00Z");

        RunningService.Reply stored = service.post(RISK + "/feedback", body, "Authorization", bearer());
        List<Map<String, Object>> rows = rows().stream().filter(row -> "feedback".equals(row.get("event"))).toList();
        RunningService.Reply refused = service.post(RISK + "/feedback", "{\"feedback\": [{}]}", "Authorization", bearer());

        assertEquals(200, stored.status(), stored.body().toString());
        assertEquals(1, rows.size(), "read right after the 200, without waiting: " + rows);
        assertEquals(200, number(rows.get(0).get("http_status")).intValue());
        assertEquals("ehr-client", rows.get(0).get("client_sub"));
        assertEquals("pvp-refracture-risk", rows.get(0).get("service_id"));
        assertNull(rows.get(0).get("patient_hmac"), "feedback names no patient");
        assertEquals(400, refused.status());
        assertEquals(refused.errorCode(), await("feedback", 2).get(1).get("error_code"));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void rulesChanges_areRecorded_theStart_anEditThatWentLive_andOneThatWasRefused(TestDatabase kind) throws Exception {
        Path rules = RuleFolders.copy(dir.resolve("rules"));
        LiveRules live = LiveRules.load(rules, new Settings(null));
        live.watch();
        start(kind, Map.of(), live);

        RuleFolders.edit(rules, "model.drl.csv", "xiong-2021-logistic,2.0.0,", "xiong-2021-logistic,2.0.1,");
        List<Map<String, Object>> published = await("rules-published", 2);
        RuleFolders.edit(rules, "pipeline.drl", "$k    : Calibration()", "$k    : Calibrat()");
        Map<String, Object> refused = await("rules-refused", 1).get(0);

        assertEquals("started with " + rules, await("rules-loaded", 1).get(0).get("detail"));
        assertEquals(List.of("2.0.0", "2.0.1"), published.stream().map(row -> row.get("rules_version")).toList());
        assertEquals("node " + published.get(1).get("node") + ", rules folder " + rules, published.get(1).get("detail"));
        assertEquals(service.get("/rules/status").body().get("sha256").asText(), published.get(1).get("rules_sha256"));
        assertEquals("PVP-R001", refused.get("error_code"));
        assertEquals("rules folder " + rules, refused.get("detail"));
        assertNull(refused.get("http_status"));
    }
}
