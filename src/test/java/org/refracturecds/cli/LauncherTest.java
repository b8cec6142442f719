package org.refracturecds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/pvp-refracture-cds, the script itself: it runs a stand-in for {@code java} (named by its
 * {@code JAVA} variable) that records how it was run and writes the class data sharing archive it
 * is asked for, as the JVM does when it exits. What java does with the archive is the JVM's; what
 * is tested here is the script's part: the archive asked for, moved into place and used next time,
 * standard input and the exit status passed through, and a stop passed on to java.
 */
class LauncherTest {

    /** Records its arguments and standard input; writes the archive it is asked for when it ends. */
    private static final String STAND_IN = """
            #!/bin/sh
            for a in "$@"; do echo "$a"; done > "$RECORD/args"
            partial=$(sed -n 's/^-XX:ArchiveClassesAtExit=//p' "$RECORD/args")
            ended() { [ -z "$partial" ] || echo archive > "$partial"; }
            if [ "$STAND_IN_WAITS" = yes ]; then
                trap 'echo stopped > "$RECORD/signal"; ended; exit 143' TERM
                echo started > "$RECORD/started"
                while :; do sleep 0.05; done
            fi
            cat > "$RECORD/stdin"
            ended
            exit 3
            """;

    @TempDir
    Path dir;
    Path cache;

    @BeforeEach
    void standIn() throws IOException {
        Files.writeString(dir.resolve("java"), STAND_IN);
        Files.setPosixFilePermissions(dir.resolve("java"), PosixFilePermissions.fromString("rwx------"));
        Files.writeString(dir.resolve("the.jar"), "a jar");
        cache = dir.resolve("cache/pvp-refracture-cds");
    }

    @Test
    void firstRun_asksForTheArchiveAndMovesItIntoPlace_theNextRunUsesIt() throws Exception {
        Process first = launch(false, "assess", "-");
        first.getOutputStream().write("{\"from\": \"stdin\"}".getBytes(StandardCharsets.UTF_8));
        first.getOutputStream().close();

        assertEquals(3, exit(first), "java's exit status is the script's");
        assertEquals("{\"from\": \"stdin\"}", Files.readString(dir.resolve("stdin")), "standard input reaches java");
        assertTrue(args().contains("-XX:TieredStopAtLevel=1"), "a command of seconds runs on C1: " + args());
        assertTrue(args().contains("-XX:+UseParallelGC"), "and on the throughput collector: " + args());
        assertEquals(memoryKb() >= 4L * 1024 * 1024, args().contains("-XX:MaxNewSize=256m"),
                "its young generation capped on a machine of 4 GB or more (" + memoryKb() + " kB): " + args());
        assertEquals(List.of("-jar", dir.resolve("the.jar").toString(), "assess", "-"), args().subList(args().size() - 4,
                args().size()));
        List<Path> archives = archives();
        assertEquals(1, archives.size(), "no partial archive is left: " + archives);
        assertTrue(archives.get(0).getFileName().toString().matches("cds-assess-[0-9]+-[0-9]+\\.jsa"));

        Process next = launch(false, "assess", "-");
        next.getOutputStream().close();
        assertEquals(3, exit(next));

        assertTrue(args().contains("-XX:SharedArchiveFile=" + archives.get(0)), "the archive is used: " + args());
        assertFalse(args().stream().anyMatch(arg -> arg.startsWith("-XX:ArchiveClassesAtExit")));
    }

    @Test
    void aStopAskedOfTheScript_isPassedOnToJava_whichWritesTheArchive() throws Exception {
        Process serve = launch(true, "serve");
        waitFor(dir.resolve("started"));

        serve.destroy();

        assertEquals(143, exit(serve), "java stopped by the signal, its status passed on");
        assertEquals("stopped", Files.readString(dir.resolve("signal")).strip(), "java was sent the stop");
        assertTrue(args().stream().noneMatch(arg -> arg.startsWith("-XX:TieredStopAtLevel")), "serve keeps C2");
        assertFalse(args().contains("-XX:+UseParallelGC"), "and the collector the operator chose");
        assertFalse(args().contains("-XX:MaxNewSize=256m"), "sized as the operator chose");
        List<Path> archives = archives();
        assertEquals(1, archives.size(), "the archive java wrote as it stopped is moved into place: " + archives);
        assertTrue(archives.get(0).getFileName().toString().startsWith("cds-serve-"));
    }

    @Test
    void aCollectorNamedInJavaOpts_isTheOneUsed() throws Exception {
        Process assess = launch(Map.of("JAVA_OPTS", "-XX:+UseG1GC"), false, "assess", "-");
        assess.getOutputStream().close();

        assertEquals(3, exit(assess));
        assertTrue(args().contains("-XX:+UseG1GC"), "JAVA_OPTS is passed on: " + args());
        assertFalse(args().contains("-XX:+UseParallelGC"), "java would refuse two collectors: " + args());
        assertFalse(args().contains("-XX:MaxNewSize=256m"), "G1 sizes its young generation itself: " + args());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-Xmn64m", "-Xmx256m", "-XX:MaxRAMPercentage=50"})
    void aHeapOrYoungGenerationSizedInJavaOpts_isTheOneUsed(String size) throws Exception {
        Process assess = launch(Map.of("JAVA_OPTS", size), false, "assess", "-");
        assess.getOutputStream().close();

        assertEquals(3, exit(assess));
        assertTrue(args().contains(size), "JAVA_OPTS is passed on: " + args());
        assertTrue(args().contains("-XX:+UseParallelGC"), "on the throughput collector still: " + args());
        assertFalse(args().stream().anyMatch(arg -> arg.startsWith("-XX:MaxNewSize")), "not capped beside it: " + args());
    }

    @Test
    void aFileOfOver100Megabytes_runsOnBothTiersOfTheJit() throws Exception {
        Path large = dir.resolve("large.ndjson");
        try (RandomAccessFile file = new RandomAccessFile(large.toFile(), "rw")) {
            file.setLength(100L * 1024 * 1024 + 1); // sparse: nothing written
        }
        Path small = dir.resolve("small.ndjson");
        Files.writeString(small, "{}");

        Process onLarge = launch(false, "assess", large.toString());
        onLarge.getOutputStream().close();
        assertEquals(3, exit(onLarge));
        assertTrue(args().stream().noneMatch(arg -> arg.startsWith("-XX:TieredStopAtLevel")), "both tiers: " + args());
        assertTrue(args().containsAll(List.of("-XX:FreqInlineSize=100", "-XX:InlineSmallCode=1000")),
                "the second tier inlining less than its default: " + args());
        assertTrue(args().contains("-XX:+UseParallelGC"), "on the throughput collector still: " + args());

        Process onSmall = launch(false, "assess", small.toString());
        onSmall.getOutputStream().close();
        assertEquals(3, exit(onSmall));
        assertTrue(args().contains("-XX:TieredStopAtLevel=1"), "a small file, the first tier: " + args());
        assertTrue(args().stream().noneMatch(arg -> arg.startsWith("-XX:FreqInlineSize")), "no second tier to tune: " + args());
    }

    /** The memory the launcher reads: the machine's (/proc/meminfo), or its container's limit when lower; 0 elsewhere. */
    private static long memoryKb() throws IOException {
        Path meminfo = Path.of("/proc/meminfo");
        long total = !Files.exists(meminfo) ? 0 : Files.readAllLines(meminfo).stream()
                .filter(line -> line.startsWith("MemTotal:")).mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")))
                .findFirst().orElse(0);
        for (String limit : List.of("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")) {
            Path file = Path.of(limit);
            String value = Files.isReadable(file) ? Files.readString(file).strip() : "";
            if (value.matches("[0-9]+")) {
                total = Math.min(total, Long.parseLong(value) / 1024);
            }
        }
        return total;
    }

    private Process launch(boolean waits, String... arguments) throws IOException {
        return launch(Map.of(), waits, arguments);
    }

    private Process launch(Map<String, String> environment, boolean waits, String... arguments) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(Stream.concat(Stream.of("bin/pvp-refracture-cds"),
                Stream.of(arguments)).toList());
        builder.environment().remove("JAVA_OPTS");
        builder.environment().putAll(environment);
        builder.environment().put("JAVA", dir.resolve("java").toString());
        builder.environment().put("PVP_JAR", dir.resolve("the.jar").toString());
        builder.environment().put("XDG_CACHE_HOME", dir.resolve("cache").toString());
        builder.environment().put("RECORD", dir.toString());
        builder.environment().put("STAND_IN_WAITS", waits ? "yes" : "no");
        builder.redirectError(ProcessBuilder.Redirect.DISCARD).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        return builder.start();
    }

    private static int exit(Process process) throws InterruptedException {
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "the script ended");
        return process.exitValue();
    }

    private List<String> args() throws IOException {
        return Files.readAllLines(dir.resolve("args"));
    }

    private List<Path> archives() throws IOException {
        try (Stream<Path> files = Files.list(cache)) {
            return files.filter(file -> !Files.isDirectory(file)).toList();
        }
    }

    private static void waitFor(Path file) throws InterruptedException {
        Instant until = Instant.now().plus(Duration.ofSeconds(20));
        while (!Files.exists(file)) {
            assertTrue(Instant.now().isBefore(until), file + " did not appear");
            Thread.sleep(20);
        }
    }
}
