package org.refracturecds.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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
import org.refracturecds.authoring.RulesCheck;
import org.refracturecds.facts.Settings;

/**
 * The workbench's check of a cell edit (issue 15, docs/PERFORMANCE.md): the bundled rules with one
 * cell of bands.drl.csv changed, as a draft holds them, checked as the workbench does after each
 * edit ({@link RulesCheck#problems}: only the changed table is compiled again); every call a new
 * value, so nothing is taken from the check's cache of whole drafts. Each call is timed on its own.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 10)
@Measurement(iterations = 40)
@Fork(1)
public class CellCheckBenchmark {

    private final Map<String, byte[]> files = new TreeMap<>();
    private RulesCheck check;
    private String bands;
    private int edits;

    @Setup
    public void read() throws IOException {
        Path dir = Path.of("rules");
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(path).toString().replace('\\', '/'), Files.readAllBytes(path));
            }
        }
        bands = new String(files.get("bands.drl.csv"), StandardCharsets.UTF_8);
        check = new RulesCheck(new Settings(null));
    }

    @Benchmark
    public RulesCheck.Outcome edit() {
        Map<String, byte[]> draft = new TreeMap<>(files);
        draft.put("bands.drl.csv", bands.replace("predicted risk", "predicted risk (" + edits++ + ")")
                .getBytes(StandardCharsets.UTF_8));
        return check.problems(draft);
    }
}
