package org.refracturecds.authoring;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.refracturecds.engine.RuleSet;
import org.refracturecds.engine.RuleSetException;
import org.refracturecds.store.AuditTrail;
import org.refracturecds.store.RulesVersions;
import org.refracturecds.store.RulesVersions.Published;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the nodes that share a database on one rules version. The database holds the version
 * published last, with its files ({@link RulesVersions}):
 * <ul>
 * <li>A node with a rules folder publishes the folder's rules when it has loaded them (at start,
 * or after an edit that compiled and passed its scenarios) and they are not the published ones.</li>
 * <li>Every node reads the published version every poll interval, and on PostgreSQL also as soon
 * as a publication commits (LISTEN/NOTIFY), and, when it is not the one it serves, loads it from
 * the database as a reload of a folder would (compiled, scenarios run) and swaps it in. So on
 * PostgreSQL every node serves a publication within the time to load it (the poll is the fallback
 * while the signal's connection is down); on H2, which one node alone uses, the node that
 * publishes swaps at once. A node that cannot load it keeps its rules, says so in its status and is not ready
 * ({@link #readiness()}) until a version it can load is published.</li>
 * <li>A node without a folder (the bundled rules) never publishes: with nothing published, it
 * serves its bundled rules and counts as in sync.</li>
 * <li>Two publications at once are both stored; the later one (higher id) wins, on every node.</li>
 * </ul>
 */
public final class RulesSync implements AutoCloseable {

    /** The name of the readiness check. */
    public static final String CHECK = "rules-version";

    private static final Logger LOG = LoggerFactory.getLogger(RulesSync.class);
    private static final Pattern CODE = Pattern.compile("\\[(PVP-[A-Z]\\d{3})]");

    private record Unpublished(Map<String, byte[]> files, LiveRules.Status status) {
    }

    /** A readiness check's answer: ok, or why not. */
    public record Readiness(String name, boolean ok, String reason) {
    }

    /**
     * The rules version as the database has it, for {@code GET /rules/status}.
     *
     * @param published the publication the nodes are to serve, or null when none has been made
     * @param inSync    whether this node serves it (true when nothing is published)
     * @param problem   why this node does not serve it, or null
     */
    public record View(Published published, boolean inSync, String problem) {
    }

    private final LiveRules rules;
    private final RulesVersions versions;
    private final AuditTrail audit;
    private final Duration every;
    private final Supplier<String> node;
    private final Clock clock;
    private final ScheduledExecutorService poller;

    private volatile Published published;
    /** Why this node is not on the published version (it cannot load it, or cannot publish its own), or null. */
    private volatile String problem;
    /** The publication this node could not load: not tried again, since its files never change. */
    private Long refused;
    /** Rules asked for by an old page that could not be loaded: not tried again. */
    private final Set<String> unloadable = ConcurrentHashMap.newKeySet();
    /** The folder's rules, loaded here, that could not be published yet: published at the next poll. */
    private Unpublished unpublished;
    /** A database failure already logged, so that a database that stays down is logged once. */
    private String pollFailure;
    /** On PostgreSQL, what tells this node of a publication at once, so it need not wait for the poll. */
    private AutoCloseable listening;

    /** @param node this node's name in publications and audit rows, e.g. its host name and port */
    public RulesSync(LiveRules rules, RulesVersions versions, AuditTrail audit, Duration every, Supplier<String> node,
                     Clock clock) {
        this.rules = rules;
        this.versions = versions;
        this.audit = audit;
        this.every = every;
        this.node = node;
        this.clock = clock;
        this.poller = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "rules-sync");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Before the node listens: publishes the folder's rules when they are not the published ones,
     * or else loads the published version, so that the first call is answered with it; then polls.
     */
    public void start() {
        LiveRules.Status status = rules.status();
        record(AuditTrail.RULES_LOADED, new AuditTrail.Rules(status.version(), status.sha256()), null,
                "started with " + status.origin());
        if (rules.dir() != null) {
            publishFolder(status);
        }
        poll();
        rules.onFolderReload(this::folderReloaded);
        poller.scheduleWithFixedDelay(this::poll, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        listening = versions.onPublished(() -> poller.execute(this::poll)).orElse(null);
    }

    /**
     * Publishes the rules of {@code dir}, already compiled with their scenarios passed as {@code
     * sha256} and {@code version}, from outside any node ({@code rules publish}): every node loads
     * them within its poll interval plus the time to load them. Publishing older rules is a rollback.
     *
     * @param by who publishes, e.g. "user alice (rules publish)"
     * @return the publication, or empty when these rules are already the published ones
     * @throws IOException when the folder cannot be read, or changed since it was compiled
     */
    public static Optional<Published> publish(RulesVersions versions, Path dir, String sha256, String version,
                                              String by, Clock clock) throws IOException, SQLException {
        Map<String, byte[]> files = RuleFiles.read(dir);
        if (!RuleSet.hashOf(files).equals(sha256)) {
            throw new IOException("the folder changed while it was compiled: publish it again");
        }
        AuditTrail.Rules which = new AuditTrail.Rules(version, sha256);
        return versions.publish(sha256, version, by, files, List.of(AuditTrail.Event.rules(clock.instant(),
                AuditTrail.RULES_PUBLISHED, by, which, null, by)));
    }

    /**
     * The rules with {@code sha256}, for an old card's page: those this node serves or served since
     * it started, else a publication's files from the database, compiled here (seconds) and kept.
     * Empty when neither has them (a rules folder never published, the bundled rules of another
     * build) or they cannot be loaded (logged once).
     */
    public Optional<RuleSet> rulesFor(String sha256) {
        Optional<RuleSet> served = rules.served(sha256);
        if (served.isPresent() || unloadable.contains(sha256)) {
            return served;
        }
        synchronized (unloadable) {
            served = rules.served(sha256);
            if (served.isPresent()) {
                return served;
            }
            String name = "sha256:" + sha256.substring(0, Math.min(12, sha256.length()));
            try {
                Optional<Published> publication = versions.find(sha256);
                Map<String, byte[]> files = publication.isEmpty() ? Map.of() : versions.files(publication.get().id());
                if (files.isEmpty()) {
                    unloadable.add(sha256);
                    return Optional.empty();
                }
                Path dir = RuleFiles.writeToTemporaryFolder(files);
                try {
                    return Optional.of(rules.compile(dir, "the published rules version " + publication.get().version()
                            + " " + name, sha256));
                } finally {
                    RuleFiles.delete(dir);
                }
            } catch (RuleSetException | IOException e) {
                unloadable.add(sha256);
                LOG.warn("rules: {}, asked for by an old card's page, cannot be loaded: {}", name,
                        String.valueOf(e.getMessage()).split("\n")[0]);
            } catch (SQLException e) {
                LOG.warn("rules: {}, asked for by an old card's page, cannot be read from the database: {}", name,
                        String.valueOf(e.getMessage()).split("\n")[0]);
            }
            return Optional.empty();
        }
    }

    /** Not ready while this node cannot serve the published version or cannot publish its folder's. */
    public Readiness readiness() {
        String why = problem;
        if (why != null) {
            return new Readiness(CHECK, false, why);
        }
        return new Readiness(CHECK, true, published == null ? "nothing is published: it serves its own rules"
                : "serves the published rules version");
    }

    public View view() {
        Published live = published;
        return new View(live, live == null || live.sha256().equals(rules.status().sha256()), problem);
    }

    /**
     * Reads the published version and, when this node does not serve it, loads it now rather than
     * at the next poll (the workbench, after it publishes).
     */
    public synchronized void poll() {
        try {
            if (unpublished != null) {
                publish(unpublished.files(), unpublished.status());
                return;
            }
            Published latest = versions.live().orElse(null);
            if (pollFailure != null) {
                LOG.info("rules: the database can be read again");
                pollFailure = null;
            }
            published = latest;
            if (latest == null || latest.sha256().equals(rules.status().sha256())) {
                problem = null;
                refused = null;
            } else if (refused == null || refused != latest.id()) {
                load(latest);
            }
        } catch (SQLException | RuntimeException e) {
            String why = String.valueOf(e.getMessage()).split("\n")[0];
            if (!why.equals(pollFailure)) {
                LOG.warn("rules: the published version cannot be read from the database, tried again every {} s: {}",
                        every.toSeconds(), why);
                pollFailure = why;
            }
        }
    }

    /** Loads a publication from its files, as a reload of a rules folder would, into a folder of its own. */
    private void load(Published publication) throws SQLException {
        String name = "version " + publication.version() + " sha256:" + publication.sha256().substring(0, 12);
        String origin = "the published rules (" + publication.publishedBy() + ", " + publication.publishedAt() + ")";
        LiveRules.Status before = rules.status();
        Map<String, byte[]> files = versions.files(publication.id());
        String error;
        if (files.isEmpty()) {
            error = "[PVP-R004] the publication holds no rule files: publish a rules folder again (rules publish DIR)";
        } else {
            try {
                Path dir = RuleFiles.writeToTemporaryFolder(files);
                try {
                    error = rules.adopt(dir, origin, publication.sha256());
                } finally {
                    RuleFiles.delete(dir);
                }
            } catch (IOException e) {
                error = "[PVP-R004] the published files cannot be written to a temporary folder: " + e.getMessage();
            }
        }
        AuditTrail.Rules which = new AuditTrail.Rules(publication.version(), publication.sha256());
        if (error == null) {
            LiveRules.Status now = rules.status();
            LOG.info("rules: published {} ({}) loaded in {} ms, {} scenarios passed; it replaces version {} sha256:{}",
                    name, publication.publishedBy(), now.lastAttemptMillis(), now.scenariosPassed(), before.version(),
                    before.sha256().substring(0, 12));
            record(AuditTrail.RULES_LOADED, which, null, "published by " + publication.publishedBy());
            problem = null;
            refused = null;
        } else {
            refused = publication.id();
            problem = "the published rules " + name + " (" + publication.publishedBy() + ", " + publication.publishedAt()
                    + ") cannot be loaded on this node, which keeps serving version " + before.version() + " sha256:"
                    + before.sha256().substring(0, 12) + ": " + error;
            LOG.warn("rules: {}", problem);
            record(AuditTrail.RULES_REFUSED, which, code(error), "published by " + publication.publishedBy());
        }
    }

    /** After an edit of the rules folder: the rules that went live are published; a refused edit is recorded. */
    private void folderReloaded(boolean live, LiveRules.Status status) {
        if (!live) {
            record(AuditTrail.RULES_REFUSED, null, code(status.lastError()), "rules folder " + rules.dir());
            return;
        }
        publishFolder(status);
    }

    /** Publishes the folder's files, when they are still what was loaded and are not the published rules. */
    private synchronized void publishFolder(LiveRules.Status status) {
        Map<String, byte[]> files;
        try {
            files = RuleFiles.read(rules.dir());
        } catch (IOException e) {
            LOG.warn("rules: the folder {} cannot be read to publish it: {}", rules.dir(), e.getMessage());
            return;
        }
        if (!RuleSet.hashOf(files).equals(status.sha256())) {
            return; // edited again since it was loaded: the reload that follows publishes
        }
        publish(files, status);
    }

    private void publish(Map<String, byte[]> files, LiveRules.Status status) {
        String by = "node " + node.get() + ", rules folder " + rules.dir();
        AuditTrail.Rules which = new AuditTrail.Rules(status.version(), status.sha256());
        try {
            Optional<Published> made = versions.publish(status.sha256(), status.version(), by, files,
                    List.of(AuditTrail.Event.rules(clock.instant(), AuditTrail.RULES_PUBLISHED, node.get(), which, null, by)));
            unpublished = null;
            problem = null;
            refused = null;
            if (made.isPresent()) {
                published = made.get();
                LOG.info("rules: version {} sha256:{} published for every node on the database", status.version(),
                        status.sha256().substring(0, 12));
            }
        } catch (SQLException | RuntimeException e) {
            unpublished = new Unpublished(files, status);
            problem = "[PVP-R005] the rules loaded from the folder " + rules.dir() + " (version " + status.version()
                    + " sha256:" + status.sha256().substring(0, 12) + ") cannot be published, so the other nodes do not"
                    + " serve them; tried again every " + every.toSeconds() + " s: " + String.valueOf(e.getMessage()).split("\n")[0];
            LOG.warn("rules: {}", problem);
        }
    }

    private void record(String event, AuditTrail.Rules which, String errorCode, String detail) {
        try {
            audit.now(AuditTrail.Event.rules(clock.instant(), event, node.get(), which, errorCode, detail));
        } catch (SQLException e) {
            LOG.warn("audit: the rules event {} cannot be recorded: {}", event, String.valueOf(e.getMessage()).split("\n")[0]);
        }
    }

    /** The PVP code a message starts with, e.g. PVP-R001. */
    private static String code(String message) {
        Matcher matcher = message == null ? null : CODE.matcher(message);
        return matcher != null && matcher.find() ? matcher.group(1) : null;
    }

    @Override
    public void close() {
        if (listening != null) {
            try {
                listening.close();
            } catch (Exception e) {
                LOG.debug("rules: no longer listening for publications: {}", e.getMessage());
            }
        }
        poller.shutdownNow();
    }
}
