package org.refracturecds.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * How far a population run is, on standard error: a progress bar when it is a terminal, else a
 * plain line at each tenth of the patients (for a log). Lines about single patients go between.
 */
final class Progress implements AutoCloseable {

    private final PrintWriter err;
    private final ProgressBar bar;
    private final long total;
    private final long start = System.nanoTime();
    private long current;
    private long nextLine;

    private Progress(PrintWriter err, ProgressBar bar, long total) {
        this.err = err;
        this.bar = bar;
        this.total = total;
        this.nextLine = Math.max(1, total / 10);
    }

    /** @param terminal standard error is a terminal (see {@link #stderrIsTerminal}) */
    static Progress of(PrintWriter err, boolean terminal, long total) {
        ProgressBar bar = terminal ? new ProgressBarBuilder().setTaskName("Assessing").setInitialMax(total)
                .setUnit(" patients", 1).showSpeed().setUpdateIntervalMillis(200).build() : null;
        return new Progress(err, bar, total);
    }

    /** True when this process's standard error is a terminal (on Linux; elsewhere when it has a console). */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (Exception notLinux) {
            return System.console() != null;
        }
    }

    void step() {
        current++;
        if (bar != null) {
            bar.step();
        } else if (current >= nextLine || current == total) {
            err.println("assessed " + current + " of " + total + " patients (" + (100 * current / Math.max(1, total))
                    + "%) in " + Summary.seconds(System.nanoTime() - start));
            err.flush();
            nextLine = current + Math.max(1, total / 10);
        }
    }

    /** A line about one patient, between the progress. */
    void note(String line) {
        if (bar != null) {
            err.print("\r\033[K");
        }
        err.println(line);
        err.flush();
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
