package org.refracturecds.authoring;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleProblem;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.engine.RuleSetException;
import org.refracturecds.engine.RulesCache;
import org.refracturecds.facts.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules a service answers with. With a rules folder, a change under it is compiled and its
 * scenarios run; only when both pass is the new rule set swapped in, in one step, so a request
 * in flight finishes on the rules it started with. Otherwise the old rules stay live and the
 * failure is logged and kept in {@link #status()}. Rules published by another node come in the
 * same way ({@link #adopt}).
 */
public final class LiveRules implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LiveRules.class);
    /** Editors write a file in several steps: wait for this much quiet before reloading. */
    private static final long QUIET_MILLIS = 300;
    /** How many rule sets besides the live one are kept, so that a card's page is rebuilt on its rules. */
    private static final int EARLIER = 4;

    /** Told of each reload of the rules folder, whether it went live or not, with the status after it. */
    @FunctionalInterface
    public interface FolderListener {
        void reloaded(boolean live, Status status);
    }

    /** What GET /rules/status shows: the live rules, and the last attempt to replace them. */
    public record Status(String origin, String version, String sha256, Instant loadedAt, int scenariosPassed,
                         boolean watching, Instant lastAttempt, long lastAttemptMillis, String lastError) {
    }

    private final Path dir;
    private final Settings settings;
    private final RulesCache cache;
    private final AtomicReference<Assessor> live;
    /** The rules served before the live ones, and copies compiled for old pages ({@link #compile}), by hash, the latest last. */
    private final Map<String, RuleSet> earlier = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, RuleSet> eldest) {
            return size() > EARLIER;
        }
    };
    private volatile Status status;
    private volatile FolderListener listener = (live, status) -> { };
    private final AtomicLong reloadsLive = new AtomicLong();
    private final AtomicLong reloadsRefused = new AtomicLong();
    private WatchService watcher;

    private LiveRules(Path dir, Settings settings, RulesCache cache, RuleSet rules, int scenarios) {
        this.dir = dir;
        this.settings = settings;
        this.cache = cache;
        this.live = new AtomicReference<>(new Assessor(rules, settings));
        this.status = new Status(rules.origin(), rules.version(), rules.hash(), rules.loadedAt(), scenarios, false,
                null, 0, null);
    }

    /** Rules that never change, such as the bundled ones (their scenarios run in the build). */
    public static LiveRules fixed(RuleSet rules, Settings settings) {
        return fixed(rules, settings, RulesCache.off());
    }

    /** Rules that never change; rules published by other nodes are compiled, or taken from {@code cache}. */
    public static LiveRules fixed(RuleSet rules, Settings settings, RulesCache cache) {
        return new LiveRules(null, settings, cache, rules, 0);
    }

    /** The rules of {@code dir}, which must compile and pass their scenarios, as a reload would require. */
    public static LiveRules load(Path dir, Settings settings) throws RuleSetException {
        return load(dir, settings, RulesCache.off());
    }

    /**
     * The rules of {@code dir}, as {@link #load(Path, Settings)}; these, every reload and every
     * published version are taken compiled from {@code cache} when it holds the same files.
     */
    public static LiveRules load(Path dir, Settings settings, RulesCache cache) throws RuleSetException {
        Candidate candidate = Candidate.of(dir, dir.toString(), settings, cache);
        return new LiveRules(dir, settings, cache, candidate.rules, candidate.scenarios);
    }

    /** The assessor of the live rules; take it once per request. */
    public Assessor assessor() {
        return live.get();
    }

    public Status status() {
        return status;
    }

    /** The rules folder, or null for rules that never change from a folder (the bundled ones). */
    public Path dir() {
        return dir;
    }

    /** Sets who is told of each reload of the folder (one listener; the host's rules synchronisation). */
    public void onFolderReload(FolderListener listener) {
        this.listener = listener;
    }

    /** The reloads (of the folder, or of rules published by another node) that went live since start (for the metrics). */
    public long reloadsLive() {
        return reloadsLive.get();
    }

    /** The reloads refused since start, the old rules staying live (for the metrics). */
    public long reloadsRefused() {
        return reloadsRefused.get();
    }

    /** Compiles the folder and runs its scenarios; swaps the result in when both pass. */
    public boolean reload() {
        boolean live = reloadFolder();
        listener.reloaded(live, status);
        return live;
    }

    private synchronized boolean reloadFolder() {
        long start = System.nanoTime();
        Instant at = Instant.now();
        try {
            Candidate candidate = Candidate.of(dir, dir.toString(), settings, cache);
            swapIn(candidate.rules);
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            status = new Status(candidate.rules.origin(), candidate.rules.version(), candidate.rules.hash(),
                    candidate.rules.loadedAt(), candidate.scenarios, status.watching(), at, millis, null);
            reloadsLive.incrementAndGet();
            LOG.info("rules reloaded from {} in {} ms: version {} sha256:{}, {} scenarios passed", dir, millis,
                    candidate.rules.version(), candidate.rules.shortHash(), candidate.scenarios);
            return true;
        } catch (RuleSetException | RuntimeException e) {
            // Whatever went wrong with the new rules, the old ones keep answering and the watch goes on.
            String error = e instanceof RuleSetException ? e.getMessage() : "[PVP-R003] the rules could not be loaded: " + e;
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            Status old = status;
            status = new Status(old.origin(), old.version(), old.sha256(), old.loadedAt(), old.scenariosPassed(),
                    old.watching(), at, millis, error);
            reloadsRefused.incrementAndGet();
            LOG.warn("rules in {} NOT reloaded, version {} sha256:{} stays live. {}", dir, old.version(),
                    old.sha256().substring(0, 12), error);
            return false;
        }
    }

    /**
     * Compiles the rules of {@code folder}, a copy of rules published elsewhere, and runs their
     * scenarios, exactly as a reload of the rules folder does; swaps them in when both pass and
     * their hash is {@code sha256}. Otherwise the live rules stay, and the failure is kept in
     * {@link #status()}. A watched folder stays watched: its next change is reloaded as before.
     *
     * @param origin where the rules came from, for the status and the messages
     * @return null when they are live, else why not (with its PVP-R code)
     */
    public synchronized String adopt(Path folder, String origin, String sha256) {
        long start = System.nanoTime();
        Instant at = Instant.now();
        String error;
        try {
            Candidate candidate = Candidate.of(folder, origin, settings, cache);
            if (candidate.rules.hash().equals(sha256)) {
                swapIn(candidate.rules);
                long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
                status = new Status(origin, candidate.rules.version(), sha256, candidate.rules.loadedAt(),
                        candidate.scenarios, status.watching(), at, millis, null);
                reloadsLive.incrementAndGet();
                return null;
            }
            error = "[PVP-R004] the rules in " + origin + " have the hash sha256:" + candidate.rules.shortHash()
                    + ", not sha256:" + sha256.substring(0, Math.min(12, sha256.length())) + " as published";
        } catch (RuleSetException e) {
            error = e.getMessage();
        } catch (RuntimeException e) {
            error = "[PVP-R003] the rules could not be loaded: " + e;
        }
        Status old = status;
        status = new Status(old.origin(), old.version(), old.sha256(), old.loadedAt(), old.scenariosPassed(),
                old.watching(), at, Duration.ofNanos(System.nanoTime() - start).toMillis(), error);
        reloadsRefused.incrementAndGet();
        return error;
    }

    private void swapIn(RuleSet rules) {
        RuleSet before = live.getAndSet(new Assessor(rules, settings)).rules();
        synchronized (earlier) {
            earlier.put(before.hash(), before);
        }
    }

    /**
     * The rules with this SHA-256 when this node serves them, served them since it started, or
     * compiled them for an old page; empty otherwise.
     */
    public Optional<RuleSet> served(String sha256) {
        RuleSet now = live.get().rules();
        if (now.hash().equals(sha256)) {
            return Optional.of(now);
        }
        synchronized (earlier) {
            return Optional.ofNullable(earlier.get(sha256));
        }
    }

    /**
     * Compiles the rules of {@code folder}, a copy of rules published elsewhere, and runs their
     * scenarios, as {@link #adopt} does, but keeps them beside the live ones rather than swapping
     * them in: an old card's page is rebuilt on them.
     *
     * @throws RuleSetException when they do not compile, fail a scenario or do not have the hash {@code sha256}
     */
    public RuleSet compile(Path folder, String origin, String sha256) throws RuleSetException {
        RuleSet rules = Candidate.of(folder, origin, settings, cache).rules;
        if (!rules.hash().equals(sha256)) {
            throw new RuleSetException(origin, List.of(new RuleProblem(origin, 0, 0, "the rules have the hash sha256:"
                    + rules.shortHash() + ", not the one asked for")));
        }
        synchronized (earlier) {
            earlier.put(sha256, rules);
        }
        return rules;
    }

    /** Starts watching the rules folder (and its subfolders) for changes; a no-op for fixed rules. */
    public synchronized void watch() throws IOException {
        if (dir == null || watcher != null) {
            return;
        }
        watcher = dir.getFileSystem().newWatchService();
        registerTree(dir);
        Thread thread = new Thread(this::watchLoop, "rules-watch");
        thread.setDaemon(true);
        thread.start();
        Status old = status;
        status = new Status(old.origin(), old.version(), old.sha256(), old.loadedAt(), old.scenariosPassed(), true,
                old.lastAttempt(), old.lastAttemptMillis(), old.lastError());
    }

    private void registerTree(Path root) throws IOException {
        try (Stream<Path> folders = Files.walk(root)) {
            for (Path folder : folders.filter(Files::isDirectory).toList()) {
                folder.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
            }
        }
    }

    private void watchLoop() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                boolean newFolder = drain(key);
                // Wait for the writes to settle: reload once for a burst of changes.
                for (WatchKey more = watcher.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS); more != null;
                     more = watcher.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS)) {
                    newFolder |= drain(more);
                }
                if (newFolder) {
                    registerTree(dir);
                }
                reload();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            LOG.error("watching {} stopped: {}; the live rules stay as they are", dir, e.toString());
        }
    }

    /** Takes a key's events; true when one of them created a folder, which must be watched too. */
    private boolean drain(WatchKey key) {
        boolean newFolder = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE && key.watchable() instanceof Path parent
                    && Files.isDirectory(parent.resolve((Path) event.context()))) {
                newFolder = true;
            }
        }
        key.reset();
        return newFolder;
    }

    @Override
    public synchronized void close() throws IOException {
        if (watcher != null) {
            watcher.close();
        }
    }

    /** A rule set that compiled and passed its folder's scenarios. */
    private record Candidate(RuleSet rules, int scenarios) {

        static Candidate of(Path dir, String origin, Settings settings, RulesCache cache) throws RuleSetException {
            RuleSet rules = RuleSet.load(dir, origin, cache);
            ScenarioFiles.Read read;
            try {
                read = ScenarioFiles.read(dir);
            } catch (IOException e) {
                throw refused(origin, List.of(new RuleProblem(ScenarioFiles.FOLDER, 0, 0, "cannot be read: " + e.getMessage())));
            }
            if (!read.problems().isEmpty()) {
                throw refused(origin, read.problems());
            }
            ScenarioRunner.Report report = ScenarioRunner.run(new Assessor(rules, settings), read.scenarios());
            if (!report.allPassed()) {
                throw refused(origin, report.results().stream().filter(r -> !r.passed())
                        .map(r -> new RuleProblem(r.scenario().file(), r.scenario().line(), 0, "scenario '"
                                + r.scenario().name() + "' failed: " + String.join("; ", r.failures())))
                        .collect(Collectors.toList()));
            }
            return new Candidate(rules, report.results().size());
        }

        private static RuleSetException refused(String origin, List<RuleProblem> problems) {
            return new RuleSetException(origin, problems);
        }
    }
}
