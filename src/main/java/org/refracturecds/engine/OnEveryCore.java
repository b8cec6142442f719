package org.refracturecds.engine;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Assessments of many inputs (a population, a cohort) on every core, their results handed on in the
 * inputs' order, on the calling thread, as each is ready: at most {@value #AHEAD_PER_THREAD} a core
 * are held ahead of the one being handed on, so a large population's results are not all held.
 *
 * <p>The first {@value #WARM_UP} are assessed one after another: they fire the rules' consequences
 * and constraints a first time, which defines their classes. (Once in this project's tests two
 * threads firing one first on freshly compiled rules failed with a LinkageError, a duplicate class
 * definition; an input that fails so is assessed again on the calling thread when its turn comes:
 * the class is defined by then.)
 */
public final class OnEveryCore {

    /** The inputs assessed one after another before the others are assessed on every core. */
    public static final int WARM_UP = 64;
    private static final int AHEAD_PER_THREAD = 64;

    private OnEveryCore() {
    }

    /**
     * Applies {@code work} to each of {@code items} and gives each result to {@code next}, in the
     * items' order, on the calling thread. What {@code work} throws for an item is thrown here when
     * that item's turn comes, and the items after it are not handed on.
     *
     * @param work thread-safe: it runs on several threads at once
     */
    public static <T, R> void inOrder(List<T> items, Function<T, R> work, Consumer<R> next) {
        inOrder(items, WARM_UP, work, next);
    }

    /**
     * The same, the first {@code warmUp} items one after another: fewer than {@value #WARM_UP} when
     * each item is several inputs.
     */
    public static <T, R> void inOrder(List<T> items, int warmUp, Function<T, R> work, Consumer<R> next) {
        int warm = Math.min(warmUp, items.size());
        for (int i = 0; i < warm; i++) {
            next.accept(work.apply(items.get(i)));
        }
        if (warm == items.size()) {
            return;
        }
        int threads = Runtime.getRuntime().availableProcessors();
        ExecutorService pool = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "assess");
            thread.setDaemon(true);
            return thread;
        });
        try {
            ArrayDeque<Future<R>> ahead = new ArrayDeque<>();
            int submitted = warm;
            int handed = warm;
            while (handed < items.size()) {
                while (submitted < items.size() && ahead.size() < threads * AHEAD_PER_THREAD) {
                    T item = items.get(submitted++);
                    ahead.add(pool.submit(() -> work.apply(item)));
                }
                next.accept(result(ahead.poll(), items.get(handed++), work));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static <T, R> R result(Future<R> future, T item, Function<T, R> work) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while assessing", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (firstFiringMet(cause)) {
                return work.apply(item);
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(cause);
        }
    }

    /** Whether a LinkageError (two threads defining one class of the rules) caused this; Drools wraps it in its own. */
    public static boolean firstFiringMet(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof LinkageError) {
                return true;
            }
        }
        return false;
    }
}
