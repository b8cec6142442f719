package org.refracturecds.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Which rules are live, and their files, on each database. */
class RulesVersionsTest {

    static final String HASH_1 = "d5425f663ce2" + "0".repeat(52);
    static final String HASH_2 = "a1b2c3d4e5f6" + "1".repeat(52);
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-15T09:30:00Z"), ZoneOffset.UTC);
    static final String BY = "node a:8080, rules folder /etc/pvp/rules";

    @TempDir
    Path dir;

    static Map<String, byte[]> files(String version) {
        return Map.of("model.drl.csv", ("Version," + version).getBytes(StandardCharsets.UTF_8),
                "tests/before-pvp.yaml", "scenarios: []".getBytes(StandardCharsets.UTF_8),
                // an .xlsx decision table is binary: every byte value must come back as it went in
                "table.drl.xlsx", new byte[] {0, (byte) 0xff, 0x50, 0x4b, 10, 13});
    }

    static AuditTrail.Event published(String hash) {
        return AuditTrail.Event.rules(CLOCK.instant(), AuditTrail.RULES_PUBLISHED, "a:8080",
                new AuditTrail.Rules("2.0.1", hash), null, BY);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void nothingPublished_isEmpty(TestDatabase kind) throws Exception {
        try (Database database = Database.open(kind.fresh(dir))) {
            assertEquals(Optional.empty(), new RulesVersions(database, CLOCK).live());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void theRulesPublishedLast_areLive_forEveryNodeOnTheDatabase_withTheirFiles(TestDatabase kind) throws Exception {
        Database.Settings settings = kind.fresh(dir);
        try (Database node1 = Database.open(settings)) {
            RulesVersions versions = new RulesVersions(node1, CLOCK);
            versions.publish(HASH_1, "2.0.0", BY, files("2.0.0"), List.of());
            versions.publish(HASH_2, "2.0.1", BY, files("2.0.1"), List.of());
        }

        try (Database node2 = Database.open(settings)) {
            RulesVersions versions = new RulesVersions(node2, CLOCK);
            RulesVersions.Published live = versions.live().orElseThrow();
            assertEquals(new RulesVersions.Published(live.id(), HASH_2, "2.0.1", CLOCK.instant(), BY), live);
            Map<String, byte[]> files = versions.files(live.id());
            assertEquals(files("2.0.1").keySet(), files.keySet());
            for (Map.Entry<String, byte[]> file : files("2.0.1").entrySet()) {
                assertArrayEquals(file.getValue(), files.get(file.getKey()), file.getKey());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void theLiveRulesPublishedAgain_addNoRow_andOlderRulesPublishedAgain_areARollback(TestDatabase kind) throws Exception {
        try (Database database = Database.open(kind.fresh(dir))) {
            RulesVersions versions = new RulesVersions(database, CLOCK);
            versions.publish(HASH_1, "2.0.0", BY, files("2.0.0"), List.of());
            long first = versions.live().orElseThrow().id();

            Optional<RulesVersions.Published> again = versions.publish(HASH_1, "2.0.0", BY, files("2.0.0"), List.of());
            versions.publish(HASH_2, "2.0.1", BY, files("2.0.1"), List.of());
            versions.publish(HASH_1, "2.0.0", "user alice (rules publish)", files("2.0.0"), List.of());

            assertEquals(Optional.empty(), again);
            RulesVersions.Published live = versions.live().orElseThrow();
            assertEquals(HASH_1, live.sha256());
            assertTrue(live.id() > first);
            assertEquals("user alice (rules publish)", live.publishedBy());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void aPublication_isAuditedInItsOwnTransaction(TestDatabase kind) throws Exception {
        try (Database database = Database.open(kind.fresh(dir))) {
            RulesVersions versions = new RulesVersions(database, CLOCK);

            versions.publish(HASH_2, "2.0.1", BY, files("2.0.1"), List.of(published(HASH_2)));
            versions.publish(HASH_2, "2.0.1", BY, files("2.0.1"), List.of(published(HASH_2)));

            int rows = database.read(connection -> {
                try (PreparedStatement select = connection.prepareStatement(
                        "SELECT COUNT(*) FROM audit_event WHERE event = 'rules-published' AND rules_sha256 = ? AND detail = ?")) {
                    select.setString(1, HASH_2);
                    select.setString(2, BY);
                    try (ResultSet count = select.executeQuery()) {
                        count.next();
                        return count.getInt(1);
                    }
                }
            });
            assertEquals(1, rows, "the second publication of the same rules was not made, nor audited");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void aHashThatIsNotSha256Hex_isRefused(TestDatabase kind) throws Exception {
        try (Database database = Database.open(kind.fresh(dir))) {
            RulesVersions versions = new RulesVersions(database, CLOCK);

            assertThrows(IllegalArgumentException.class,
                    () -> versions.publish("d5425f663ce2", "2.0.0", "test", files("2.0.0"), List.of()));
            assertEquals(Optional.empty(), versions.live());
        }
    }
}
