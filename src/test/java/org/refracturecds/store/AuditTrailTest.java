package org.refracturecds.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The audit trail's rows, on each database. */
class AuditTrailTest {

    static final String KEY = "0123456789abcdef0123456789abcdef-test-key";
    static final Instant NOW = Instant.parse("2026-01-15T09:30:00Z");
    static final AuditTrail.Rules RULES = new AuditTrail.Rules("2.0.0", "d5425f663ce2" + "0".repeat(52));

    @TempDir
    Path dir;
    Database database;
    AuditTrail trail;

    @AfterEach
    void close() {
        if (trail != null) {
            trail.close();
        }
        if (database != null) {
            database.close();
        }
    }

    AuditTrail open(TestDatabase kind, Clock clock, int retentionDays) throws SQLException {
        database = Database.open(kind.fresh(dir));
        trail = new AuditTrail(database, clock, KEY, retentionDays);
        return trail;
    }

    static AuditTrail.Event call(Instant at, String patientHmac, String requestId) {
        return new AuditTrail.Event(at, AuditTrail.HOOK_CALL, "node-a:8080", "https://ehr.test", "ehr-client",
                "pvp-refracture-risk", patientHmac, RULES, 200, null, 12L, requestId, null);
    }

    /** The rows' request ids and occurrence times, oldest first. */
    List<String> rows() throws SQLException {
        return database.read(connection -> {
            List<String> rows = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT request_id, occurred_at, patient_hmac, http_status, duration_ms FROM audit_event ORDER BY id");
                 ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    rows.add(row.getString(1) + " " + row.getObject(2, java.time.OffsetDateTime.class).toInstant()
                            + " " + row.getString(3) + " " + row.getInt(4) + " " + row.getLong(5));
                }
            }
            return rows;
        });
    }

    List<String> awaitRows(int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<String> rows = rows();
        while (rows.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
            rows = rows();
        }
        return rows;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void queuedCalls_areWritten_bytheBackgroundWriter(TestDatabase kind) throws Exception {
        AuditTrail trail = open(kind, Clock.systemUTC(), 400);
        String hmac = trail.patientHmac("patient-1");

        for (int i = 0; i < 1200; i++) {
            trail.later(call(NOW, hmac, "r-" + i));
        }

        List<String> rows = awaitRows(1200);
        assertEquals(1200, rows.size());
        assertEquals("r-0 " + NOW + " " + hmac + " 200 12", rows.get(0));
        assertEquals("r-1199 " + NOW + " " + hmac + " 200 12", rows.get(1199));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void closing_writesWhatIsQueued(TestDatabase kind) throws Exception {
        AuditTrail trail = open(kind, Clock.systemUTC(), 400);
        for (int i = 0; i < 300; i++) {
            trail.later(call(NOW, null, "r-" + i));
        }

        trail.close();

        assertEquals(300, rows().size());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void retention_deletesTheRowsOlderThanItOnly(TestDatabase kind) throws Exception {
        AuditTrail trail = open(kind, Clock.fixed(NOW, ZoneOffset.UTC), 30);
        trail.now(call(NOW.minus(Duration.ofDays(31)), null, "old"));
        trail.now(call(NOW.minus(Duration.ofDays(29)), null, "recent"));
        trail.now(call(NOW, null, "now"));

        trail.purge(); // the writer may have run its own first

        assertEquals(List.of("recent", "now"), rows().stream().map(row -> row.split(" ")[0]).toList());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void theWriter_deletesOldRows_byItself(TestDatabase kind) throws Exception {
        database = Database.open(kind.fresh(dir));
        // Written by a trail that keeps 100 years, so that its own start-up purge cannot race the check below.
        try (AuditTrail keepsAll = new AuditTrail(database, Clock.systemUTC(), null, 36_500)) {
            keepsAll.now(call(Instant.now().minus(Duration.ofDays(401)), null, "old"));
        }
        assertEquals(1, rows().size());

        trail = new AuditTrail(database, Clock.systemUTC(), null, 400);

        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!rows().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(List.of(), rows());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void longTexts_areCutToTheirColumns(TestDatabase kind) throws Exception {
        AuditTrail trail = open(kind, Clock.systemUTC(), 400);
        String emoji = "\uD83D\uDE00";

        trail.now(new AuditTrail.Event(NOW, AuditTrail.HOOK_CALL, "n".repeat(300), "i".repeat(499) + emoji,
                "s".repeat(2000), "x".repeat(500), null, RULES, 404, "PVP-H404", 1L, "q".repeat(300), null));

        String iss = database.read(connection -> {
            try (ResultSet row = connection.createStatement().executeQuery("SELECT client_iss FROM audit_event")) {
                row.next();
                return row.getString(1);
            }
        });
        assertEquals("i".repeat(499), iss, "never half a character");
    }

    @Test
    void thePatientHmac_isKeyed_soThatItCannotBeFoundByHashingGuessedIds() throws Exception {
        database = Database.open(TestDatabase.H2.fresh(dir));
        AuditTrail keyed = new AuditTrail(database, Clock.systemUTC(), KEY, 400);
        AuditTrail otherKey = new AuditTrail(database, Clock.systemUTC(), KEY + "-other", 400);
        AuditTrail unkeyed = new AuditTrail(database, Clock.systemUTC(), null, 400);
        String plainHash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("patient-1".getBytes(StandardCharsets.UTF_8)));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));

        String hmac = keyed.patientHmac("patient-1");

        assertEquals(HexFormat.of().formatHex(mac.doFinal("patient-1".getBytes(StandardCharsets.UTF_8))), hmac,
                "an auditor with the key finds a patient's rows by computing this");
        assertEquals(hmac, keyed.patientHmac("patient-1"));
        assertNotEquals(plainHash, hmac);
        assertNotEquals(hmac, otherKey.patientHmac("patient-1"));
        assertNotEquals(hmac, keyed.patientHmac("patient-2"));
        assertTrue(hmac.matches("[0-9a-f]{64}"));
        assertNull(unkeyed.patientHmac("patient-1"), "without a key no patient reference is recorded");
        assertNull(keyed.patientHmac(null));
        for (AuditTrail each : List.of(keyed, otherKey, unkeyed)) {
            each.close();
        }
    }
}
