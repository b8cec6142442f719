package org.refracturecds.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;

import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.OnEveryCore;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.engine.RuleSetException;
import org.refracturecds.engine.RulesCache;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Settings;
import org.refracturecds.fhirin.InputException;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.ObservationMapper;
import org.refracturecds.fhirin.PatientLines;
import org.refracturecds.fhirin.PvpProcedures;
import org.refracturecds.fhirin.References;
import org.refracturecds.fhirin.ServerCredentials;
import org.refracturecds.fhirout.RiskAssessmentJson;
import org.refracturecds.fhirout.RiskAssessmentWriter;
import org.refracturecds.http.HttpError;
import org.refracturecds.http.ServiceConfig;
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
        description = {"Reads FHIR R4 Observations of imaging findings and prints a FHIR RiskAssessment: one"
                + " JSON object for one JSON document about one patient, NDJSON (one a line) otherwise.",
                "With --fhir-server, assesses a population read from that server (NDJSON), optionally writing the"
                + " RiskAssessments back to it; a run stopped part way goes on with --resume.",
                "Exit 0 on success, 1 when the rules do not compile, 2 on bad input (with several patients, those"
                + " whose findings can be used are still assessed and printed), 4 when the FHIR server cannot be used"
                + " (unreachable, not FHIR, credentials refused)."})
final class AssessCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", arity = "0..1", description = "A FHIR Bundle, a single resource, or NDJSON; - for"
            + " standard input. Not with --fhir-server.")
    String file;

    @Option(names = "--fhir-server", paramLabel = "URL", description = "Assess patients read from this FHIR R4 server"
            + " (its base URL) instead of FILE: those named by --patient, --all, or --since (default with --config:"
            + " its fhirServer.url).")
    String fhirServer;

    @Option(names = "--patient", paramLabel = "ID", arity = "1..*", split = ",", description = "With --fhir-server:"
            + " these patients (Patient ids).")
    List<String> patients;

    @Option(names = "--all", description = "With --fhir-server: every patient with a finding coded per the module's"
            + " CodeSystem; read by the server's Bulk Data $export when it offers one.")
    boolean all;

    @Option(names = "--since", paramLabel = "DATE", description = "With --fhir-server: the patients with a finding"
            + " saved since DATE (2026-01-31, or an instant such as 2026-01-31T08:00:00Z), by _lastUpdated.")
    String since;

    @Option(names = "--out", paramLabel = "FILE.ndjson", description = "With --fhir-server: write the NDJSON to this"
            + " file (appended to with --resume) instead of standard output.")
    Path outFile;

    @Option(names = "--state", paramLabel = "FILE", defaultValue = "pvp-population.state", description = "With"
            + " --fhir-server: the file that records the patients done, for --resume (default: ${DEFAULT-VALUE}).")
    Path state;

    @Option(names = "--resume", description = "With --fhir-server: go on with the run recorded in --state, skipping"
            + " the patients it has done.")
    boolean resume;

    @Option(names = "--write-back", description = "With --fhir-server: also write one RiskAssessment per vertebral"
            + " level to the server, by a conditional update on its identifier (an unchanged one is not written).")
    boolean writeBack;

    @Option(names = "--no-export", description = "With --all: read the patients by searches even when the server"
            + " offers Bulk Data $export.")
    boolean noExport;

    @Option(names = "--bearer-token-env", paramLabel = "NAME", description = "With --fhir-server: send the token in"
            + " environment variable NAME as Authorization: Bearer.")
    String bearerTokenEnv;

    @Option(names = "--config", paramLabel = "FILE", description = "With a FHIR server: the service's settings, whose"
            + " fhirServer.auth (none, bearer, or smart: SMART Backend Services) gives the credentials, as for serve;"
            + " and fhirServer.url the server when --fhir-server is not given.")
    Path config;

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
    private final PrintStream stdout;
    private final Clock clock;
    private final RulesCache rulesCache;

    /** @param stdout the bytes under {@code spec.commandLine().getOut()}: the RiskAssessments are written there as UTF-8 */
    AssessCommand(InputStream in, PrintStream stdout, Clock clock, RulesCache rulesCache) {
        this.in = in;
        this.stdout = stdout;
        this.clock = clock;
        this.rulesCache = rulesCache;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (incidence != null && !(incidence > 0 && incidence < 1)) {
            // Named as typed ("10", not picocli's 10.0); a value that reads as a percentage says how to give it.
            String typed = spec.commandLine().getParseResult().matchedOption("--incidence").originalStringValues().get(0);
            String asProportion = BigDecimal.valueOf(incidence).movePointLeft(2).stripTrailingZeros().toPlainString();
            err.println("error [PVP-C001] --incidence " + typed + ": give a proportion between 0 and 1,"
                    + " e.g. 0.0368 for 3.68%" + (incidence >= 1 && incidence < 100
                    ? " (for " + typed + "% give " + asProportion + ")" : ""));
            return Cli.BAD_INPUT;
        }
        if (fhirServer != null || config != null || file == null) {
            return population(err);
        }
        String notWithFile = List.of(patients != null ? "--patient" : "", all ? "--all" : "", since != null ? "--since" : "",
                outFile != null ? "--out" : "", resume ? "--resume" : "", writeBack ? "--write-back" : "",
                bearerTokenEnv != null ? "--bearer-token-env" : "", noExport ? "--no-export" : "",
                spec.commandLine().getParseResult().hasMatchedOption("--state") ? "--state" : "").stream()
                .filter(o -> !o.isEmpty()).collect(Collectors.joining(", "));
        if (!notWithFile.isEmpty()) {
            err.println("error [PVP-C301] " + notWithFile + ": for a population read from a FHIR server; give"
                    + " --fhir-server URL instead of " + file);
            return Cli.BAD_INPUT;
        }
        if (debug && !explain) {
            err.println("error [PVP-C003] --debug: names the rules in the text of --explain; give --explain too");
            return Cli.BAD_INPUT;
        }
        // Rules compile on another core while the input is read and parsed.
        CompletableFuture<RuleSet> ruleSet = CompletableFuture.supplyAsync(this::loadRules);
        try {
            byte[] bytes = read();
            PatientLines byPatient = explain || html != null || validation != InputValidation.Mode.OFF ? null
                    : PatientLines.of(FhirContext.forR4Cached(), bytes);
            if (byPatient != null) {
                return assessByPatient(byPatient, ruleSet.join(), err);
            }
            String text = InputReader.text(bytes);
            bytes = null;
            List<InputReader.Entry> entries = InputReader.ofWholeInput(FhirContext.forR4Cached()).read(text);
            text = null; // the resources hold what is needed of it
            List<InputValidation.Problem> problems = new InputValidation(validation).check(entries);
            if (validation == InputValidation.Mode.STRICT && !problems.isEmpty()) {
                problems.forEach(p -> err.println("error [PVP-V102] " + p.at("") + ": " + p.issue().message()));
                return Cli.BAD_INPUT;
            }
            RuleSet rules = ruleSet.join();
            ObservationMapper.Population population = new ObservationMapper(rules.vocabulary(), References.ofFiles(),
                    clock).mapEach(entries, false);
            List<ObservationMapper.Mapped> patients = population.patients();
            // Left out, and of none of the patients: said once here, not in each patient's RiskAssessment.
            population.aboutNone().forEach(notice -> err.println("note " + notice.render()));
            noteWithoutFindings(population.withoutFindings(), err);
            // One JSON document about one patient is answered pretty-printed; NDJSON with NDJSON, whatever it holds.
            boolean pretty = patients.size() == 1 && InputReader.oneDocument(entries);
            // The resources are not needed past here: a large file's are most of the heap, which the
            // collector can then reuse while the patients are assessed.
            entries = null;
            if (html != null && patients.size() != 1) {
                err.println("error [PVP-C002] --html " + html + ": writes the page of one patient, and " + file + " holds "
                        + patients.size() + ": give a file with one patient's findings");
                return Cli.BAD_INPUT;
            }
            PatientPrinter printer = new PatientPrinter(rules, err);
            // The patients are assessed on every core, and printed in the order of the input as before.
            OnEveryCore.inOrder(patients, each -> printer.assess(each, problems, pretty), printer::print);
            return printer.end();
        } catch (InputException e) {
            err.println("error " + e.render());
            return Cli.BAD_INPUT;
        } catch (Stopped e) {
            err.println("error " + e.getCause().render());
            return Cli.BAD_INPUT;
        } catch (CompletionException e) {
            if (e.getCause() instanceof RulesUnusable rulesUnusable) {
                err.println("error " + rulesUnusable.getCause().getMessage());
                return Cli.BAD_RULES;
            }
            throw e;
        }
    }

    /**
     * NDJSON of patients whose lines are their own ({@link PatientLines}): parsed, mapped, assessed
     * and printed {@value #PATIENTS_AT_ONCE} patients at a time on every core (after the first
     * {@value OnEveryCore#WARM_UP}, one after another), so that only the file's bytes are held, not every
     * resource of it. The output is what the whole file's run prints, line for line (PopulationFileTest),
     * but for a value HAPI refuses in a patient's Observation: found only when that patient's turn
     * comes, it stops the run there, after the patients before it were printed.
     */
    private int assessByPatient(PatientLines byPatient, RuleSet rules, PrintWriter err) {
        noteWithoutFindings(byPatient.withoutFindings(), err);
        InputReader reader = new InputReader(FhirContext.forR4Cached());
        ObservationMapper mapper = new ObservationMapper(rules.vocabulary(), References.ofFiles(), clock);
        PatientPrinter printer = new PatientPrinter(rules, err);
        List<PatientLines.Group> patients = byPatient.patients();
        List<Integer> parts = new ArrayList<>();
        for (int first = 0; first < patients.size(); first += PATIENTS_AT_ONCE) {
            parts.add(first);
        }
        int[] handed = {0};
        try {
            OnEveryCore.inOrder(parts, OnEveryCore.WARM_UP / PATIENTS_AT_ONCE,
                    first -> assessPart(patients, first, reader, mapper, printer), part -> {
                        // Always empty here (each line names a patient with findings); printed should that change.
                        part.aboutNone().forEach(notice -> err.println("note " + notice.render()));
                        part.patients().forEach(printer::print);
                        handed[0] += part.patients().size();
                        if (part.refused() != null) {
                            throw new Refused(stoppedAt(part.refused(), handed[0]));
                        }
                    });
        } catch (Refused refused) {
            try {
                printer.end(); // the patients before the refused line's are written out
            } catch (Stopped unwritable) {
                err.println("error " + unwritable.getCause().render());
            }
            throw refused;
        }
        return printer.end();
    }

    /**
     * The patients from {@code first}, {@value #PATIENTS_AT_ONCE} at most, parsed, mapped and
     * assessed up to the first whose lines HAPI refuses; thread-safe.
     */
    private Part assessPart(List<PatientLines.Group> patients, int first, InputReader reader, ObservationMapper mapper,
                            PatientPrinter printer) {
        List<InputReader.Entry> entries = new ArrayList<>();
        InputException refused = null;
        for (PatientLines.Group patient : patients.subList(first, Math.min(patients.size(), first + PATIENTS_AT_ONCE))) {
            try {
                entries.addAll(reader.read(patient));
            } catch (InputException e) {
                refused = e;
                break;
            }
        }
        if (entries.isEmpty()) {
            return new Part(List.of(), List.of(), refused);
        }
        try {
            ObservationMapper.Population population = mapper.mapEach(entries, false);
            return new Part(population.aboutNone(), population.patients().stream()
                    .map(patient -> printer.assess(patient, List.of(), false)).toList(), refused);
        } catch (InputException e) {
            return new Part(List.of(), List.of(), e);
        }
    }

    /** What a part of {@link #assessByPatient} prints, and the refusal that stops the run after it, or null. */
    private record Part(List<Notice> aboutNone, List<Printed> patients, InputException refused) {
    }

    /** A refusal found when its patient's turn came, saying how far the run went. */
    private static InputException stoppedAt(InputException refused, int handed) {
        return new InputException(refused.code(), refused.where(), refused.getMessage() + " (the run stopped here, "
                + (handed == 0 ? "before any patient" : "after the first " + handed + (handed == 1 ? " patient" : " patients")
                + ", whose RiskAssessments, or why there is none, are printed") + ": the others are not assessed)");
    }

    /** The patients a part of {@link #assessByPatient} holds: a few milliseconds of work, a few kilobytes each. */
    private static final int PATIENTS_AT_ONCE = 8;

    /** Says which Patients of the input have no finding, and so no RiskAssessment. */
    private static void noteWithoutFindings(List<String> without, PrintWriter err) {
        if (!without.isEmpty()) {
            err.println("note [PVP-I109] " + without.size() + (without.size() == 1 ? " Patient has" : " Patients have")
                    + " no finding the model reads, and no RiskAssessment: " + String.join(", ", without.subList(0,
                    Math.min(20, without.size()))) + (without.size() > 20 ? " and " + (without.size() - 20) + " more" : ""));
        }
    }

    /** Assesses patients and prints their RiskAssessments (or --explain's text) as bytes, the errors as lines. */
    private final class PatientPrinter {
        private final Assessor assessor;
        private final RiskAssessmentWriter writer = new RiskAssessmentWriter(clock);
        private final PrintWriter err;
        private final byte[] newLine = System.lineSeparator().getBytes(StandardCharsets.UTF_8);
        // Written as bytes: a large file's RiskAssessments are hundreds of megabytes, which a String
        // would turn into characters and back.
        private final BufferedOutputStream bytes = new BufferedOutputStream(stdout, 1 << 16);
        private boolean allAssessed = true;

        PatientPrinter(RuleSet rules, PrintWriter err) {
            this.assessor = new Assessor(rules, new Settings(incidence));
            this.err = err;
            spec.commandLine().getOut().flush();
        }

        /** One patient's lines; thread-safe. */
        Printed assess(ObservationMapper.Mapped each, List<InputValidation.Problem> problems, boolean pretty) {
            if (each.unusable() != null) {
                return new Printed(null, null, "error " + each.unusable().render());
            }
            Assessment assessment = assessor.assess(withValidationNotices(each.findings(), problems), explain && debug);
            if (explain) {
                StringWriter text = new StringWriter();
                ExplainWriter.write(assessment, new PrintWriter(text), debug);
                return new Printed(assessment, text.toString().getBytes(StandardCharsets.UTF_8), null);
            }
            return new Printed(assessment, RiskAssessmentJson.encodeUtf8(writer.write(assessment), pretty), null);
        }

        /** Prints one patient's lines, on the calling thread, in the input's order. */
        void print(Printed printed) {
            if (printed.error() != null) {
                // One patient's unusable findings do not keep the others from being assessed. Said after
                // the patients before it are written, for a reader of both streams as one (2>&1).
                AssessCommand.this.print(bytes, new byte[0], true);
                err.println(printed.error());
                err.flush();
                allAssessed = false;
                return;
            }
            if (html != null) {
                writePage(printed.assessment());
            }
            AssessCommand.this.print(bytes, printed.text(), false);
            if (!explain) {
                AssessCommand.this.print(bytes, newLine, false);
            }
        }

        /** The exit code, once everything is written. */
        int end() {
            AssessCommand.this.print(bytes, new byte[0], true);
            err.flush();
            return allAssessed ? 0 : Cli.BAD_INPUT;
        }
    }

    /** {@code --fhir-server}: the options checked, then the population run. */
    private int population(PrintWriter err) {
        ServiceConfig settings = null;
        if (config != null) {
            try {
                // A run calls the FHIR server only: serve's other secrets (the database's, the notifications') are not read.
                settings = ServiceConfig.load(config, Map.of(), System.getenv(), Set.of("fhirServer.auth.token"));
            } catch (ServiceConfig.ConfigException e) {
                err.println("error " + e.getMessage());
                return Cli.BAD_INPUT;
            }
            if (fhirServer == null && file == null) {
                fhirServer = settings.fhirServer().url();
            }
        }
        String problem = populationProblem();
        if (problem != null) {
            err.println("error [PVP-C301] " + problem);
            return Cli.BAD_INPUT;
        }
        ServerCredentials credentials;
        String credentialsFrom;
        try {
            if (settings != null) {
                credentials = ServerCredentials.of(settings.fhirServer().auth(), clock);
                credentialsFrom = "setting fhirServer.auth of --config " + config;
            } else {
                String token = bearerTokenEnv == null ? null : System.getenv(bearerTokenEnv);
                if (bearerTokenEnv != null && (token == null || token.isBlank())) {
                    err.println("error [PVP-C301] --bearer-token-env " + bearerTokenEnv + ": the environment variable"
                            + " is not set or empty; set it to the token the FHIR server gave");
                    return Cli.BAD_INPUT;
                }
                credentials = ServerCredentials.of(new ServiceConfig.ServerAuth(token == null ? "none" : "bearer", token,
                        null, null, null, null, null, null, null), clock);
                credentialsFrom = "--bearer-token-env names the variable that holds a token";
            }
        } catch (IOException e) {
            err.println("error [PVP-C113] fhirServer.auth: the module's key cannot be read: " + e.getMessage());
            return Cli.BAD_INPUT;
        }
        RuleSet rules;
        try {
            rules = loadRules();
        } catch (RulesUnusable e) {
            err.println("error " + e.getCause().getMessage());
            return Cli.BAD_RULES;
        }
        PopulationRun.Options options = new PopulationRun.Options(fhirServer.replaceAll("/+$", ""),
                patients == null ? List.of() : List.copyOf(patients), since, outFile, state, resume, writeBack, credentials,
                credentialsFrom, !noExport, new PvpProcedures(settings == null ? List.of() : settings.extraPvpCodes()));
        return new PopulationRun(options, new Assessor(rules, new Settings(incidence)), clock,
                spec.commandLine().getOut(), err).run();
    }

    /** What is wrong with the options of a population run, or null; the server defaults to --config's fhirServer.url. */
    private String populationProblem() {
        if (config != null && bearerTokenEnv != null) {
            return "--bearer-token-env and --config: give the credentials one way, fhirServer.auth in the settings"
                    + " or the variable";
        }
        if (fhirServer == null && config != null && file != null) {
            return "--config: for a population read from a FHIR server; give --fhir-server URL instead of " + file;
        }
        if (fhirServer == null && config != null) {
            return "--config " + config + ": sets no fhirServer.url; give --fhir-server URL";
        }
        if (fhirServer == null) {
            return "give FILE, or --fhir-server URL to read the patients from a FHIR server";
        }
        if (file != null) {
            return "give FILE or --fhir-server, not both";
        }
        if (!fhirServer.matches("https?://[^\\s/]+.*")) {
            return "--fhir-server " + fhirServer + ": give the server's base URL, http:// or https://, e.g."
                    + " https://ehr.example.org/fhir";
        }
        int selections = (patients != null ? 1 : 0) + (all ? 1 : 0) + (since != null ? 1 : 0);
        if (selections != 1) {
            return "--fhir-server: give one of --patient ID..., --all or --since DATE, to say which patients";
        }
        if (since != null && !isDateOrInstant(since)) {
            return "--since " + since + ": give a date (2026-01-31) or an instant (2026-01-31T08:00:00Z)";
        }
        String notAnId = patients == null ? null : patients.stream()
                .filter(id -> !References.isFhirId(id)).findFirst().orElse(null);
        if (notAnId != null) {
            return "--patient '" + HttpError.cut(notAnId, 80) + "': not a FHIR id (1 to 64 letters, digits, - and .);"
                    + " give the ids separated by commas, without spaces";
        }
        if (explain || debug || html != null || validation != InputValidation.Mode.OFF) {
            return "--explain, --debug, --html and --validation are for FILE; a population run prints NDJSON";
        }
        return null;
    }

    /** A date (2026-01-31) or an instant with its zone (2026-01-31T08:00:00Z) that is on the calendar. */
    private static boolean isDateOrInstant(String text) {
        if (!text.matches("\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?")) {
            return false;
        }
        try {
            if (text.length() == 10) {
                LocalDate.parse(text);
            } else {
                OffsetDateTime.parse(text);
            }
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /** One patient's lines: its text in UTF-8 (JSON or --explain), or the error that kept it from being assessed. */
    private record Printed(Assessment assessment, byte[] text, String error) {
    }

    /**
     * Writes to standard output. A write that fails (a closed pipe, a full disk) ends the run: the
     * patients after it would be lost.
     */
    private void print(OutputStream bytes, byte[] text, boolean flush) {
        try {
            bytes.write(text);
            if (flush) {
                bytes.flush();
            }
            if (!stdout.checkError()) { // System.out keeps its failures to itself
                return;
            }
        } catch (IOException e) {
            // the same failure, from a stream that says so
        }
        throw new Stopped(new InputException("PVP-C305", "standard output", "cannot be written (is the disk"
                + " full, or the pipe closed?): the RiskAssessments after the last line written are lost"));
    }

    /** The surgeon's page, as the service shows it, for the notes. */
    private void writePage(Assessment assessment) {
        String page = new PageRenderer().render(PageData.of(assessment, "Assessed from " + Path.of(file).getFileName(),
                List.of(), DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC).format(clock.instant())));
        try {
            Files.writeString(html, page);
        } catch (IOException e) {
            throw new Stopped(new InputException("PVP-E000", html.toString(), "cannot be written: " + Cli.reason(e)));
        }
    }

    /** The patient's findings with the validation problems of that patient's Observations as notices. */
    private static PatientFindings withValidationNotices(PatientFindings patient, List<InputValidation.Problem> problems) {
        return patient.withNotices(problems.stream().filter(p -> patient.patient().equals(p.patient()))
                .map(InputValidation.Problem::notice).toList());
    }

    /** The input's bytes: NDJSON of patients is read from them, anything else as their text ({@link InputReader#text}). */
    private byte[] read() throws InputException {
        try {
            return "-".equals(file) ? in.readAllBytes() : InputReader.fileBytes(Path.of(file));
        } catch (IOException e) {
            throw new InputException("PVP-E000", file, "cannot be read: " + Cli.reason(e));
        }
    }

    private RuleSet loadRules() {
        try {
            return rules == null ? RuleSet.loadBundled(rulesCache) : RuleSet.load(rules, rules.toString(), rulesCache);
        } catch (RuleSetException e) {
            throw new RulesUnusable(e);
        }
    }

    /**
     * Carries out of the patients' loop what stops it: a page or standard output that cannot be
     * written, a line refused when its patients' turn comes ({@link Refused}).
     */
    private static class Stopped extends RuntimeException {
        Stopped(InputException cause) {
            super(cause);
        }

        @Override
        public synchronized InputException getCause() {
            return (InputException) super.getCause();
        }
    }

    /** A line refused when its patients' turn comes, after the patients before it were printed. */
    private static final class Refused extends Stopped {
        Refused(InputException cause) {
            super(cause);
        }
    }

    /** Carries a rule compile failure out of the background thread. */
    private static final class RulesUnusable extends RuntimeException {
        RulesUnusable(RuleSetException cause) {
            super(cause);
        }
    }
}
