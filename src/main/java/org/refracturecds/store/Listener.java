package org.refracturecds.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One PostgreSQL connection that waits for the signals of one channel ({@code LISTEN}) on a
 * thread of its own, and runs an action for each batch of them. Closed, it stops within a second
 * (the longest wait) and closes its connection. A broken connection is opened
 * again after a pause that grows to 30 s; the action runs once each time listening starts, so
 * a signal sent while the connection was down is not missed.
 */
final class Listener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Listener.class);
    /** How long one wait for signals lasts before the loop checks whether it was closed. */
    private static final int WAIT_MILLIS = 1_000;
    private static final long MAX_PAUSE_MILLIS = 30_000;

    private final Database.Settings settings;
    private final String channel;
    private final Runnable onSignal;
    private final Thread thread;
    private volatile boolean closed;

    private Listener(Database.Settings settings, String channel, Runnable onSignal) {
        if (!channel.matches("[a-z_]{1,63}")) {
            throw new IllegalArgumentException("a channel is 1 to 63 lowercase letters or underscores, not '" + channel + "'");
        }
        this.settings = settings;
        this.channel = channel;
        this.onSignal = onSignal;
        this.thread = new Thread(this::run, "listen-" + channel);
        thread.setDaemon(true);
    }

    static Listener start(Database.Settings settings, String channel, Runnable onSignal) {
        Listener listener = new Listener(settings, channel, onSignal);
        listener.thread.start();
        return listener;
    }

    private void run() {
        long pause = 1_000;
        String failure = null;
        while (!closed) {
            try (Connection open = DriverManager.getConnection(settings.url(), settings.user(), settings.password())) {
                open.setAutoCommit(true);
                try (Statement listen = open.createStatement()) {
                    listen.execute("LISTEN " + channel);
                }
                if (failure != null) {
                    LOG.info("database: listening for {} again", channel);
                    failure = null;
                }
                pause = 1_000;
                onSignal.run();
                PGConnection postgres = open.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] signals = postgres.getNotifications(WAIT_MILLIS);
                    if (signals != null && signals.length > 0) {
                        onSignal.run();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                String why = String.valueOf(e.getMessage()).split("\n")[0];
                if (!why.equals(failure)) {
                    LOG.warn("database: cannot listen for {}, tried again within {} s; until then the nodes learn of"
                            + " it by polling: {}", channel, MAX_PAUSE_MILLIS / 1000, why);
                    failure = why;
                }
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException interrupted) {
                    return;
                }
                pause = Math.min(MAX_PAUSE_MILLIS, pause * 2);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
