package org.refracturecds.bench;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.refracturecds.authoring.LiveRules;
import org.refracturecds.engine.RuleSetException;
import org.refracturecds.facts.Settings;

/**
 * One hot reload of the bundled rules folder as serve does it: compile every rule file, read and
 * run the scenarios of rules/tests, swap (docs/PERFORMANCE.md). Each call is timed on its own.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 40)
@Fork(1)
public class ReloadBenchmark {

    private LiveRules rules;

    @Setup
    public void load() throws RuleSetException {
        rules = LiveRules.load(Path.of("rules"), new Settings(null));
    }

    @Benchmark
    public LiveRules.Status reload() {
        if (!rules.reload()) {
            throw new IllegalStateException(rules.status().lastError());
        }
        return rules.status();
    }
}
