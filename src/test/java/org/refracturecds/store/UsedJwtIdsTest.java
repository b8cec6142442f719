package org.refracturecds.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** JWT ids used once, on each database. */
class UsedJwtIdsTest {

    static final String EHR = "https://ehr.test";

    @TempDir
    Path dir;

    /** A clock the test moves on. */
    static final class TestClock extends Clock {
        Instant now = Instant.parse("2026-01-15T09:30:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    static long rows(Database database) throws Exception {
        return database.read(connection -> {
            try (Statement count = connection.createStatement();
                 ResultSet result = count.executeQuery("SELECT COUNT(*) FROM used_jwt_id")) {
                result.next();
                return result.getLong(1);
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void aJwtId_isAcceptedOnce(TestDatabase kind) throws Exception {
        TestClock clock = new TestClock();
        try (Database database = Database.open(kind.fresh(dir))) {
            UsedJwtIds used = new UsedJwtIds(database, clock);

            assertTrue(used.firstUse(EHR, "jti-1", clock.now.plusSeconds(300)));
            assertFalse(used.firstUse(EHR, "jti-1", clock.now.plusSeconds(300)));
            assertTrue(used.firstUse("https://other-ehr.test", "jti-1", clock.now.plusSeconds(300)),
                    "another issuer's jti is its own");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void aJwtIdUsedThroughOnePool_isRefusedThroughAnother(TestDatabase kind) throws Exception {
        TestClock clock = new TestClock();
        Database.Settings settings = kind.fresh(dir);
        try (Database first = Database.open(settings)) {
            assertTrue(new UsedJwtIds(first, clock).firstUse(EHR, "jti-1", clock.now.plusSeconds(300)));
        }
        try (Database second = Database.open(settings)) {
            assertFalse(new UsedJwtIds(second, clock).firstUse(EHR, "jti-1", clock.now.plusSeconds(300)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void expiredJwtIds_arePurged_atMostOnceAMinute(TestDatabase kind) throws Exception {
        TestClock clock = new TestClock();
        try (Database database = Database.open(kind.fresh(dir))) {
            UsedJwtIds used = new UsedJwtIds(database, clock);
            used.firstUse(EHR, "short", clock.now.plusSeconds(30));
            used.firstUse(EHR, "long", clock.now.plusSeconds(600));

            clock.now = clock.now.plus(Duration.ofSeconds(45));
            used.firstUse(EHR, "third", clock.now.plusSeconds(300));
            assertEquals(3, rows(database), "the last purge was less than a minute ago");

            clock.now = clock.now.plus(Duration.ofSeconds(20));
            used.firstUse(EHR, "fourth", clock.now.plusSeconds(300));
            assertEquals(3, rows(database), "'short' expired and was purged");
        }
    }
}
