package org.refracturecds.engine;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.drools.base.definitions.rule.impl.RuleImpl;
import org.drools.decisiontable.InputType;
import org.drools.decisiontable.SpreadsheetCompiler;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;

/**
 * The problems a full compile of a rules folder reports ({@link RuleSet#load}: the same
 * {@link RuleProblem}s, file, row, column and message), found by compiling only the files it has
 * not seen: a cell edit compiles one table instead of all of them. Each rule file is compiled on
 * its own and its knowledge rows fired once in a session of their own; what that gave (its
 * problems, or the facts its rows inserted and which row inserted each) is kept by the file's
 * name and the SHA-256 of its bytes (and the origin its messages name). The checks of the knowledge tables then run on what every
 * file inserted, as at a full load.
 *
 * <p>That is the full compile's answer only when the files cannot change one another's: no file
 * declares a type, function, global or query, no rule name is in two files, every rule is in an
 * agenda group and none has auto-focus (either would fire after the knowledge rows), the knowledge rows
 * are rules without conditions and without an activation group, and each kind of knowledge fact
 * comes from one file (so their order is the file's). Otherwise, and when Drools gives up on a
 * table it cannot read, {@link #check} answers nothing and the caller compiles in full. It never
 * gives compiled rules: what runs scenarios and is published is a full compile.
 */
public final class QuickCheck {

    /**
     * What the files' check found.
     *
     * @param problems every problem a full compile reports, in its order; empty when the rules compile
     * @param version  the rules' version (the Calibration table's), or null when there are problems
     * @param hash     the SHA-256 of the rule files ({@link RuleSet#hash()} of the rules they compile to)
     */
    public record Result(List<RuleProblem> problems, String version, String hash) {
    }

    /**
     * A file compiled alone: its problems (Drools' and its rows without a Source), and what its
     * knowledge rows inserted when it compiles.
     */
    private record Alone(List<RuleProblem> problems, SessionLog knowledge, Set<String> ruleNames,
                         boolean independent) {
    }

    private static final int KEPT = 64;
    private static final Pattern DRL_DECLARATION = Pattern.compile("(?m)^\\s*(declare|function|global|query|unit)\\b");
    private static final Pattern TABLE_DECLARATION = Pattern.compile(
            "(?mi)^\"?\\s*(Functions|Variables|Queries|Declare|Unit)\\b");
    private static final Pattern RULE_NAME = Pattern.compile("(?m)^\\s*rule\\s+(?:\"([^\"]*)\"|'([^']*)'|(\\S+))");

    private final Map<String, Alone> kept = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Alone> eldest) {
            return size() > KEPT;
        }
    };

    /**
     * The problems a full compile of {@code files} (by path in the folder; {@code tests/} is
     * skipped) would report, with {@code origin} naming the folder; empty when the files may affect
     * one another's compilation, so that only a full compile can tell.
     */
    public Optional<Result> check(Map<String, byte[]> files, String origin) {
        Map<String, byte[]> rules = new TreeMap<>(files);
        rules.keySet().removeIf(name -> name.startsWith("tests/"));
        Map<String, Alone> alone = new TreeMap<>();
        for (Map.Entry<String, byte[]> file : rules.entrySet()) {
            if (RuleSet.isRuleFile(file.getKey())) {
                Alone compiled = alone(file.getKey(), file.getValue(), origin);
                if (compiled == null || !compiled.independent()) {
                    return Optional.empty();
                }
                alone.put(file.getKey(), compiled);
            }
        }
        if (sharedRuleNames(alone)) {
            return Optional.empty();
        }
        String hash = RuleSet.hashOf(rules);
        List<RuleProblem> problems = RuleSet.misnamedTables(rules, origin);
        alone.values().forEach(file -> file.problems().stream().filter(p -> !problems.contains(p)).forEach(problems::add));
        if (!problems.isEmpty()) {
            problems.sort(RuleSet.BY_PLACE);
            return Optional.of(new Result(List.copyOf(problems), null, hash));
        }
        Optional<SessionLog> knowledge = merged(alone.values());
        if (knowledge.isEmpty()) {
            return Optional.empty();
        }
        RuleSet.CheckedKnowledge checked = RuleSet.checkKnowledge(knowledge.get(), origin, new RuleSet.Tables(rules));
        return Optional.of(new Result(checked.problems(), checked.problems().isEmpty() ? checked.version() : null, hash));
    }

    /** The file compiled alone, from those kept when it was seen before; null when Drools gave up on it. */
    private Alone alone(String name, byte[] bytes, String origin) {
        String key = origin + "\u0000" + name + "\u0000" + RulesCache.sha256(bytes);
        synchronized (kept) {
            if (kept.containsKey(key)) {
                return kept.get(key);
            }
        }
        Alone compiled = compileAlone(name, bytes, origin);
        synchronized (kept) {
            kept.put(key, compiled);
        }
        return compiled;
    }

    private static Alone compileAlone(String name, byte[] bytes, String origin) {
        RuleSet.Build build = RuleSet.kieBuild(Map.of(name, bytes), origin);
        if (build.gaveUp()) {
            return null;
        }
        boolean excel = DecisionTable.isExcel(name);
        String text = excel ? "" : new String(bytes, StandardCharsets.UTF_8);
        boolean declares = excel || (name.endsWith(".drl") ? DRL_DECLARATION : TABLE_DECLARATION).matcher(text).find();
        List<RuleProblem> problems = new ArrayList<>(Sources.missing(name, bytes));
        if (build.kieBase() == null) {
            build.problems().stream().filter(p -> !problems.contains(p)).forEach(problems::add);
            return new Alone(List.copyOf(problems), null, ruleNames(name, text), !declares);
        }
        Set<String> names = new TreeSet<>();
        boolean independent = !declares;
        for (KiePackage kiePackage : build.kieBase().getKiePackages()) {
            for (Rule rule : kiePackage.getRules()) {
                names.add(rule.getName());
                independent &= alone((RuleImpl) rule);
            }
        }
        return new Alone(List.copyOf(problems), independent ? RuleSet.fireKnowledge(build.kieBase()) : null, names,
                independent);
    }

    /**
     * Whether a rule does the same whatever the other files hold: in a group that is not the main
     * one and takes no focus of itself, and, when a knowledge row, without conditions.
     */
    private static boolean alone(RuleImpl rule) {
        String group = rule.getRuleFlowGroup() != null && !rule.getRuleFlowGroup().isBlank() ? rule.getRuleFlowGroup()
                : rule.getAgendaGroup();
        if (group == null || group.isBlank() || "MAIN".equals(group) || rule.getAutoFocus()) {
            return false;
        }
        return !RuleSet.KNOWLEDGE.equals(group) || rule.getLhs().getChildren().isEmpty()
                && (rule.getActivationGroup() == null || rule.getActivationGroup().isBlank()) && !rule.isQuery();
    }

    /** The names of the rules of a file that does not compile, read from its DRL (a table's as Drools generates it). */
    private static Set<String> ruleNames(String name, String text) {
        String drl = text;
        if (name.endsWith(".drl.csv")) {
            try {
                drl = new SpreadsheetCompiler().compile(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)),
                        InputType.CSV);
            } catch (RuntimeException e) {
                drl = "";
            }
        }
        Set<String> names = new TreeSet<>();
        Matcher rule = RULE_NAME.matcher(drl);
        while (rule.find()) {
            names.add(rule.group(1) != null ? rule.group(1) : rule.group(2) != null ? rule.group(2) : rule.group(3));
        }
        return names;
    }

    private static boolean sharedRuleNames(Map<String, Alone> files) {
        Set<String> seen = new TreeSet<>();
        for (Alone file : files.values()) {
            for (String name : file.ruleNames()) {
                if (!seen.add(name)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** What every file's knowledge rows inserted, file after file; empty when a kind of fact comes from two files. */
    private static Optional<SessionLog> merged(Iterable<Alone> files) {
        SessionLog all = new SessionLog();
        Map<Class<?>, SessionLog> from = new HashMap<>();
        for (Alone file : files) {
            SessionLog log = file.knowledge();
            for (Object fact : log.inserted) {
                if (from.computeIfAbsent(fact.getClass(), type -> log) != log) {
                    return Optional.empty();
                }
            }
            all.inserted.addAll(log.inserted);
            all.insertedBy.putAll(log.insertedBy);
            all.fired.addAll(log.fired);
        }
        return Optional.of(all);
    }

}
