package org.refracturecds.authoring;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The files of a rules folder as bytes, by their path in it (folders separated by /), its
 * scenarios under {@code tests/} included: what a publication stores and what a node that loads
 * it writes back into a folder of its own.
 */
public final class RuleFiles {

    private RuleFiles() {
    }

    /** Every regular file under {@code dir}, in path order. */
    public static Map<String, byte[]> read(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(path).toString().replace('\\', '/'), Files.readAllBytes(path));
            }
        }
        return files;
    }

    /**
     * Writes {@code files} into a new temporary folder.
     *
     * @throws IOException also when a path would leave the folder (absolute, or with ..)
     */
    public static Path writeToTemporaryFolder(Map<String, byte[]> files) throws IOException {
        Path dir = Files.createTempDirectory("pvp-rules-");
        try {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Path target = dir.resolve(file.getKey()).normalize();
                if (file.getKey().startsWith("/") || file.getKey().contains("\\") || !target.startsWith(dir)
                        || target.equals(dir)) {
                    throw new IOException("the file path '" + file.getKey() + "' is not a path inside a rules folder");
                }
                Files.createDirectories(target.getParent());
                Files.write(target, file.getValue());
            }
            return dir;
        } catch (IOException | RuntimeException e) {
            delete(dir);
            throw e;
        }
    }

    /** The files of the rules this jar bundles (a copy of the repository's {@code rules/}, its tests/ included). */
    public static Map<String, byte[]> bundled() throws IOException {
        try {
            URI uri = RuleFiles.class.getResource("/rules/pipeline.drl").toURI();
            if (!"jar".equals(uri.getScheme())) {
                return read(Path.of(uri).getParent());
            }
            try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
                return read(jar.getPath("/rules"));
            }
        } catch (URISyntaxException | NullPointerException e) {
            throw new IOException("the bundled rules are missing from the jar", e);
        }
    }

    /** Deletes a folder and everything under it. */
    public static void delete(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
