package org.refracturecds.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The surgeon's pages kept until their links expire, on each database, seen through another pool (another node). */
class ViewPagesTest {

    static final String ID = "x".repeat(43);

    @TempDir
    Path dir;

    static long rows(Database database) throws Exception {
        return database.read(connection -> {
            try (Statement count = connection.createStatement();
                 ResultSet result = count.executeQuery("SELECT COUNT(*) FROM view_page")) {
                result.next();
                return result.getLong(1);
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void aPageKeptByOneNode_isFoundByAnother_untilItIsPurgedAfterItExpires(TestDatabase kind) throws Exception {
        UsedJwtIdsTest.TestClock clock = new UsedJwtIdsTest.TestClock();
        Database.Settings settings = kind.fresh(dir);
        String page = "{\"patient\":\"Patient/p\",\"text\":\"" + "é".repeat(30_000) + "\"}";
        try (Database first = Database.open(settings); Database second = Database.open(settings);
             ViewPages keeper = new ViewPages(first, clock); ViewPages other = new ViewPages(second, clock)) {
            AtomicInteger workedOut = new AtomicInteger();
            keeper.keep(ID, () -> {
                workedOut.incrementAndGet();
                return page;
            }, clock.now.plus(Duration.ofMinutes(30)));
            assertEquals(page, keeper.find(ID).orElseThrow().page(), "the node that keeps it shows it at once");
            keeper.close();
            assertEquals(1, workedOut.get(), "the page's data is worked out once");
            assertEquals(1, rows(first), "written by the time the writer stops");

            assertEquals(page, other.find(ID).orElseThrow().page(), "the whole page, any length, as kept");
            assertEquals(clock.now.plus(Duration.ofMinutes(30)), other.find(ID).orElseThrow().expiresAt());
            assertTrue(other.find("y".repeat(43)).isEmpty());

            clock.now = clock.now.plus(Duration.ofMinutes(31));
            other.purgeExpired();
            assertEquals(0, rows(second));
            assertTrue(other.find(ID).isEmpty());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void aPageTheQueueCannotTake_isKeptByTheCaller(TestDatabase kind) throws Exception {
        UsedJwtIdsTest.TestClock clock = new UsedJwtIdsTest.TestClock();
        try (Database database = Database.open(kind.fresh(dir)); ViewPages pages = new ViewPages(database, clock)) {
            pages.close();
            pages.keep(ID, () -> "{}", clock.now.plus(Duration.ofMinutes(30)));
            assertEquals(1, rows(database), "a stopped writer takes nothing: the caller inserted it");
            assertEquals("{}", pages.find(ID).orElseThrow().page());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void aPageWhoseDataFails_isLeftOut_andTheOthersOfItsBatchAreWritten(TestDatabase kind) throws Exception {
        UsedJwtIdsTest.TestClock clock = new UsedJwtIdsTest.TestClock();
        try (Database database = Database.open(kind.fresh(dir))) {
            ViewPages pages = new ViewPages(database, clock);
            pages.keep("a".repeat(43), () -> {
                throw new IllegalStateException("no data");
            }, clock.now.plus(Duration.ofMinutes(30)));
            pages.keep(ID, () -> "{}", clock.now.plus(Duration.ofMinutes(30)));
            pages.close();
            assertEquals(1, rows(database));
            assertTrue(pages.find("a".repeat(43)).isEmpty());
        }
    }
}
