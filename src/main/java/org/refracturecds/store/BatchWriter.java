package org.refracturecds.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes rows off the request's thread: a bounded queue and one background thread that inserts
 * what is queued in batches, one transaction per batch, usually within milliseconds. While the
 * database cannot be written the batch is retried with a backoff (1 s doubling to 30 s) and rows
 * queue up; what the queue cannot take is the caller's to handle ({@link #offer} says so).
 * Closing writes what is queued, waiting at most 5 s.
 *
 * @param <T> one row
 */
final class BatchWriter<T> implements AutoCloseable {

    /** Inserts {@code rows} on {@code connection}, within the writer's transaction. */
    @FunctionalInterface
    interface Insert<T> {
        void run(Connection connection, List<T> rows) throws SQLException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(BatchWriter.class);
    private static final Duration MOST_BACKOFF = Duration.ofSeconds(30);

    private final String what;
    private final Database database;
    private final boolean durable;
    private final Insert<T> insert;
    private final Runnable housekeeping;
    private final Consumer<List<T>> written;
    private final int batchSize;
    private final Duration pause;
    private final BlockingQueue<T> queue;
    private final Thread writer;
    private volatile boolean closing;

    /**
     * @param what         the rows in words, for the log ("audit rows")
     * @param durable      whether each batch's commit waits for the disk ({@link Database#write}) or not
     *                     ({@link Database#writeNotDurably})
     * @param housekeeping run by the writer between batches (a purge of expired rows), at least every 250 ms
     * @param pause        the least time between two batches, so that under load rows gather into fewer, larger
     *                     transactions (each durable commit of an H2 file is a checkpoint forced to disk)
     * @param written      told of each batch once it is committed
     */
    BatchWriter(String what, Database database, boolean durable, int queueSize, int batchSize, Duration pause,
                Insert<T> insert, Runnable housekeeping, Consumer<List<T>> written) {
        this.what = what;
        this.database = database;
        this.durable = durable;
        this.insert = insert;
        this.housekeeping = housekeeping;
        this.written = written;
        this.batchSize = batchSize;
        this.pause = pause;
        this.queue = new ArrayBlockingQueue<>(queueSize);
        this.writer = new Thread(this::writeLoop, what.replace(' ', '-') + "-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /** Queues a row; false when the queue is full or the writer is stopping (the row is then not written). */
    boolean offer(T row) {
        return !closing && queue.offer(row);
    }

    /** Rows queued and not yet taken into a batch. */
    int queued() {
        return queue.size();
    }

    private void writeLoop() {
        List<T> batch = new ArrayList<>(batchSize);
        Duration backoff = Duration.ofSeconds(1);
        boolean failing = false;
        while (true) {
            try {
                housekeeping.run();
                if (batch.isEmpty()) {
                    T first = queue.poll(250, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        if (closing) {
                            return;
                        }
                        continue;
                    }
                    batch.add(first);
                    queue.drainTo(batch, batchSize - 1);
                }
                Database.Work<Void> work = connection -> {
                    insert.run(connection, batch);
                    return null;
                };
                if (durable) {
                    database.write(work);
                } else {
                    database.writeNotDurably(work);
                }
                written.accept(batch);
                batch.clear();
                backoff = Duration.ofSeconds(1);
                if (failing) {
                    LOG.warn("{} are written again", what);
                    failing = false;
                }
                if (!closing) {
                    Thread.sleep(pause.toMillis());
                }
            } catch (InterruptedException e) {
                return;
            } catch (SQLException | RuntimeException e) {
                if (!failing) {
                    LOG.warn("{} cannot be written, retried until they are: {}", what,
                            String.valueOf(e.getMessage()).split("\n")[0]);
                    failing = true;
                }
                if (closing) {
                    LOG.warn("{} {} not written as the service stops", batch.size() + queue.size(), what);
                    return;
                }
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException stop) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MOST_BACKOFF) > 0 ? MOST_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /** Writes what is queued (waiting at most 5 s), then stops the writer. Call before closing the database. */
    @Override
    public void close() {
        closing = true;
        try {
            writer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            writer.interrupt();
        }
    }
}
