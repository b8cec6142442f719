package org.refracturecds.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import org.refracturecds.authoring.RulesSync;
import org.refracturecds.authoring.ScenarioFiles;
import org.refracturecds.authoring.ScenarioRunner;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleProblem;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.engine.RuleSetException;
import org.refracturecds.engine.RulesCache;
import org.refracturecds.facts.Settings;
import org.refracturecds.http.ServiceConfig;
import org.refracturecds.store.Database;
import org.refracturecds.store.RulesVersions;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code rules check} and {@code rules test}: what a clinician runs after editing the rules
 * (docs/AUTHORING.md); {@code rules publish}: what an administrator runs to put rules live on every node.
 */
@Command(name = "rules", mixinStandardHelpOptions = true, description = "Check, test and publish a rules folder.",
        subcommands = {RulesCommand.Check.class, RulesCommand.Test.class, RulesCommand.Publish.class})
final class RulesCommand {

    private final RulesCache rulesCache;

    /** @param rulesCache where compiled rules are kept between runs: an unchanged folder is checked without compiling */
    RulesCommand(RulesCache rulesCache) {
        this.rulesCache = rulesCache;
    }

    /** The folder and the output both subcommands share. */
    abstract static class OnFolder implements Callable<Integer> {

        @Parameters(paramLabel = "DIR", arity = "0..1", defaultValue = "rules",
                description = "The rules folder (default: rules).")
        Path dir;

        @Spec
        CommandSpec spec;

        @ParentCommand
        RulesCommand parent;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        /** The compiled rules and read scenarios, or empty after printing every problem. */
        Optional<Loaded> load() {
            PrintWriter out = out();
            if (!Files.isDirectory(dir)) {
                out.println("error [PVP-C005] " + dir + ": not a folder: give the rules folder, e.g. rules "
                        + spec.name() + " rules");
                return Optional.empty();
            }
            out.println("Rules: " + dir);
            RuleSet rules = null;
            List<RuleProblem> problems;
            ScenarioFiles.Read scenarios = null;
            try {
                rules = RuleSet.load(dir, dir.toString(), parent.rulesCache);
                problems = List.of();
            } catch (RuleSetException e) {
                problems = e.problems();
            }
            try {
                scenarios = ScenarioFiles.read(dir);
            } catch (IOException e) {
                out.println("error " + dir.resolve(ScenarioFiles.FOLDER) + ": cannot be read: " + Cli.reason(e));
                return Optional.empty();
            }
            List<RuleProblem> all = new java.util.ArrayList<>(problems);
            all.addAll(scenarios.problems());
            all.forEach(problem -> out.println("error " + problem.render()));
            if (!all.isEmpty()) {
                out.println(all.size() + " problem" + (all.size() == 1 ? "" : "s") + ": the rules cannot be used"
                        + " until " + (all.size() == 1 ? "it is" : "they are") + " mended");
                return Optional.empty();
            }
            out.println("The rules compile: version " + rules.version() + ", sha256:" + rules.shortHash() + "; "
                    + scenarios.scenarios().size() + " scenarios in " + ScenarioFiles.FOLDER + "/");
            rules.recalibration().ifPresent(r -> out.println("The model is recalibrated to this centre on "
                    + r.getFittedOn() + " by " + r.getFittedBy() + " (" + r.describeFit() + "; " + RuleSet.RECALIBRATION_FILE
                    + "); scenario files that say model: published test the model without it."));
            return Optional.of(new Loaded(rules, scenarios));
        }
    }

    record Loaded(RuleSet rules, ScenarioFiles.Read scenarios) {
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Compiles every rule file and reads every scenario; prints each problem with its file and"
                    + " line (row and column for a table) and a hint.",
                    "Exit 0 when all is well, 1 otherwise."})
    static final class Check extends OnFolder {

        @Override
        public Integer call() {
            return load().isPresent() ? 0 : Cli.BAD_RULES;
        }
    }

    @Command(name = "test", mixinStandardHelpOptions = true,
            description = {"Compiles the rules and runs the clinical scenarios of DIR/tests/*.yaml; prints a pass/fail"
                    + " table with the reason for each failure.",
                    "Exit 0 when all pass, 1 otherwise."})
    static final class Test extends OnFolder {

        @Override
        public Integer call() {
            Optional<Loaded> loaded = load();
            if (loaded.isEmpty()) {
                return Cli.BAD_RULES;
            }
            ScenarioRunner.Report report = ScenarioRunner.run(new Assessor(loaded.get().rules(), new Settings(null)),
                    loaded.get().scenarios().scenarios());
            print(report, out());
            return report.allPassed() ? 0 : Cli.BAD_RULES;
        }
    }

    @Command(name = "publish", mixinStandardHelpOptions = true,
            description = {"Compiles the rules of DIR and runs their scenarios, as a node does before it reloads them;"
                    + " when all pass, publishes them to the database of --config: every node serves them within its"
                    + " rulesPollSeconds plus the time to load them. Publishing older rules is a rollback; --bundled"
                    + " publishes the rules this jar bundles (after an upgrade that brings new ones).",
                    "Exit 0 when published (or already published), 1 for rules that fail, 2 for a setting or a"
                    + " database that cannot be used."})
    static final class Publish extends OnFolder {

        @Option(names = "--config", paramLabel = "FILE",
                description = "The service's settings in YAML; their 'database' is published to.")
        Path config;

        @Option(names = "--bundled", description = "Publish the rules this jar bundles instead of DIR.")
        boolean bundled;

        @Override
        public Integer call() throws IOException, URISyntaxException {
            if (!bundled) {
                return publish(dir + "");
            }
            URI uri = RulesCommand.class.getResource("/rules/pipeline.drl").toURI();
            if (!"jar".equals(uri.getScheme())) {
                dir = Path.of(uri).getParent();
                return publish("--bundled");
            }
            try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
                dir = jar.getPath("/rules");
                return publish("--bundled");
            }
        }

        private int publish(String what) {
            PrintWriter out = out();
            PrintWriter err = spec.commandLine().getErr();
            ServiceConfig settings;
            try {
                settings = ServiceConfig.load(config, Map.of(), System.getenv());
            } catch (ServiceConfig.ConfigException e) {
                err.println("error " + e.getMessage());
                return Cli.BAD_INPUT;
            }
            Optional<Loaded> loaded = load();
            if (loaded.isEmpty()) {
                return Cli.BAD_RULES;
            }
            ScenarioRunner.Report report = ScenarioRunner.run(new Assessor(loaded.get().rules(),
                    new Settings(settings.incidence())), loaded.get().scenarios().scenarios());
            if (!report.allPassed()) {
                print(report, out);
                out.println("Not published: every scenario must pass");
                return Cli.BAD_RULES;
            }
            RuleSet rules = loaded.get().rules();
            String by = "user " + System.getProperty("user.name") + " (rules publish " + what + ")";
            try (Database database = Database.open(settings.databaseSettings())) {
                Optional<RulesVersions.Published> made = RulesSync.publish(new RulesVersions(database, Clock.systemUTC()),
                        dir, rules.hash(), rules.version(), by, Clock.systemUTC());
                out.println(made.isPresent()
                        ? "Published version " + rules.version() + " sha256:" + rules.shortHash() + " ("
                        + report.results().size() + " scenarios passed) to " + Database.withoutParameters(settings.database())
                        + ": every node serves it within " + settings.rulesPollSeconds() + " s plus the time to load it;"
                        + " GET /rules/status shows it"
                        : "Version " + rules.version() + " sha256:" + rules.shortHash() + " is already the published one:"
                        + " nothing changed");
                return 0;
            } catch (SQLException e) {
                err.println("error [PVP-C104] setting 'database' (" + Database.withoutParameters(settings.database())
                        + "): the rules cannot be published: " + String.valueOf(e.getMessage()).split("\n")[0]
                        + (settings.database().startsWith("jdbc:h2:") ? " (an embedded database is open in one"
                        + " process only: stop the service, or publish by editing its rules folder)" : ""));
                return Cli.BAD_INPUT;
            } catch (IOException e) {
                err.println("error " + dir + ": " + Cli.reason(e));
                return Cli.BAD_RULES;
            }
        }
    }

    static void print(ScenarioRunner.Report report, PrintWriter out) {
        int width = Math.max(8, report.results().stream().mapToInt(r -> r.scenario().name().length()).max().orElse(0));
        out.println();
        out.printf("%-6s  %-" + width + "s  %s%n", "RESULT", "SCENARIO", "WHERE");
        for (ScenarioRunner.Result result : report.results()) {
            out.printf("%-6s  %-" + width + "s  %s%n", result.passed() ? "pass" : "FAIL", result.scenario().name(),
                    result.scenario().where());
            result.failures().forEach(failure -> out.println("        - " + failure));
        }
        out.println();
        if (!report.neverFired().isEmpty()) {
            out.println("Note: no scenario fired these rules, so nothing tests them: "
                    + String.join(", ", report.neverFired()));
        }
        out.println(report.passed() + " passed, " + report.failed() + " failed");
    }
}
