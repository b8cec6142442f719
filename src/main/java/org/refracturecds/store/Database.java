package org.refracturecds.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;

/**
 * The service's database: a connection pool (HikariCP) on one JDBC URL, the embedded H2 by default
 * or PostgreSQL, whose schema is brought up to date at start-up by the numbered migrations of
 * {@code src/main/resources/db/migration/} (Flyway). Each table has its own small class that holds
 * its SQL ({@link FeedbackStore}, {@link UsedJwtIds}, {@link RulesVersions}); the SQL is written to
 * run unchanged on both.
 */
public final class Database implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    /**
     * Where the database is and how to log in.
     *
     * @param url      a JDBC URL: {@code jdbc:h2:FILE} or {@code jdbc:postgresql://HOST:PORT/NAME}
     * @param user     the user, or null (H2's default user, or the one the URL names)
     * @param password the password, or null; it is never logged
     * @param poolSize the most connections held open at once
     */
    public record Settings(String url, String user, String password, int poolSize) {

        @Override
        public String toString() {
            return "Settings[url=" + withoutParameters(url) + ", user=" + user + ", poolSize=" + poolSize + "]";
        }
    }

    /** What to do in one transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final HikariDataSource pool;
    private final Settings settings;
    /**
     * Whether writes are forced to disk by hand: H2 answers a commit before it has written it (its
     * store writes every half second, WRITE_DELAY), so acknowledged rows were lost when the process
     * was killed; PostgreSQL's commit is durable as it returns.
     */
    private final boolean h2File;
    private final boolean postgreSql;
    /** The {@link #ping} running, which a ping asked meanwhile waits for rather than starting another. */
    private CompletableFuture<Void> ping = CompletableFuture.completedFuture(null);

    private Database(HikariDataSource pool, Settings settings, boolean h2File, boolean postgreSql) {
        this.pool = pool;
        this.settings = settings;
        this.h2File = h2File;
        this.postgreSql = postgreSql;
    }

    /**
     * Opens the pool and applies the migrations not yet applied.
     *
     * @throws SQLException when the database cannot be reached or its schema cannot be brought up to date;
     *                      the message says why, without the password
     */
    public static Database open(Settings settings) throws SQLException {
        HikariConfig config = new HikariConfig();
        config.setPoolName("pvp-database");
        config.setJdbcUrl(closedByTheService(settings.url()));
        config.setUsername(settings.user());
        config.setPassword(settings.password());
        config.setMaximumPoolSize(settings.poolSize());
        config.setMinimumIdle(Math.min(2, settings.poolSize()));
        config.setAutoCommit(false);
        config.setConnectionTimeout(5_000);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (HikariPool.PoolInitializationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new SQLException(String.valueOf(cause.getMessage()).split("\n")[0], cause);
        }
        try {
            Flyway.configure()
                    .dataSource(pool)
                    .locations("classpath:db/migration")
                    // A schema that already holds tables (the feedback table of versions before
                    // migrations, or a PostgreSQL schema shared with others) is taken as it is: the
                    // migrations create only what is missing.
                    .baselineOnMigrate(true)
                    .baselineVersion("0")
                    .load()
                    .migrate();
            boolean postgreSql;
            try (Connection connection = pool.getConnection()) {
                postgreSql = "PostgreSQL".equals(connection.getMetaData().getDatabaseProductName());
            }
            Database database = new Database(pool, settings, settings.url().startsWith("jdbc:h2:")
                    && !settings.url().startsWith("jdbc:h2:mem:"), postgreSql);
            database.warnWhenCommitsAreNotDurable();
            return database;
        } catch (FlywayException | SQLException e) {
            pool.close();
            throw new SQLException("the schema cannot be brought up to date: " + String.valueOf(e.getMessage())
                    .split("\n")[0], e);
        }
    }

    /**
     * Runs {@code work} in one transaction and commits it. When this returns the commit is durable:
     * PostgreSQL has flushed it to its write-ahead log (its default {@code synchronous_commit}), and
     * an H2 file has been written and forced to disk ({@code CHECKPOINT SYNC}), so a crash or power
     * loss right after cannot undo it. On an error the transaction is rolled back and nothing stays.
     */
    public <T> T write(Work<T> work) throws SQLException {
        return transaction(work, true);
    }

    /**
     * Runs {@code work} in one transaction and commits it without waiting for the disk: every
     * connection and node sees the commit at once, but a crash of the database within about a
     * second may undo it (PostgreSQL: {@code synchronous_commit} off for this transaction; H2: its
     * background writer). For rows whose loss on a crash costs little and which are written on every
     * request: the used JWT ids.
     */
    public <T> T writeNotDurably(Work<T> work) throws SQLException {
        return transaction(work, false);
    }

    private <T> T transaction(Work<T> work, boolean durable) throws SQLException {
        try (Connection connection = pool.getConnection()) {
            T result;
            try {
                if (!durable && postgreSql) {
                    try (Statement asynchronous = connection.createStatement()) {
                        asynchronous.execute("SET LOCAL synchronous_commit TO OFF");
                    }
                }
                result = work.run(connection);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
            if (durable && h2File) {
                try (Statement sync = connection.createStatement()) {
                    sync.execute("CHECKPOINT SYNC");
                }
            }
            return result;
        }
    }

    /** Runs {@code work}, which only reads, and ends its transaction. */
    public <T> T read(Work<T> work) throws SQLException {
        try (Connection connection = pool.getConnection()) {
            try {
                return work.run(connection);
            } finally {
                connection.rollback();
            }
        }
    }

    /**
     * Asks the database {@code SELECT 1} and waits at most {@code timeoutMillis} for the answer
     * (for the readiness check). A ping still running from before is waited for, not repeated, so
     * that probes of a database that hangs hold one thread, not one each.
     *
     * @throws SQLTimeoutException when there was no answer in time
     * @throws SQLException        when the database refused or failed; its message says why
     */
    public void ping(long timeoutMillis) throws SQLException {
        CompletableFuture<Void> running;
        synchronized (this) {
            if (ping.isDone()) {
                ping = CompletableFuture.runAsync(this::selectOne, PINGS);
            }
            running = ping;
        }
        try {
            running.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new SQLTimeoutException("no answer to SELECT 1 within " + timeoutMillis + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLTimeoutException("interrupted while waiting for SELECT 1");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException wrapped ? wrapped.getCause() : e.getCause();
            if (cause instanceof SQLException failed) {
                throw failed;
            }
            throw new SQLException("SELECT 1 failed: " + cause.getMessage(), cause);
        }
    }

    /** A thread per ping, named, not keeping the JVM alive; at most one runs per database at a time. */
    private static final Executor PINGS = task -> {
        Thread thread = new Thread(task, "database-ping");
        thread.setDaemon(true);
        thread.start();
    };

    private void selectOne() {
        try {
            read(connection -> {
                try (Statement select = connection.createStatement()) {
                    select.setQueryTimeout(5);
                    select.execute("SELECT 1");
                }
                return null;
            });
        } catch (SQLException e) {
            throw new CompletionException(e);
        }
    }

    /**
     * Within {@code connection}'s transaction, tells every node listening on {@code channel}
     * ({@link #listen}) that something changed; PostgreSQL delivers it when the transaction
     * commits, and not if it rolls back. Nothing on H2, which one node alone uses.
     */
    public void signal(Connection connection, String channel) throws SQLException {
        if (postgreSql) {
            try (PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, '')")) {
                notify.setString(1, channel);
                notify.execute();
            }
        }
    }

    /**
     * Runs {@code onSignal} whenever a node {@link #signal}s {@code channel}, and once each time
     * listening starts or starts again, for what was signalled meanwhile. On PostgreSQL, one
     * connection of its own (outside the pool) waits for the signals; when it breaks it is opened
     * again. Empty on H2, where the caller's polling is all there is.
     */
    public Optional<AutoCloseable> listen(String channel, Runnable onSignal) {
        return postgreSql ? Optional.of(Listener.start(settings, channel, onSignal)) : Optional.empty();
    }

    /** A PostgreSQL server whose administrator turned durable commits off is named in the log at start-up. */
    private void warnWhenCommitsAreNotDurable() throws SQLException {
        if (!postgreSql) {
            return;
        }
        read(connection -> {
            try (Statement show = connection.createStatement();
                 ResultSet rows = show.executeQuery("SELECT name, setting FROM pg_settings"
                         + " WHERE name IN ('fsync', 'synchronous_commit')")) {
                while (rows.next()) {
                    if ("off".equals(rows.getString(2))) {
                        LOG.warn("PostgreSQL has {} off: a commit can be lost on a crash of the database server,"
                                + " although the service answered 200; turn it on for patient feedback", rows.getString(1));
                    }
                }
            }
            return null;
        });
    }

    /**
     * An H2 URL with DB_CLOSE_ON_EXIT=FALSE: H2 otherwise closes the database in a shutdown hook of
     * its own, which races the service's, so that rows still being written as the service stops
     * (the audit trail's last batch) failed with "Database is already closed". The service closes
     * it ({@link #close}).
     */
    private static String closedByTheService(String url) {
        return url.startsWith("jdbc:h2:") && !url.toUpperCase(java.util.Locale.ROOT).contains("DB_CLOSE_ON_EXIT")
                ? url + ";DB_CLOSE_ON_EXIT=FALSE" : url;
    }

    /** The JDBC URL without its parameters, which may hold a password: fit for a message. */
    public static String withoutParameters(String url) {
        return url == null ? null : url.replaceAll("[?;].*", "");
    }

    @Override
    public void close() {
        pool.close();
    }
}
