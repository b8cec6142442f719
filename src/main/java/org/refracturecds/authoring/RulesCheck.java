package org.refracturecds.authoring;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.QuickCheck;
import org.refracturecds.engine.RuleProblem;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.engine.RuleSetException;
import org.refracturecds.facts.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code rules check} and {@code rules test} on a rules folder held as files (a workbench draft):
 * the same compilation ({@link RuleSet#load}), scenario reading ({@link ScenarioFiles}) and runs
 * ({@link ScenarioRunner}). The last few outcomes are kept by the files' hash, so that the same
 * files are not compiled twice, and the scenarios of rules just compiled run on them.
 *
 * <p>A cell edit needs only the problems ({@link #problems}): those come from {@link QuickCheck},
 * which compiles only the files it has not seen. The rules that run scenarios, previews and
 * publications are always a full compile ({@link #compile}, {@link #check}).
 */
public final class RulesCheck {

    /**
     * What the checks found.
     *
     * @param rules     the compiled rules, or null when they do not compile
     * @param problems  every problem of the rule files and of the scenario files
     * @param report    the scenarios' results, or null when they have not been run (or cannot be)
     * @param millis    the time the checks took, in all
     * @param cpuMillis the processor time they took: what they take on an idle machine
     * @param version   the rules' version and short hash ("2.0.0 sha256:0123456789ab") when they compile, else null
     */
    public record Outcome(RuleSet rules, List<RuleProblem> problems, ScenarioRunner.Report report, long millis,
                          long cpuMillis, String version) {

        /** Whether the rule files compile (the scenario files may still have problems). */
        public boolean compiles() {
            return version != null;
        }

        /** Whether these rules may be published: they compile, and every scenario passes. */
        public boolean publishable() {
            return rules != null && problems.isEmpty() && report != null && report.allPassed();
        }
    }

    /** What is kept of a folder checked: the outcome so far, and its scenarios as read. */
    private record Kept(Outcome outcome, ScenarioFiles.Read scenarios) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(RulesCheck.class);
    private static final int KEPT = 6;
    private static final String DRAFT = "the draft";
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private final Settings settings;
    private final QuickCheck quick = new QuickCheck();
    /**
     * Compiles, in the background, the files of a folder just compiled in full that the quick check
     * has not seen (the first edit of a draft would otherwise compile every file alone); only the
     * latest waits.
     */
    private final ThreadPoolExecutor warming = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(1), runnable -> {
                Thread thread = new Thread(runnable, "rules-quick-check");
                thread.setDaemon(true);
                return thread;
            }, new ThreadPoolExecutor.DiscardOldestPolicy());
    private final Map<String, Kept> kept = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Kept> eldest) {
            return size() > KEPT;
        }
    };

    public RulesCheck(Settings settings) {
        this.settings = settings;
    }

    /**
     * {@code rules check} on a rules folder given as its files by path (tests/ included): the rules
     * compiled and the scenario files read, the scenarios not run ({@link Outcome#report()} null).
     */
    public Outcome compile(Map<String, byte[]> files) {
        return compiled(files).outcome();
    }

    /**
     * The problems {@link #compile} would report, found quickly: only the files not seen before are
     * compiled. The outcome holds no compiled rules (unless these files were compiled in full
     * before, or must be), so its scenarios are run by {@link #check}.
     */
    public Outcome problems(Map<String, byte[]> files) {
        synchronized (kept) {
            Kept known = kept.get(hashOf(files));
            if (known != null) {
                return known.outcome();
            }
        }
        long start = System.nanoTime();
        long cpu = THREADS.getCurrentThreadCpuTime();
        Optional<QuickCheck.Result> result;
        try {
            result = quick.check(files, DRAFT);
        } catch (RuntimeException e) {
            result = Optional.empty();
        }
        if (result.isEmpty()) {
            return compile(files);
        }
        List<RuleProblem> problems = new ArrayList<>(result.get().problems());
        Path dir;
        try {
            dir = RuleFiles.writeToTemporaryFolder(scenarioFiles(files));
        } catch (IOException e) {
            return compile(files);
        }
        try {
            problems.addAll(ScenarioFiles.read(dir).problems());
        } catch (IOException e) {
            problems.add(new RuleProblem(ScenarioFiles.FOLDER, 0, 0, "cannot be read: " + e.getMessage()));
        } finally {
            deleteQuietly(dir);
        }
        String version = result.get().version() == null ? null : label(result.get().version(), result.get().hash());
        return new Outcome(null, List.copyOf(problems), null, (System.nanoTime() - start) / 1_000_000,
                (THREADS.getCurrentThreadCpuTime() - cpu) / 1_000_000, version);
    }

    /** {@code rules check} and {@code rules test}: also runs the scenarios, when the rules compile. */
    public Outcome check(Map<String, byte[]> files) {
        String key = hashOf(files);
        Kept compiled = compiled(files);
        Outcome outcome = compiled.outcome();
        if (outcome.report() != null || outcome.rules() == null || compiled.scenarios() == null) {
            return outcome;
        }
        long start = System.nanoTime();
        long cpu = THREADS.getCurrentThreadCpuTime();
        ScenarioRunner.Report report = ScenarioRunner.run(new Assessor(outcome.rules(), settings),
                compiled.scenarios().scenarios());
        Outcome done = new Outcome(outcome.rules(), outcome.problems(), report,
                outcome.millis() + (System.nanoTime() - start) / 1_000_000,
                outcome.cpuMillis() + (THREADS.getCurrentThreadCpuTime() - cpu) / 1_000_000, outcome.version());
        synchronized (kept) {
            kept.put(key, new Kept(done, compiled.scenarios()));
        }
        return done;
    }

    private Kept compiled(Map<String, byte[]> files) {
        String key = hashOf(files);
        synchronized (kept) {
            Kept known = kept.get(key);
            if (known != null) {
                return known;
            }
        }
        Kept made = compileNow(files);
        synchronized (kept) {
            kept.put(key, made);
        }
        if (made.outcome().compiles()) {
            warming.execute(() -> {
                try {
                    quick.check(files, DRAFT);
                } catch (RuntimeException e) {
                    LOG.debug("the quick check of rules that compiled failed; a cell edit checks them in full", e);
                }
            });
        }
        return made;
    }

    private Kept compileNow(Map<String, byte[]> files) {
        long start = System.nanoTime();
        long cpu = THREADS.getCurrentThreadCpuTime();
        Path dir;
        try {
            dir = RuleFiles.writeToTemporaryFolder(files);
        } catch (IOException e) {
            return new Kept(new Outcome(null, List.of(new RuleProblem("rules", 0, 0, "cannot be written to a temporary"
                    + " folder: " + e.getMessage())), null, 0, 0, null), null);
        }
        try {
            List<RuleProblem> problems = new ArrayList<>();
            RuleSet rules = null;
            try {
                rules = RuleSet.load(dir, DRAFT);
            } catch (RuleSetException e) {
                problems.addAll(e.problems());
            } catch (RuntimeException e) {
                problems.add(new RuleProblem("rules", 0, 0, "[PVP-R003] the rules could not be loaded: " + e.getMessage()));
            }
            ScenarioFiles.Read read;
            try {
                read = ScenarioFiles.read(dir);
                problems.addAll(read.problems());
            } catch (IOException e) {
                problems.add(new RuleProblem(ScenarioFiles.FOLDER, 0, 0, "cannot be read: " + e.getMessage()));
                read = null;
            }
            return new Kept(new Outcome(rules, List.copyOf(problems), null, (System.nanoTime() - start) / 1_000_000,
                    (THREADS.getCurrentThreadCpuTime() - cpu) / 1_000_000,
                    rules == null ? null : label(rules.version(), rules.hash())),
                    read != null && read.problems().isEmpty() ? read : null);
        } finally {
            deleteQuietly(dir);
        }
    }

    /** "2.0.0 sha256:0123456789ab": the version and short hash an {@link Outcome} shows. */
    private static String label(String version, String sha256) {
        return version + " sha256:" + sha256.substring(0, 12);
    }

    /** The scenario files of a folder's files, under tests/. */
    private static Map<String, byte[]> scenarioFiles(Map<String, byte[]> files) {
        Map<String, byte[]> scenarios = new TreeMap<>(files);
        scenarios.keySet().removeIf(name -> !name.startsWith(ScenarioFiles.FOLDER + "/"));
        return scenarios;
    }

    private static void deleteQuietly(Path dir) {
        try {
            RuleFiles.delete(dir);
        } catch (IOException e) {
            // a temporary folder left behind costs disk space only
        }
    }

    private static String hashOf(Map<String, byte[]> files) {
        return RuleSet.hashOfAll(files);
    }
}
