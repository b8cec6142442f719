package org.refracturecds.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.Callable;

import org.refracturecds.calibration.CalibrationFiles;
import org.refracturecds.calibration.Calibrator;
import org.refracturecds.calibration.Cohort;
import org.refracturecds.calibration.CohortException;
import org.refracturecds.calibration.CohortProblem;
import org.refracturecds.calibration.Cohorts;
import org.refracturecds.calibration.ConsoleSummary;
import org.refracturecds.calibration.LocalCalibration;
import org.refracturecds.calibration.RulesWriter;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.engine.RuleSetException;
import org.refracturecds.engine.RulesCache;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code calibrate COHORT}: the model checked on a centre's own patients and fitted to them (docs/MODEL.md, Local recalibration). */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = {"Checks the published model on a centre's cohort (CSV:"
                + " patient,level,ivc,epd,npec,rr,refracture[,months]; or FHIR with one"
                + " refracture-cemented-vertebra Observation per treated vertebra) and fits logit p = a + b x"
                + " logit p_model to it. Writes DIR/calibration.json, calibration.svg, calibration.png and"
                + " report.html.",
                "Exit 0 on success, 1 when the rules do not compile or would fail their scenarios, 2 on a"
                + " cohort that cannot be used."})
final class CalibrateCommand implements Callable<Integer> {

    /** The most cohort problems printed; the count of the others follows. */
    private static final int SHOWN = 50;

    @Parameters(paramLabel = "COHORT", description = "The cohort: a CSV file, or FHIR (a Bundle or NDJSON).")
    Path cohort;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "calibration",
            description = "Where to write the figures, the plot and the report (default: calibration).")
    Path out;

    @Option(names = "--write-rules", paramLabel = "RULES_DIR", description = "Also write the fitted a and b into this"
            + " rules folder (recalibration.drl.csv and tests/recalibration.yaml), whose published model is the one checked.")
    Path writeRules;

    @Option(names = "--rules", paramLabel = "DIR", description = "Check the model of this rules folder (default: the"
            + " bundled rules; with --write-rules, that folder).")
    Path rules;

    @Option(names = "--by", paramLabel = "NAME", description = "Who fits the model, written with a and b into the rules"
            + " (default: the user's login name).")
    String by;

    @Spec
    CommandSpec spec;

    private final Clock clock;
    private final RulesCache rulesCache;

    CalibrateCommand(Clock clock, RulesCache rulesCache) {
        this.clock = clock;
        this.rulesCache = rulesCache;
    }

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (writeRules != null && rules != null && !writeRules.normalize().equals(rules.normalize())) {
            err.println("error [PVP-C230] --rules " + rules + " and --write-rules " + writeRules + ": the model checked"
                    + " is the one written to; give one folder");
            return Cli.BAD_INPUT;
        }
        Path rulesDir = writeRules != null ? writeRules : rules;
        RuleSet ruleSet;
        try {
            ruleSet = rulesDir == null ? RuleSet.loadBundled(rulesCache) : RuleSet.load(rulesDir, rulesDir.toString(), rulesCache);
        } catch (RuleSetException e) {
            err.println("error " + e.getMessage());
            return Cli.BAD_RULES;
        }
        LocalCalibration calibration;
        try {
            Cohort read = Cohorts.read(cohort, ruleSet, clock);
            String fittedBy = by != null && !by.isBlank() ? by.strip() : System.getProperty("user.name", "unknown");
            calibration = new Calibrator(ruleSet).calibrate(read, fittedBy, LocalDate.now(clock));
        } catch (CohortException e) {
            List<CohortProblem> problems = e.problems();
            problems.stream().limit(SHOWN).forEach(p -> err.println("error " + p.render()));
            if (problems.size() > SHOWN) {
                err.println("... and " + (problems.size() - SHOWN) + " more problems");
            }
            return Cli.BAD_INPUT;
        }
        ConsoleSummary.lines(calibration).forEach(stdout::println);
        try {
            CalibrationFiles files = CalibrationFiles.write(out, calibration);
            stdout.println();
            stdout.println("Written: " + String.join(", ", files.written().stream().map(Path::toString).toList()));
            if (files.problem() != null) {
                err.println("warning " + files.problem());
            }
        } catch (IOException e) {
            err.println("error [PVP-C231] --out " + out + ": cannot be written: " + Cli.reason(e));
            return Cli.BAD_INPUT;
        }
        if (writeRules != null) {
            return writeRules(calibration, stdout, err);
        }
        stdout.flush();
        return 0;
    }

    private int writeRules(LocalCalibration calibration, PrintWriter stdout, PrintWriter err) {
        try {
            RulesWriter.Written written = RulesWriter.write(writeRules, calibration);
            written.replaced().ifPresent(old -> stdout.println("Replaced the recalibration fitted by " + old.getFittedBy()
                    + " on " + old.getFittedOn() + "."));
            stdout.println("Rules " + writeRules + " recalibrated to this centre: version " + written.rules().version()
                    + ", sha256:" + written.rules().shortHash() + " (" + writeRules.resolve(RuleSet.RECALIBRATION_FILE) + ");"
                    + " rules test: " + written.scenariosPassed() + " scenarios passed.");
            stdout.flush();
            return 0;
        } catch (RuleSetException e) {
            err.println("error " + e.getMessage());
            err.println("The recalibration was not written: the files of " + writeRules + " are as they were.");
            return Cli.BAD_RULES;
        } catch (IOException e) {
            err.println("error [PVP-C231] --write-rules " + writeRules + ": cannot be written: " + Cli.reason(e));
            return Cli.BAD_INPUT;
        }
    }
}
