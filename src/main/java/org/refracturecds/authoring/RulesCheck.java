package org.refracturecds.authoring;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleProblem;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.engine.RuleSetException;
import org.refracturecds.facts.Settings;

/**
 * {@code rules check} and {@code rules test} on a rules folder held as files (a workbench draft):
 * the same compilation ({@link RuleSet#load}), scenario reading ({@link ScenarioFiles}) and runs
 * ({@link ScenarioRunner}). The last few outcomes are kept by the files' hash, so that the same
 * files are not compiled twice.
 */
public final class RulesCheck {

    /**
     * What the checks found.
     *
     * @param rules    the compiled rules, or null when they do not compile
     * @param problems every problem of the rule files and of the scenario files
     * @param report   the scenarios' results, or null when they could not be run
     */
    public record Outcome(RuleSet rules, List<RuleProblem> problems, ScenarioRunner.Report report, long millis) {

        /** Whether these rules may be published: they compile, and every scenario passes. */
        public boolean publishable() {
            return rules != null && problems.isEmpty() && report != null && report.allPassed();
        }
    }

    private static final int KEPT = 6;
    private final Settings settings;
    private final Map<String, Outcome> kept = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Outcome> eldest) {
            return size() > KEPT;
        }
    };

    public RulesCheck(Settings settings) {
        this.settings = settings;
    }

    /** Checks a rules folder given as its files by path (tests/ included). */
    public Outcome check(Map<String, byte[]> files) {
        String key = hashOf(files);
        synchronized (kept) {
            Outcome outcome = kept.get(key);
            if (outcome != null) {
                return outcome;
            }
        }
        Outcome outcome = run(files);
        synchronized (kept) {
            kept.put(key, outcome);
        }
        return outcome;
    }

    private Outcome run(Map<String, byte[]> files) {
        long start = System.nanoTime();
        Path dir;
        try {
            dir = RuleFiles.writeToTemporaryFolder(files);
        } catch (IOException e) {
            return new Outcome(null, List.of(new RuleProblem("rules", 0, 0, "cannot be written to a temporary folder: "
                    + e.getMessage())), null, 0);
        }
        try {
            List<RuleProblem> problems = new ArrayList<>();
            RuleSet rules = null;
            try {
                rules = RuleSet.load(dir, "the draft");
            } catch (RuleSetException e) {
                problems.addAll(e.problems());
            }
            ScenarioFiles.Read read;
            try {
                read = ScenarioFiles.read(dir);
            } catch (IOException e) {
                problems.add(new RuleProblem(ScenarioFiles.FOLDER, 0, 0, "cannot be read: " + e.getMessage()));
                read = null;
            }
            if (read != null) {
                problems.addAll(read.problems());
            }
            ScenarioRunner.Report report = rules == null || read == null ? null
                    : ScenarioRunner.run(new Assessor(rules, settings), read.scenarios());
            return new Outcome(rules, List.copyOf(problems), report, (System.nanoTime() - start) / 1_000_000);
        } finally {
            try {
                RuleFiles.delete(dir);
            } catch (IOException e) {
                // a temporary folder left behind costs disk space only
            }
        }
    }

    /** SHA-256 over every file's path and bytes, tests/ included. */
    static String hashOf(Map<String, byte[]> files) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, byte[]> file : new java.util.TreeMap<>(files).entrySet()) {
                digest.update(file.getKey().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(file.getValue());
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
