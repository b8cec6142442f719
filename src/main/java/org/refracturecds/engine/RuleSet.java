package org.refracturecds.engine;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.drools.base.base.ClassObjectType;
import org.drools.core.impl.InternalRuleBase;
import org.drools.core.reteoo.ObjectTypeNode;
import org.drools.kiesession.rulebase.InternalKnowledgeBase;
import org.drools.kiesession.rulebase.KnowledgeBaseFactory;
import org.kie.api.KieBase;
import org.kie.api.KieServices;
import org.kie.api.builder.KieBuilder;
import org.kie.api.builder.KieFileSystem;
import org.kie.api.builder.Message;
import org.kie.api.builder.ReleaseId;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;
import org.kie.api.runtime.KieSession;
import org.refracturecds.facts.Alternative;
import org.refracturecds.facts.AlternativeChange;
import org.refracturecds.facts.Band;
import org.refracturecds.facts.BodySite;
import org.refracturecds.facts.Calibration;
import org.refracturecds.facts.Coding;
import org.refracturecds.facts.Coefficient;
import org.refracturecds.facts.Covariance;
import org.refracturecds.facts.CovarianceRow;
import org.refracturecds.facts.ExcludedCondition;
import org.refracturecds.facts.PhysicalLimit;
import org.refracturecds.facts.Numbers;
import org.refracturecds.facts.Recalibration;
import org.refracturecds.facts.ScenarioValue;
import org.refracturecds.facts.Statement;
import org.refracturecds.facts.VertebralLevel;
import org.refracturecds.facts.Vocabulary;
import org.refracturecds.facts.Wording;

/**
 * A compiled rule folder: the DRL and decision tables of {@code rules/}, plus the facts its
 * knowledge tables hold (coefficients, codings, bands...), computed once at load.
 *
 * <p>Drools reads a decision table only when its name ends {@code .drl.csv} or
 * {@code .drl.xlsx} and skips any other {@code .csv} without a word, so such a file is refused
 * here instead. The {@code tests/} folder holds clinicians' scenarios, not rules.
 */
public final class RuleSet {

    /** The agenda group whose rules insert the tables' data; run once at load. */
    static final String KNOWLEDGE = "knowledge";
    /** The stages every assessment runs, in order. */
    static final List<String> STAGES = List.of("derive", "complete", "detect", "model", "band", "guidance");

    /** Where the files go in the KIE file system: the folder matches the rules' package. */
    private static final String PACKAGE_FOLDER = "org/refracturecds/rules/";
    private static final String RULES_PATH = "src/main/resources/" + PACKAGE_FOLDER;
    private static final AtomicLong BUILDS = new AtomicLong();
    /** The file the calibrate command writes a centre's recalibration to (docs/MODEL.md, Local recalibration). */
    public static final String RECALIBRATION_FILE = "recalibration.drl.csv";
    static final Comparator<RuleProblem> BY_PLACE = Comparator.comparing(RuleProblem::file)
            .thenComparingInt(RuleProblem::line).thenComparingInt(RuleProblem::column);

    private final KieBase kieBase;
    private final KnowledgeSessions sessions;
    private final List<Object> knowledge;
    /** What every assessment session needs of the knowledge: the facts of a type some rule matches, not the exclusions. */
    private final List<Object> sessionKnowledge;
    private final List<ExcludedCondition> exclusions;
    private final Set<String> assessmentRules;
    private final Map<String, String> wording;
    private final Calibration calibration;
    private final List<Band> bands;
    private final Covariance covariance;
    private final List<Alternative> alternatives;
    private final String favourableScenario;
    private final List<Statement> limits;
    private final Vocabulary vocabulary;
    private final List<Coefficient> coefficients;
    private final List<Coding> codings;
    private final String origin;
    private final String hash;
    private final Instant loadedAt;

    private RuleSet(KieBase kieBase, List<Object> knowledge, Set<String> assessmentRules, String origin, String hash) {
        this.kieBase = kieBase;
        this.assessmentRules = Set.copyOf(assessmentRules);
        this.wording = ofType(knowledge, Wording.class).stream().collect(Collectors.toMap(Wording::getId, Wording::getText));
        this.knowledge = List.copyOf(knowledge);
        Set<Class<?>> matched = matchedTypes(kieBase);
        // The limits (Statements of no finding) are stated with every result by the outputs; the one
        // rule on Statements matches a finding's, so they would only cost their insertion.
        this.sessionKnowledge = knowledge.stream().filter(o -> !(o instanceof ExcludedCondition)
                && !(o instanceof Statement s && s.getFinding() == null)
                && matched.stream().anyMatch(type -> type.isInstance(o))).toList();
        this.sessions = new KnowledgeSessions(kieBase, sessionKnowledge, origin);
        this.exclusions = List.copyOf(ofType(knowledge, ExcludedCondition.class));
        this.calibration = ofType(knowledge, Calibration.class).get(0);
        this.bands = List.copyOf(ofType(knowledge, Band.class));
        this.covariance = ofType(knowledge, Covariance.class).get(0);
        this.alternatives = List.copyOf(ofType(knowledge, Alternative.class));
        this.favourableScenario = ofType(knowledge, ScenarioValue.class).stream().filter(ScenarioValue::isFavourable)
                .map(ScenarioValue::getScenario).findFirst().orElseThrow();
        this.limits = ofType(knowledge, Statement.class).stream().filter(s -> s.getFinding() == null).toList();
        this.vocabulary = new Vocabulary(ofType(knowledge, BodySite.class), ofType(knowledge, PhysicalLimit.class));
        this.coefficients = List.copyOf(ofType(knowledge, Coefficient.class));
        this.codings = List.copyOf(ofType(knowledge, Coding.class));
        this.origin = origin;
        this.hash = hash;
        this.loadedAt = Instant.now();
    }

    /** Compiles the rule files under {@code dir}. */
    public static RuleSet load(Path dir) throws RuleSetException {
        return load(dir, dir.toString());
    }

    /**
     * Compiles the rule files under {@code dir}, a copy of rules from elsewhere: {@code origin} says
     * where they came from, in their status and in every message.
     */
    public static RuleSet load(Path dir, String origin) throws RuleSetException {
        return load(dir, origin, RulesCache.off());
    }

    /**
     * Compiles the rule files under {@code dir}, or takes them compiled from {@code cache} when it
     * holds these files compiled by this build (the knowledge tables and their checks run either way).
     */
    public static RuleSet load(Path dir, String origin, RulesCache cache) throws RuleSetException {
        if (!Files.isDirectory(dir)) {
            throw new RuleSetException(origin, List.of(new RuleProblem(dir.toString(), 0, 0,
                    "not a folder: give the folder that holds pipeline.drl and the .drl.csv tables")));
        }
        try {
            return compile(readFiles(dir), origin, cache);
        } catch (IOException e) {
            throw new RuleSetException(origin, List.of(new RuleProblem(dir.toString(), 0, 0,
                    "cannot be read: " + e.getMessage())));
        }
    }

    /** Compiles the rules bundled in the jar (a copy of the repository's {@code rules/}). */
    public static RuleSet loadBundled() throws RuleSetException {
        return loadBundled(RulesCache.off());
    }

    /** The bundled rules, from {@code cache} when it holds them compiled by this build. */
    public static RuleSet loadBundled(RulesCache cache) throws RuleSetException {
        try {
            URI uri = RuleSet.class.getResource("/rules/pipeline.drl").toURI();
            if ("jar".equals(uri.getScheme())) {
                return compile(readJarFolder(RuleSet.class.getProtectionDomain().getCodeSource().getLocation().toURI(),
                        "rules/"), "the bundled rules", cache);
            }
            return compile(readFiles(Path.of(uri).getParent()), "the bundled rules", cache);
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("the bundled rules are missing from the jar", e);
        }
    }

    /**
     * The files under {@code folder} of the jar, as {@link #readFiles} reads a folder. Read with
     * the JDK's zip reader, which shares the jar's index with the class loader that has it open:
     * a zip file system would index the jar's tens of thousands of entries again (about 0.1 s).
     */
    private static Map<String, byte[]> readJarFolder(URI jarUri, String folder) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (JarFile jar = new JarFile(Path.of(jarUri).toFile())) {
            for (JarEntry entry : (Iterable<JarEntry>) jar.stream()::iterator) {
                String name = entry.getName();
                if (!entry.isDirectory() && name.startsWith(folder) && !name.startsWith(folder + "tests/")) {
                    try (InputStream in = jar.getInputStream(entry)) {
                        files.put(name.substring(folder.length()), in.readAllBytes());
                    }
                }
            }
        }
        return files;
    }

    /** The rule files by their path relative to the folder, in a stable order. */
    private static Map<String, byte[]> readFiles(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.filter(Files::isRegularFile).toList()) {
                String name = dir.relativize(path).toString().replace('\\', '/');
                if (!name.startsWith("tests/")) {
                    files.put(name, Files.readAllBytes(path));
                }
            }
        }
        return files;
    }

    static RuleSet compile(Map<String, byte[]> files, String origin) throws RuleSetException {
        return compile(files, origin, RulesCache.off());
    }

    static RuleSet compile(Map<String, byte[]> files, String origin, RulesCache cache) throws RuleSetException {
        String hash = hash(files);
        List<RuleProblem> problems = misnamedTables(files, origin);
        files.forEach((name, bytes) -> problems.addAll(Sources.missing(name, bytes)));
        Optional<Collection<KiePackage>> cached = problems.isEmpty() ? cache.read(hash) : Optional.empty();
        KieBase kieBase;
        if (cached.isPresent()) {
            InternalKnowledgeBase fromCache = KnowledgeBaseFactory.newKnowledgeBase();
            fromCache.addPackages(List.copyOf(cached.get()));
            kieBase = fromCache;
        } else {
            kieBase = build(files, origin, problems);
            cache.write(hash, kieBase.getKiePackages());
        }
        Tables tables = new Tables(files);
        Knowledge knowledge = runKnowledge(kieBase, origin, tables);
        Set<String> assessmentRules = new TreeSet<>();
        kieBase.getKiePackages().forEach(p -> p.getRules().forEach(r -> assessmentRules.add(r.getName())));
        assessmentRules.removeAll(knowledge.rules());
        removeRules(kieBase, knowledge.rules());
        return new RuleSet(kieBase, knowledge.facts(), assessmentRules, origin, hash);
    }

    /** A table Drools would skip without a word (its name does not end .drl.csv), and a folder with no rule file. */
    static List<RuleProblem> misnamedTables(Map<String, byte[]> files, String origin) {
        List<RuleProblem> problems = new ArrayList<>();
        for (String name : files.keySet()) {
            if (!isRuleFile(name) && (name.endsWith(".csv") || name.endsWith(".xlsx") || name.endsWith(".xls"))) {
                problems.add(new RuleProblem(name, 0, 0, "Drools reads a decision table only when its name ends"
                        + " .drl.csv or .drl.xlsx: rename it, or move it out of the rules folder"));
            }
        }
        if (files.keySet().stream().noneMatch(RuleSet::isRuleFile)) {
            problems.add(new RuleProblem(origin, 0, 0, "no .drl, .drl.csv or .drl.xlsx file"));
        }
        return problems;
    }

    /** Compiles the rule files with Drools; every problem, with those found before, stops it. */
    private static KieBase build(Map<String, byte[]> files, String origin, List<RuleProblem> problems)
            throws RuleSetException {
        Build built = kieBuild(files, origin);
        for (RuleProblem problem : built.problems()) {
            if (!problems.contains(problem)) {
                problems.add(problem);
            }
        }
        if (built.gaveUp()) {
            throw new RuleSetException(origin, problems);
        }
        if (!problems.isEmpty()) {
            problems.sort(BY_PLACE);
            throw new RuleSetException(origin, problems);
        }
        return built.kieBase();
    }

    /**
     * What Drools made of some rule files: their rule base, or every problem it reported at its
     * file, row and column.
     *
     * @param gaveUp true when Drools threw on a table it could not read at all instead of
     *               reporting: then {@code problems} holds that one problem, and nothing of the other files
     */
    record Build(KieBase kieBase, List<RuleProblem> problems, boolean gaveUp) {
    }

    /** Compiles the rule files of {@code files} (others are skipped) with Drools, as one build. */
    static Build kieBuild(Map<String, byte[]> files, String origin) {
        KieServices kie = KieServices.Factory.get();
        KieFileSystem kfs = kie.newKieFileSystem();
        ReleaseId release = kie.newReleaseId("org.refracturecds", "rules", "1.0." + BUILDS.incrementAndGet());
        kfs.generateAndWritePomXML(release);
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            if (isRuleFile(file.getKey())) {
                kfs.write(RULES_PATH + file.getKey(), file.getValue());
            }
        }
        KieBuilder builder;
        try {
            builder = kie.newKieBuilder(kfs).buildAll();
        } catch (RuntimeException e) {
            // Drools throws, instead of reporting, when a table's layout cannot be read at all.
            String table = files.keySet().stream().filter(name -> String.valueOf(e.getMessage()).contains(name))
                    .findFirst().orElse(origin);
            return new Build(null, List.of(DecisionTable.parseProblem(table, e)), true);
        }
        Tables tables = new Tables(files);
        List<RuleProblem> problems = new ArrayList<>();
        for (Message message : builder.getResults().getMessages(Message.Level.ERROR)) {
            String path = message.getPath() == null ? origin : message.getPath().replace(RULES_PATH, "").replace(PACKAGE_FOLDER, "");
            String text = message.getText().strip();
            Optional<DecisionTable> table = tables.get(path);
            RuleProblem problem = table.map(t -> t.locate(message.getLine(), text))
                    .orElseGet(() -> new RuleProblem(path, message.getLine(), message.getColumn(), text, Hints.of(text)));
            if (!problems.contains(problem)) {
                problems.add(problem);
            }
        }
        if (!problems.isEmpty()) {
            return new Build(null, problems, false);
        }
        KieBase kieBase = kie.newKieContainer(release).getKieBase();
        kie.getRepository().removeKieModule(release);
        return new Build(kieBase, List.of(), false);
    }

    /**
     * Takes the knowledge tables' rows out of the rule base once they have run: each row is a rule
     * without conditions, which every new session would otherwise activate (a few hundred rows,
     * most of a session's start-up) only never to fire it.
     */
    private static void removeRules(KieBase kieBase, Set<String> names) {
        for (KiePackage kiePackage : List.copyOf(kieBase.getKiePackages())) {
            for (Rule rule : List.copyOf(kiePackage.getRules())) {
                if (names.contains(rule.getName())) {
                    kieBase.removeRule(kiePackage.getName(), rule.getName());
                }
            }
        }
    }

    /**
     * The fact types some rule of the rule base matches (a pattern of its conditions, also inside
     * collect, accumulate or not), read from the compiled network: an object type node with
     * something below it. A fact of any other type would only cost its insertion.
     */
    private static Set<Class<?>> matchedTypes(KieBase kieBase) {
        Set<Class<?>> types = new HashSet<>();
        for (ObjectTypeNode node : ((InternalRuleBase) kieBase).getRete().getObjectTypeNodes()) {
            if (node.getObjectSinkPropagator().size() > 0 && node.getObjectType() instanceof ClassObjectType type) {
                types.add(type.getClassType());
            }
        }
        return types;
    }

    static boolean isRuleFile(String name) {
        return name.endsWith(".drl") || isTable(name);
    }

    static boolean isTable(String name) {
        return name.endsWith(".drl.csv") || name.endsWith(".drl.xlsx");
    }

    /** The decision tables of a build, each read (cells and generated DRL) only when a problem needs it, and once. */
    static final class Tables {

        private final Map<String, byte[]> files;
        private final Map<String, Optional<DecisionTable>> read = new TreeMap<>();

        Tables(Map<String, byte[]> files) {
            this.files = files;
        }

        Optional<DecisionTable> get(String name) {
            return isTable(name) && files.containsKey(name)
                    ? read.computeIfAbsent(name, n -> DecisionTable.read(n, files.get(n))) : Optional.empty();
        }

        /** A rule that a table generated, at the table's row; the rule's name when no table has it. */
        RuleProblem atRule(String rule, String message) {
            return atRule(rule, message, null);
        }

        RuleProblem atRule(String rule, String message, String hint) {
            for (String name : files.keySet()) {
                Optional<Integer> row = get(name).flatMap(t -> t.rowOfRule(rule));
                if (row.isPresent()) {
                    return new RuleProblem(name, row.get(), 0, message, hint).inTable(null);
                }
            }
            return new RuleProblem(rule, 0, 0, message, hint);
        }
    }

    /** What the knowledge tables inserted with the facts made from several rows, and the rules (table rows) that did it. */
    private record Knowledge(List<Object> facts, Set<String> rules) {
    }

    /**
     * Fires the knowledge tables once and keeps what they insert, when {@link #checkKnowledge}
     * finds no problem in it.
     */
    private static Knowledge runKnowledge(KieBase kieBase, String origin, Tables tables) throws RuleSetException {
        SessionLog log = fireKnowledge(kieBase);
        CheckedKnowledge checked = checkKnowledge(log, origin, tables);
        if (!checked.problems().isEmpty()) {
            throw new RuleSetException(origin, checked.problems());
        }
        List<Object> facts = new ArrayList<>(log.inserted);
        checked.recalibration().ifPresent(log.ofType(Calibration.class).get(0)::setRecalibration);
        facts.add(checked.covariance().orElseThrow());
        facts.addAll(checked.alternatives());
        return new Knowledge(facts, Set.copyOf(log.fired));
    }

    /** The knowledge tables fired once in a new session of {@code kieBase}: what they inserted, and which rule did. */
    static SessionLog fireKnowledge(KieBase kieBase) {
        KieSession session = kieBase.newKieSession();
        try {
            SessionLog log = SessionLog.attach(session, true);
            session.getAgenda().getAgendaGroup(KNOWLEDGE).setFocus();
            session.fireAllRules();
            return log;
        } finally {
            session.dispose();
        }
    }

    /** What {@link #checkKnowledge} found, and the facts it made from several rows. */
    record CheckedKnowledge(List<RuleProblem> problems, Optional<Covariance> covariance, List<Alternative> alternatives,
                            Optional<Recalibration> recalibration, String version) {
    }

    /**
     * Checks what the knowledge tables inserted: the Wording rows the cards need, the levels of the
     * BodySites, the Calibration row, then the tables whose rows make sense only together
     * ({@link KnowledgeChecks}). Changes none of the facts. (A row without its Source was refused
     * before, on its cells: {@link Sources}.)
     */
    static CheckedKnowledge checkKnowledge(SessionLog log, String origin, Tables tables) {
        List<RuleProblem> problems = new ArrayList<>();
        Set<String> worded = new TreeSet<>(log.ofType(Wording.class).stream().map(Wording::getId).toList());
        Wording.REQUIRED.stream().filter(id -> !worded.contains(id)).forEach(id -> problems.add(new RuleProblem(
                "statements.drl.csv", 0, 0, "the Wording table has no row " + id + ": the cards need it; put it back")));
        for (BodySite site : log.ofType(BodySite.class)) {
            if (site.getLevel() == null || VertebralLevel.byName(site.getLevel()).isEmpty()) {
                problems.add(tables.atRule(log.insertedBy.get(site), "in the BodySites table, the vertebra '"
                        + site.getLevel() + "' is not one of T4 to L5, the levels the paper studied"));
            }
        }
        List<Calibration> calibrations = log.ofType(Calibration.class);
        if (calibrations.size() != 1) {
            problems.add(new RuleProblem(origin, 0, 0, "the Calibration table needs exactly one row, found "
                    + calibrations.size()));
        } else if (Math.abs(calibrations.get(0).levelOfZ() - calibrations.get(0).getLevel()) > 0.0005) {
            Calibration k = calibrations.get(0);
            problems.add(tables.atRule(log.insertedBy.get(k), "in the Calibration table, z " + Numbers.plain(k.getZ())
                    + " gives a " + Numbers.percent(k.levelOfZ(), 3) + " interval but the Level says "
                    + Numbers.plain(k.getLevel()) + ": change both together (1.645 and 0.90, 1.96 and 0.95,"
                    + " 2.576 and 0.99)"));
        }
        KnowledgeChecks checks = new KnowledgeChecks((fact, message, hint) ->
                tables.atRule(log.insertedBy.get(fact), message, hint));
        List<Coefficient> coefficients = log.ofType(Coefficient.class);
        Optional<Covariance> covariance = checks.covariance(log.ofType(CovarianceRow.class), coefficients, "model.drl.csv");
        checks.favourableScenario(log.ofType(ScenarioValue.class), "scenarios.drl.csv");
        checks.bandIndicators(log.ofType(Band.class));
        List<Alternative> alternatives = checks.alternatives(log.ofType(AlternativeChange.class), coefficients,
                log.ofType(Coding.class));
        String version = calibrations.size() == 1 ? calibrations.get(0).getVersion() : null;
        Optional<Recalibration> recalibration = checks.recalibration(log.ofType(Recalibration.class),
                version, worded.contains(Wording.RECALIBRATED), RECALIBRATION_FILE);
        problems.addAll(checks.problems());
        return new CheckedKnowledge(List.copyOf(problems), covariance, alternatives, recalibration, version);
    }

    static <T> List<T> ofType(List<Object> objects, Class<T> type) {
        return new ArrayList<>(objects.stream().filter(type::isInstance).map(type::cast).toList());
    }

    /**
     * The {@link #hash()} a rules folder with these files (by their path in it, folders separated
     * by /) compiles to; the scenarios under {@code tests/} do not count.
     */
    public static String hashOf(Map<String, byte[]> files) {
        Map<String, byte[]> rules = new TreeMap<>(files);
        rules.keySet().removeIf(name -> name.startsWith("tests/"));
        return hash(rules);
    }

    /** SHA-256 over every file given, by path, tests/ included (what tells two drafts of a folder apart). */
    public static String hashOfAll(Map<String, byte[]> files) {
        return hash(new TreeMap<>(files));
    }

    /** SHA-256 over every file's path and bytes: any edit gives a new hash. */
    private static String hash(Map<String, byte[]> files) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                digest.update(file.getKey().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(file.getValue());
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    KieBase kieBase() { return kieBase; }

    /** The sessions assessments run in, each with the knowledge an assessment needs. */
    KnowledgeSessions sessions() { return sessions; }
    List<Object> knowledge() { return knowledge; }
    List<Object> sessionKnowledge() { return sessionKnowledge; }
    /** The study's excluded conditions: a session needs them only when the patient has conditions. */
    List<ExcludedCondition> exclusions() { return exclusions; }
    /** The Calibration table: the model id, its version, the intercept, the incidence, the horizon. */
    public Calibration calibration() { return calibration; }
    List<Band> bands() { return bands; }
    /** The covariance of the coefficients (table Covariance), which gives the interval. */
    Covariance covariance() { return covariance; }
    /** The alternative reconstructions every prediction is also shown under (table Sensitivity). */
    List<Alternative> alternatives() { return alternatives; }
    /** The id of the technique scenario whose band is the vertebra's band before PVP (scenarios.drl.csv). */
    String favourableScenario() { return favourableScenario; }
    /** The model's limits, stated with every result. */
    List<Statement> limits() { return limits; }
    /** How the input may name a vertebra, and the values a measurement can have: what the FHIR mapping needs. */
    public Vocabulary vocabulary() { return vocabulary; }

    /** The model's factors (model.drl.csv, table Coefficients). */
    public List<Coefficient> coefficients() { return coefficients; }
    /** How each factor's findings are coded (model.drl.csv, table Codings). */
    public List<Coding> codings() { return codings; }

    /** The rules that run for each patient (not those that load the tables' data), by name. */
    public Set<String> assessmentRules() { return assessmentRules; }

    /** What the cards say in a situation (statements.drl.csv, table Wording), by id. */
    public String wording(String id) {
        return wording.get(id);
    }

    /** The version a clinician gives the rules (the Calibration table's Version column). */
    public String version() { return calibration.getVersion(); }

    /** The centre's recalibration the rules hold (table Recalibration), if any. */
    public Optional<Recalibration> recalibration() { return Optional.ofNullable(calibration.getRecalibration()); }

    /** Where the rules were read from. */
    public String origin() { return origin; }
    /** The SHA-256 of the rule files. */
    public String hash() { return hash; }
    /** The first 12 hex digits of the hash, as results show it. */
    public String shortHash() { return hash.substring(0, 12); }
    public Instant loadedAt() { return loadedAt; }
}
