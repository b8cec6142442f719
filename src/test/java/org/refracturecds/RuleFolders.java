package org.refracturecds;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Copies of the repository's rules/ folder (with its scenarios) for tests that edit rules. */
public final class RuleFolders {

    public static final Path RULES = Path.of("rules");

    private RuleFolders() {
    }

    /** A copy of rules/, tests/ included, in {@code dir}. */
    public static Path copy(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(RULES)) {
            for (Path path : paths.toList()) {
                Path target = dir.resolve(RULES.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        }
        return dir;
    }

    /**
     * A copy of rules/ recalibrated to a centre: the test fixture recalibration.drl.csv (a = -0.5,
     * b = 0.8; 412 treated vertebrae, 120 refractures, fitted on 2026-05-01) added.
     */
    public static Path copyRecalibrated(Path dir) throws IOException {
        copy(dir);
        Files.copy(Path.of("src/test/resources/recalibration/recalibration.drl.csv"), dir.resolve("recalibration.drl.csv"));
        return dir;
    }

    /** Replaces {@code from} by {@code to} in one file of a rules folder; the edit must apply. */
    public static void edit(Path dir, String file, String from, String to) throws IOException {
        Path edited = dir.resolve(file);
        String text = Files.readString(edited);
        assertTrue(text.contains(from), "the edit must apply: " + from);
        Files.writeString(edited, text.replace(from, to));
    }

    /** A copy of rules/ in {@code dir} with one edit. */
    public static Path copyWithEdit(Path dir, String file, String from, String to) throws IOException {
        copy(dir);
        edit(dir, file, from, to);
        return dir;
    }
}
