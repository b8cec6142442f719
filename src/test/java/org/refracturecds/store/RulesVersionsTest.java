package org.refracturecds.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Which rules are live, on each database. */
class RulesVersionsTest {

    static final String HASH_1 = "d5425f663ce2" + "0".repeat(52);
    static final String HASH_2 = "a1b2c3d4e5f6" + "1".repeat(52);
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-15T09:30:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void nothingPublished_isEmpty(TestDatabase kind) throws Exception {
        try (Database database = Database.open(kind.fresh(dir))) {
            assertEquals(Optional.empty(), new RulesVersions(database, CLOCK).live());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void theRulesPublishedLast_areLive_forEveryNodeOnTheDatabase(TestDatabase kind) throws Exception {
        Database.Settings settings = kind.fresh(dir);
        try (Database node1 = Database.open(settings)) {
            RulesVersions versions = new RulesVersions(node1, CLOCK);
            versions.publish(HASH_1, "2.0.0", "rules folder /etc/pvp/rules");
            versions.publish(HASH_2, "2.0.1", "rules folder /etc/pvp/rules");
        }

        try (Database node2 = Database.open(settings)) {
            assertEquals(Optional.of(new RulesVersions.Published(HASH_2, "2.0.1", CLOCK.instant(),
                    "rules folder /etc/pvp/rules")), new RulesVersions(node2, CLOCK).live());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void aHashThatIsNotSha256Hex_isRefused(TestDatabase kind) throws Exception {
        try (Database database = Database.open(kind.fresh(dir))) {
            RulesVersions versions = new RulesVersions(database, CLOCK);

            assertThrows(IllegalArgumentException.class, () -> versions.publish("d5425f663ce2", "2.0.0", "test"));
            assertEquals(Optional.empty(), versions.live());
        }
    }
}
