package org.refracturecds.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.refracturecds.engine.RulesCache;

/** Runs the CLI in process with captured streams and a fixed clock. */
record CliRun(int exit, String out, String err) {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-15T09:30:00Z"), ZoneOffset.UTC);

    static CliRun withStdin(String stdin, String... args) {
        return withCache(RulesCache.off(), stdin, args);
    }

    /** Runs with compiled rules kept in (and taken from) {@code rulesCache}. */
    static CliRun withCache(RulesCache rulesCache, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Cli.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), CLOCK,
                rulesCache);
        return new CliRun(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static CliRun of(String... args) {
        return withStdin("", args);
    }
}
