package org.refracturecds.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
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
import org.refracturecds.calibration.CalibrationFiles;
import org.refracturecds.calibration.Calibrator;
import org.refracturecds.calibration.Cohorts;
import org.refracturecds.calibration.SyntheticCohort;
import org.refracturecds.engine.RuleSet;

/**
 * {@code calibrate} in process on 10,000 synthetic treated vertebrae (docs/PERFORMANCE.md): the CSV
 * read, each row's assessment, the fits and figures, the plot as SVG and PNG, the JSON and the
 * report written. The rules are compiled once, in setup (bench/calibrate.sh times the whole command,
 * start-up and compilation included). Sample mode: median and p99 of single runs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 10)
@Measurement(iterations = 5, time = 10)
@Fork(1)
public class CalibrateBenchmark {

    private RuleSet rules;
    private byte[] cohort;
    private Path out;

    @Setup
    public void setUp() throws Exception {
        rules = RuleSet.loadBundled();
        cohort = SyntheticCohort.csv(SyntheticCohort.generate(10_000, 0.5, 0.9, 1)).getBytes(StandardCharsets.UTF_8);
        out = Files.createTempDirectory("calibrate-bench");
    }

    @Benchmark
    public Object tenThousandVertebrae() throws Exception {
        var calibration = new Calibrator(rules).calibrate(Cohorts.read("cohort.csv", cohort, rules, Clock.systemUTC()),
                "bench", LocalDate.of(2026, 5, 1));
        return CalibrationFiles.write(out, calibration);
    }
}
