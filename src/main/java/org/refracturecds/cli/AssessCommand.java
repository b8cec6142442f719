package org.refracturecds.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.engine.RuleSetException;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Settings;
import org.refracturecds.fhirin.InputException;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.ObservationMapper;
import org.refracturecds.fhirin.References;
import org.refracturecds.fhirout.RiskAssessmentJson;
import org.refracturecds.fhirout.RiskAssessmentWriter;
import org.refracturecds.validation.InputValidation;
import org.refracturecds.view.PageData;
import org.refracturecds.view.PageRenderer;

import ca.uhn.fhir.context.FhirContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "assess", mixinStandardHelpOptions = true,
        description = {"Reads FHIR R4 Observations of imaging findings and prints a FHIR RiskAssessment:",
                "one JSON object for one patient, NDJSON (one a line) for several.",
                "Exit 0 on success, 1 when the rules do not compile, 2 on bad input (with several patients,",
                "those whose findings can be used are still assessed and printed)."})
final class AssessCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "A FHIR Bundle, a single resource, or NDJSON; - for standard input.")
    String file;

    @Option(names = "--explain", description = "Print plain text: the estimate in words, each factor's contribution,"
            + " the inputs used and the guidance.")
    boolean explain;

    @Option(names = "--debug", description = "With --explain, also name the rules: each guidance row's id and the rules"
            + " that fired, in order.")
    boolean debug;

    @Option(names = "--html", paramLabel = "OUT.html", description = "Also write the surgeon's page (the technique"
            + " chart, each factor's share, the interval, guidance, inputs, limits) to OUT.html: one self-contained file"
            + " for the notes. FILE must hold one patient.")
    Path html;

    @Option(names = "--rules", paramLabel = "DIR", description = "Read the rules from DIR instead of the bundled ones.")
    Path rules;

    @Option(names = "--incidence", paramLabel = "P", description = "Refracture incidence to anchor the model to,"
            + " between 0 and 1 (default: the rules' Calibration table; the bundled rules give the study's 48/1303 = 0.0368).")
    Double incidence;

    @Option(names = "--validation", paramLabel = "MODE", defaultValue = "off", description = "Check the Observations"
            + " against fhir-profiles/: off (default; the check costs seconds at start), warn (problems listed with"
            + " the result), strict (exit 2 on an error).")
    InputValidation.Mode validation;

    @Spec
    CommandSpec spec;

    private final InputStream in;
    private final Clock clock;

    AssessCommand(InputStream in, Clock clock) {
        this.in = in;
        this.clock = clock;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (incidence != null && !(incidence > 0 && incidence < 1)) {
            err.println("error [PVP-C001] --incidence " + incidence + ": give a proportion between 0 and 1,"
                    + " e.g. 0.0368 for 3.68%");
            return Cli.BAD_INPUT;
        }
        // Rules compile on another core while the input is read and parsed.
        CompletableFuture<RuleSet> ruleSet = CompletableFuture.supplyAsync(this::loadRules);
        try {
            List<InputReader.Entry> entries = new InputReader(FhirContext.forR4Cached()).read(read());
            List<InputValidation.Problem> problems = new InputValidation(validation).check(entries);
            if (validation == InputValidation.Mode.STRICT && !problems.isEmpty()) {
                problems.forEach(p -> err.println("error [PVP-V102] " + p.at("") + ": " + p.issue().message()));
                return Cli.BAD_INPUT;
            }
            RuleSet rules = ruleSet.join();
            List<ObservationMapper.Mapped> patients = new ObservationMapper(rules.vocabulary(), References.ofFiles(),
                    clock).mapEach(entries, false);
            if (html != null && patients.size() != 1) {
                err.println("error [PVP-C002] --html " + html + ": writes the page of one patient, and " + file + " holds "
                        + patients.size() + ": give a file with one patient's findings");
                return Cli.BAD_INPUT;
            }
            Assessor assessor = new Assessor(rules, new Settings(incidence));
            RiskAssessmentWriter writer = new RiskAssessmentWriter(clock);
            boolean allAssessed = true;
            for (ObservationMapper.Mapped each : patients) {
                if (each.unusable() != null) {
                    // One patient's unusable findings do not keep the others from being assessed.
                    err.println("error " + each.unusable().render());
                    allAssessed = false;
                    continue;
                }
                Assessment assessment = assessor.assess(withValidationNotices(each.findings(), problems), explain && debug);
                if (html != null) {
                    writePage(assessment);
                }
                if (explain) {
                    ExplainWriter.write(assessment, out, debug);
                } else {
                    out.println(RiskAssessmentJson.encode(writer.write(assessment), patients.size() == 1));
                }
            }
            out.flush();
            err.flush();
            return allAssessed ? 0 : Cli.BAD_INPUT;
        } catch (InputException e) {
            err.println("error " + e.render());
            return Cli.BAD_INPUT;
        } catch (CompletionException e) {
            if (e.getCause() instanceof RulesUnusable rulesUnusable) {
                err.println("error " + rulesUnusable.getCause().getMessage());
                return Cli.BAD_RULES;
            }
            throw e;
        }
    }

    /** The surgeon's page, as the service shows it, for the notes. */
    private void writePage(Assessment assessment) throws InputException {
        String page = new PageRenderer().render(PageData.of(assessment, "Assessed from " + Path.of(file).getFileName(),
                List.of(), DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC).format(clock.instant())));
        try {
            Files.writeString(html, page);
        } catch (IOException e) {
            throw new InputException("PVP-E000", html.toString(), "cannot be written: " + Cli.reason(e));
        }
    }

    /** The patient's findings with the validation problems of that patient's Observations as notices. */
    private static PatientFindings withValidationNotices(PatientFindings patient, List<InputValidation.Problem> problems) {
        return patient.withNotices(problems.stream().filter(p -> patient.patient().equals(p.patient()))
                .map(InputValidation.Problem::notice).toList());
    }

    private byte[] read() throws InputException {
        try {
            return "-".equals(file) ? in.readAllBytes() : Files.readAllBytes(Path.of(file));
        } catch (IOException e) {
            throw new InputException("PVP-E000", file, "cannot be read: " + Cli.reason(e));
        }
    }

    private RuleSet loadRules() {
        try {
            return rules == null ? RuleSet.loadBundled() : RuleSet.load(rules);
        } catch (RuleSetException e) {
            throw new RulesUnusable(e);
        }
    }

    /** Carries a rule compile failure out of the background thread. */
    private static final class RulesUnusable extends RuntimeException {
        RulesUnusable(RuleSetException cause) {
            super(cause);
        }
    }
}
