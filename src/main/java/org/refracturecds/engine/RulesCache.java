package org.refracturecds.engine;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.drools.base.common.DroolsObjectInputStream;
import org.drools.base.common.DroolsObjectOutputStream;
import org.drools.base.util.Drools;
import org.kie.api.definition.KiePackage;
import org.refracturecds.facts.Vocabulary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiled rules kept on disk between runs, so that a start with unchanged rules skips the DRL
 * and Java compilers (about 1.4 s of CPU of a cold start's 1.8 s in the rules).
 *
 * <p>An entry is the rule base's packages as Drools serialises them (each rule's compiled
 * classes inside), written after a successful compile and before the knowledge tables run. A
 * load from the cache still runs the knowledge tables and every check of {@link RuleSet} on the
 * same files, and the result has the same {@link RuleSet#hash()}. An entry's name is a SHA-256
 * of the rule files' hash, the Drools version, the module's version and the Java version; inside,
 * it holds the SHA-256 of every fact class the rules were compiled against and of its own
 * content, so an entry written by another build of the module, or a truncated or altered one, is
 * ignored and the rules are compiled again (and the entry replaced).
 *
 * <p>Entries are written to a temporary file and moved into place atomically, so two processes
 * compiling the same rules at once each write a whole entry and a reader never sees half of
 * one. An entry holds code that runs, so the folder must belong to the user and be writable by
 * nobody else: one that is not is not used. Nothing is ever deleted: each rules version leaves
 * one entry of about 2 MB; delete the folder to clear it.
 */
public final class RulesCache {

    /** The environment variable that names the folder, or {@code off}. */
    public static final String ENVIRONMENT = "PVP_RULES_CACHE";
    private static final Logger LOG = LoggerFactory.getLogger(RulesCache.class);
    private static final byte[] MAGIC = "pvp-refracture-cds compiled rules\n".getBytes(StandardCharsets.US_ASCII);
    /** Changes when what an entry holds changes. */
    private static final int FORMAT = 1;
    private static final String FACTS_FOLDER = Vocabulary.class.getPackageName().replace('.', '/') + "/";

    private final Path dir;
    private final String moduleVersion;

    private RulesCache(Path dir, String moduleVersion) {
        this.dir = dir;
        this.moduleVersion = moduleVersion;
    }

    /** No cache: every load compiles. */
    public static RulesCache off() {
        return new RulesCache(null, "");
    }

    /** Entries in {@code dir}, made if missing, for this version of the module. */
    public static RulesCache in(Path dir, String moduleVersion) {
        return new RulesCache(dir, moduleVersion);
    }

    /**
     * The cache the environment asks for: {@value #ENVIRONMENT} names a folder, or {@code off};
     * without it, {@code pvp-refracture-cds/rules} in the user's cache folder ({@code XDG_CACHE_HOME},
     * else {@code ~/.cache}), or in the temporary folder when there is no home.
     */
    public static RulesCache fromEnvironment(Map<String, String> env, String moduleVersion) {
        String named = env.get(ENVIRONMENT);
        if (named != null && !named.isBlank()) {
            return "off".equalsIgnoreCase(named.strip()) ? off() : in(Path.of(named.strip()), moduleVersion);
        }
        String xdg = env.get("XDG_CACHE_HOME");
        String home = System.getProperty("user.home");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                : home != null && !home.isBlank() && !"?".equals(home) ? Path.of(home, ".cache")
                : Path.of(System.getProperty("java.io.tmpdir"), "pvp-refracture-cds-" + System.getProperty("user.name", "user"));
        return in(base.resolve("pvp-refracture-cds").resolve("rules"), moduleVersion);
    }

    /** Where the entries are; empty when the cache is off. */
    public Optional<Path> folder() {
        return Optional.ofNullable(dir);
    }

    /** The packages compiled earlier from rules with this hash, when a sound entry for this build has them. */
    Optional<Collection<KiePackage>> read(String rulesHash) {
        if (dir == null) {
            return Optional.empty();
        }
        Path entry = dir.resolve(key(rulesHash) + ".rules");
        byte[] bytes;
        try {
            if (!usable(false)) {
                return Optional.empty();
            }
            bytes = Files.readAllBytes(entry);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.debug("compiled rules cache entry {} not read: {}", entry, e.toString());
            return Optional.empty();
        }
        try {
            return Optional.of(decode(bytes));
        } catch (IOException | ClassNotFoundException | RuntimeException | LinkageError e) {
            LOG.info("compiled rules cache entry {} is not usable ({}): the rules are compiled again and it is replaced",
                    entry, e.getMessage());
            return Optional.empty();
        }
    }

    /** Keeps the packages of a successful compile; a cache that cannot be written is left as it is. */
    void write(String rulesHash, Collection<KiePackage> packages) {
        if (dir == null) {
            return;
        }
        Path temporary = null;
        try {
            if (!usable(true)) {
                return;
            }
            String key = key(rulesHash);
            temporary = Files.createTempFile(dir, key, ".tmp");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temporary))) {
                encode(packages, out);
            }
            Files.move(temporary, dir.resolve(key + ".rules"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            temporary = null;
        } catch (IOException | RuntimeException e) {
            LOG.debug("compiled rules not kept in {}: {}", dir, e.toString());
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException e) {
                    LOG.debug("temporary file {} not deleted: {}", temporary, e.toString());
                }
            }
        }
    }

    /**
     * Whether the folder may hold code this process runs: it belongs to this user and no one else
     * can write to it (checked where the file system has POSIX permissions). Made, readable by the
     * user alone, when {@code create} and it is missing.
     */
    private boolean usable(boolean create) throws IOException {
        boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            if (!create || Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            if (posix) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(dir);
            }
        }
        if (posix) {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
            boolean othersWrite = permissions.contains(PosixFilePermission.GROUP_WRITE)
                    || permissions.contains(PosixFilePermission.OTHERS_WRITE);
            String owner = Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName();
            if (othersWrite || !owner.equals(System.getProperty("user.name"))) {
                LOG.debug("compiled rules cache {} not used: it must belong to this user and be writable by no one else", dir);
                return false;
            }
        }
        return true;
    }

    /** The entry's name: what decides whether compiled rules can be reused at all. */
    String key(String rulesHash) {
        return sha256((FORMAT + "\n" + rulesHash + "\n" + Drools.getFullVersion() + "\n" + moduleVersion + "\n"
                + Runtime.version().feature()).getBytes(StandardCharsets.UTF_8));
    }

    private static void encode(Collection<KiePackage> packages, OutputStream to) throws IOException {
        ByteArrayOutputStream payload = new ByteArrayOutputStream(1 << 21);
        try (DroolsObjectOutputStream out = new DroolsObjectOutputStream(payload)) {
            out.writeObject(new ArrayList<>(packages));
        }
        byte[] content = payload.toByteArray();
        DataOutputStream out = new DataOutputStream(to);
        out.write(MAGIC);
        Map<String, String> classes = factClasses();
        out.writeInt(classes.size());
        for (Map.Entry<String, String> each : classes.entrySet()) {
            out.writeUTF(each.getKey());
            out.writeUTF(each.getValue());
        }
        out.writeUTF(sha256(content));
        out.writeInt(content.length);
        out.write(content);
        out.flush();
    }

    @SuppressWarnings("unchecked")
    private static Collection<KiePackage> decode(byte[] bytes) throws IOException, ClassNotFoundException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        byte[] magic = in.readNBytes(MAGIC.length);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException("not an entry of this cache");
        }
        int count = in.readInt();
        for (int i = 0; i < count; i++) {
            String name = in.readUTF();
            String hash = in.readUTF();
            if (!hash.equals(classHash(name))) {
                throw new IOException("compiled against another build of " + name);
            }
        }
        String hash = in.readUTF();
        byte[] content = new byte[in.readInt()];
        in.readFully(content);
        if (!hash.equals(sha256(content))) {
            throw new IOException("its content does not match its checksum");
        }
        try (DroolsObjectInputStream objects = new DroolsObjectInputStream(new ByteArrayInputStream(content),
                RulesCache.class.getClassLoader())) {
            return (Collection<KiePackage>) objects.readObject();
        }
    }

    /** Every class of the facts package (what the rules import), by resource name, with the SHA-256 of its bytes. */
    private static Map<String, String> factClasses() throws IOException {
        Map<String, String> classes = new TreeMap<>();
        Path source;
        try {
            source = Path.of(Vocabulary.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(source)) {
            try (Stream<Path> files = Files.list(source.resolve(FACTS_FOLDER))) {
                files.map(p -> FACTS_FOLDER + p.getFileName()).filter(n -> n.endsWith(".class")).forEach(names::add);
            }
        } else {
            try (JarFile jar = new JarFile(source.toFile())) {
                jar.stream().map(JarEntry::getName).filter(n -> n.startsWith(FACTS_FOLDER) && n.endsWith(".class")
                        && n.indexOf('/', FACTS_FOLDER.length()) < 0).forEach(names::add);
            }
        }
        for (String name : names) {
            classes.put(name, classHash(name));
        }
        return classes;
    }

    private static String classHash(String resource) throws IOException {
        try (InputStream in = RulesCache.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                return "missing";
            }
            return sha256(new BufferedInputStream(in).readAllBytes());
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
