package org.refracturecds.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.hl7.fhir.r4.model.CapabilityStatement;
import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.fhirin.BulkExport;
import org.refracturecds.fhirin.InputException;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.ObservationMapper;
import org.refracturecds.fhirin.PopulationReader;
import org.refracturecds.fhirin.PvpProcedures;
import org.refracturecds.fhirin.References;
import org.refracturecds.fhirin.ServerCredentials;
import org.refracturecds.fhirout.RiskAssessmentJson;
import org.refracturecds.fhirout.RiskAssessmentWriter;
import org.refracturecds.fhirout.WriteBack;
import org.refracturecds.http.HttpError;

import ca.uhn.fhir.rest.client.api.IGenericClient;

/**
 * {@code assess --fhir-server}: assesses a population read from a FHIR server, one patient after
 * another, each patient's data read ahead on a few threads while the one before is assessed.
 * Prints one RiskAssessment a patient (NDJSON), and with write-back writes one RiskAssessment per
 * level to the server ({@link WriteBack}). A patient whose data cannot be used is skipped, named
 * with why, and the run goes on; a server that cannot be used (unreachable, not FHIR, credentials
 * refused) stops the run. What is done is kept in a {@link RunState}, so that a run stopped by
 * Ctrl-C (which lets the patient in hand finish) or by the server goes on with {@code --resume}.
 */
final class PopulationRun {

    /**
     * What to assess and how.
     *
     * @param patients    the patients named, or empty for every patient with a finding
     * @param since       with no patients named: only those whose findings were saved since then, or null
     * @param out         where the NDJSON goes (appended with resume), or null for standard output
     * @param credentials the module's credentials for the server (none, a bearer token, SMART Backend Services)
     * @param credentialsFrom where they are set, for a server that refuses them
     * @param export      read every patient (--all) by the server's Bulk Data $export when it offers it
     * @param pvp         which Procedures are a PVP on record (setting extraPvpCodes of --config)
     */
    record Options(String base, List<String> patients, String since, Path out, Path state, boolean resume,
                   boolean writeBack, ServerCredentials credentials, String credentialsFrom, boolean export,
                   PvpProcedures pvp) {

        /** The run, as its state file names it: a resumed run must be the same. */
        String describe() {
            return base + (!patients.isEmpty() ? " --patient " + String.join(" ", patients)
                    : since != null ? " --since " + since : " --all");
        }
    }

    /** Threads that read patients' data ahead of the assessments. */
    private static final int READERS = 4;
    /** Patients read ahead at most. */
    private static final int AHEAD = 32;
    /** Connection and read timeout of each request to the server. */
    private static final int TIMEOUT_MILLIS = 30_000;
    /** How long Ctrl-C waits for the patient in hand. */
    private static final long STOP_WAIT_SECONDS = 40;

    private final Options options;
    private final Assessor assessor;
    private final ObservationMapper mapper;
    private final RiskAssessmentWriter writer;
    private final PrintWriter stdout;
    private final PrintWriter err;
    private final Summary summary = new Summary();
    private volatile boolean stopping;

    PopulationRun(Options options, Assessor assessor, Clock clock, PrintWriter stdout, PrintWriter err) {
        this.options = options;
        this.assessor = assessor;
        this.mapper = new ObservationMapper(assessor.rules().vocabulary(), new References(options.base()), clock,
                options.pvp());
        this.writer = new RiskAssessmentWriter(clock);
        this.stdout = stdout;
        this.err = err;
    }

    /** One patient's data, read from the server or taken from an export. */
    @FunctionalInterface
    private interface PatientData {
        List<InputReader.Entry> of(String id) throws PopulationReader.ReadFailed;
    }

    /** Why a run stopped before its end: in words, with the exit code. */
    private record Stop(String why, int exit) {
    }

    int run() {
        String unwritable = unwritable(options.out());
        if (unwritable != null) { // said before the server is read, not after minutes of it
            err.println("error [PVP-C305] --out " + options.out() + ": cannot be written: " + unwritable
                    + "; nothing was read");
            return Cli.BAD_INPUT;
        }
        IGenericClient client = PopulationReader.client(options.base(), List.of(options.credentials().interceptor()),
                TIMEOUT_MILLIS);
        PopulationReader reader = new PopulationReader(client, options.credentialsFrom(), options.pvp());
        try (RunState state = options.resume() ? RunState.resume(options.state(), options.describe())
                : RunState.start(options.state(), options.describe())) {
            List<String> patients;
            PatientData data = reader::patient;
            BulkExport export = new BulkExport(options.base(), options.credentials()::token,
                    Duration.ofMillis(TIMEOUT_MILLIS), err::println);
            // Ctrl-C before the patients are listed (an export can take minutes): said, and the export cancelled.
            Thread whileListing = new Thread(() -> {
                stopping = true;
                err.println("Stopped while the patients were listed, before assessing any" + (state.doneBefore() > 0
                        ? " more" : "") + export.cancel() + "; run the same command"
                        + (state.doneBefore() > 0 ? " with --resume" : "") + " again");
                err.flush();
            }, "population-run-stop");
            Runtime.getRuntime().addShutdownHook(whileListing);
            try {
                CapabilityStatement capabilities = reader.capabilities();
                if (options.patients().isEmpty() && options.since() == null && options.export()
                        && BulkExport.offered(capabilities)) {
                    err.println("Reading every patient by the server's Bulk Data export ($export)");
                    Map<String, List<InputReader.Entry>> exported = export.patients();
                    patients = List.copyOf(exported.keySet());
                    data = id -> exported.getOrDefault(id, List.of());
                    summary.readBy = "$export";
                } else {
                    patients = options.patients().isEmpty() ? reader.patientsWithFindings(options.since(), false)
                            : options.patients();
                }
            } catch (PopulationReader.ReadFailed e) {
                if (stopping) {
                    return 130; // the export cancelled by a stop, which said so
                }
                err.println("error [PVP-C302] " + e.getMessage());
                return Cli.SERVER;
            } catch (HttpError e) {
                err.println("error " + tokenRefused(e));
                return Cli.SERVER;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 130;
            } finally {
                removeHook(whileListing);
            }
            List<String> distinct = patients.stream().distinct().toList();
            summary.listed = distinct.size();
            summary.named = !options.patients().isEmpty();
            return runThrough(distinct, state, data, client);
        } catch (InputException e) {
            err.println("error " + e.render());
            return Cli.BAD_INPUT;
        } catch (IOException e) {
            err.println("error [PVP-C305] --state " + options.state() + ": cannot be written: " + Cli.reason(e));
            return Cli.BAD_INPUT;
        }
    }

    /** Removes a shutdown hook, unless the JVM is shutting down already (which runs it). */
    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs
        }
    }

    /** Assesses the patients not done yet; Ctrl-C lets the patient in hand finish, and the summary be said. */
    private int runThrough(List<String> patients, RunState state, PatientData data, IGenericClient client) {
        CountDownLatch finished = new CountDownLatch(1);
        Thread onCtrlC = new Thread(() -> {
            stopping = true;
            try {
                finished.await(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "population-run-stop");
        Runtime.getRuntime().addShutdownHook(onCtrlC);
        ExecutorService readers = Executors.newFixedThreadPool(READERS, runnable -> {
            Thread thread = new Thread(runnable, "population-read");
            thread.setDaemon(true);
            return thread;
        });
        List<String> todo = patients.stream().filter(id -> !state.done(id)).toList();
        summary.doneBefore = patients.size() - todo.size();
        Stop stop;
        try (PrintWriter out = output(); Progress progress = Progress.of(err, Progress.stderrIsTerminal(), todo.size())) {
            stop = assessAll(todo, state, out, progress, readers, data, client);
        } catch (IOException e) {
            stop = new Stop("[PVP-C305] --out " + options.out() + ": cannot be written: " + Cli.reason(e), Cli.BAD_INPUT);
        } catch (InputException e) {
            stop = new Stop(e.render(), Cli.BAD_INPUT);
        } finally {
            readers.shutdownNow();
        }
        try {
            if (stop != null && stop.exit() != 130) {
                err.println("error " + stop.why());
            }
            err.println(summary.render(options.base(), options.writeBack(), stop == null ? null
                    : stop.exit() == 130 ? stop.why() : "the error above"));
            err.flush();
        } finally {
            finished.countDown(); // on Ctrl-C the hook is running, and has waited for this
            removeHook(onCtrlC);
        }
        return stop != null ? stop.exit() : summary.skippedCount() > 0 || summary.writeFailed > 0 ? Cli.BAD_INPUT : 0;
    }

    /** Reads each patient ahead on the readers' threads and assesses them in order; why it stopped, or null. */
    private Stop assessAll(List<String> todo, RunState state, PrintWriter out, Progress progress,
                           ExecutorService readers, PatientData data, IGenericClient client)
            throws InputException {
        WriteBack writeBack = new WriteBack(client.getFhirContext());
        Deque<Future<List<InputReader.Entry>>> ahead = new ArrayDeque<>();
        for (int i = 0, next = 0; i < todo.size(); i++) {
            for (; next < todo.size() && next <= i + AHEAD; next++) {
                String id = todo.get(next);
                ahead.add(readers.submit(() -> data.of(id)));
            }
            if (stopping) {
                return new Stop("interrupted after " + i + " of " + todo.size() + " patients", 130);
            }
            String id = todo.get(i);
            List<InputReader.Entry> entries;
            try {
                entries = ahead.poll().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Stop("interrupted after " + i + " of " + todo.size() + " patients", 130);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof HttpError noToken) {
                    return new Stop(tokenRefused(noToken), Cli.SERVER);
                }
                if (!(e.getCause() instanceof PopulationReader.ReadFailed failed)) {
                    throw new IllegalStateException(e.getCause());
                }
                if (failed.stopsRun()) {
                    return new Stop("[PVP-C302] " + failed.getMessage(), Cli.SERVER);
                }
                // Not recorded as done: a run resumed reads the patient again.
                progress.note("skipped Patient/" + id + ": [PVP-C306] " + failed.getMessage());
                summary.skipped("PVP-C306");
                progress.step();
                continue;
            }
            String failed;
            try {
                failed = assess(id, entries, out, state, client, writeBack, progress);
            } catch (HttpError noToken) {
                return new Stop(tokenRefused(noToken), Cli.SERVER);
            }
            if (failed != null) {
                return new Stop("[PVP-C302] " + failed, Cli.SERVER);
            }
            progress.step();
        }
        return null;
    }

    /**
     * Assesses one patient, prints and writes back its RiskAssessments and records it as done;
     * returns why the run must stop (the server went away while writing), else null.
     */
    private String assess(String id, List<InputReader.Entry> entries, PrintWriter out, RunState state,
                          IGenericClient client, WriteBack writeBack, Progress progress) throws InputException {
        PatientFindings findings;
        try {
            findings = mapper.findingsOf(id, entries);
        } catch (InputException e) {
            progress.note("skipped Patient/" + id + ": " + e.render());
            summary.skipped(e.code());
            state.record(id, "skipped " + e.code());
            return null;
        }
        if (!(state.printed(id) && options.out() != null)) { // standard output is not appended to: printed again
            out.println(RiskAssessmentJson.encode(writer.write(assessor.assess(findings))));
            out.flush();
            if (out.checkError()) {
                // Not recorded as done: the state never names a patient whose line was lost.
                throw new InputException("PVP-C305", options.out() == null ? "standard output" : "--out " + options.out(),
                        "cannot be written (is the disk full, or the pipe closed?)");
            }
            if (options.writeBack()) {
                state.record(id, RunState.PRINTED); // if its write-back fails, a resumed run does not print it again
            }
        }
        if (options.writeBack()) {
            try {
                List<Assessment> levels = assessor.assessEachLevel(findings);
                if (levels.isEmpty()) {
                    progress.note("not written back Patient/" + id + ": no finding states its vertebral level");
                }
                for (Assessment level : levels) {
                    summary.written(writeBack.write(client, writer.write(level)).outcome());
                }
            } catch (WriteBack.Failed e) {
                if (e.retryable()) {
                    return e.getMessage();
                }
                progress.note("not written back Patient/" + id + ": [PVP-C307] " + e.getMessage());
                summary.writeFailed++;
                summary.assessed++;
                return null; // not recorded as done: a run resumed writes it again
            }
        }
        state.record(id, "assessed");
        summary.assessed++;
        return null;
    }

    /** The authorization server of SMART Backend Services gave no token ({@code PVP-H305}, from ServerCredentials). */
    private static String tokenRefused(HttpError e) {
        return "[PVP-C302] " + e.where() + ": " + e.getMessage();
    }

    /** Why {@code out} cannot be written (its folder missing or read-only, a folder itself), or null; null for standard output. */
    private static String unwritable(Path out) {
        if (out == null) {
            return null;
        }
        Path folder = out.toAbsolutePath().getParent();
        if (Files.isDirectory(out)) {
            return "it is a folder: name a file in it";
        }
        if (folder == null || !Files.isDirectory(folder)) {
            return "its folder " + folder + " does not exist";
        }
        if (Files.exists(out) ? !Files.isWritable(out) : !Files.isWritable(folder)) {
            return "permission denied";
        }
        return null;
    }

    private PrintWriter output() throws IOException {
        if (options.out() == null) {
            return new PrintWriter(stdout) {
                @Override
                public void close() {
                    flush(); // standard output stays open
                }
            };
        }
        return new PrintWriter(Files.newBufferedWriter(options.out(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                options.resume() ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE));
    }
}
