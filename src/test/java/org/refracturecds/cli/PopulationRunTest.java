package org.refracturecds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import org.hl7.fhir.r4.model.RiskAssessment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.MemoryFhirServer;
import org.refracturecds.fhirout.WriteBack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

/**
 * {@code assess --fhir-server} over 400 synthetic patients on a real HAPI server (an in-memory
 * RestfulServer), over a socket. The 1,000 patients of issue 13 are JpaThousandPatientsTest's, on the
 * HAPI FHIR JPA server.
 */
class PopulationRunTest {

    private static final int PATIENTS = 400;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static MemoryFhirServer server;
    private static int levels;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        server = new MemoryFhirServer();
        levels = SyntheticPopulation.put(server, PATIENTS);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** The subjects of the NDJSON, one a line, in order. */
    private static List<String> subjects(String ndjson) throws IOException {
        List<String> subjects = new java.util.ArrayList<>();
        for (String line : ndjson.lines().toList()) {
            JsonNode risk = JSON.readTree(line);
            assertEquals("RiskAssessment", risk.path("resourceType").asText());
            subjects.add(risk.at("/subject/reference").asText());
        }
        return subjects;
    }

    private static Set<String> everyPatient() {
        Set<String> all = new HashSet<>();
        IntStream.range(0, PATIENTS).forEach(i -> all.add("Patient/syn" + i));
        return all;
    }

    @Test
    void everyPatientWithFindings_isAssessedOnce_andTheUnusableOneIsSkippedAndNamed() throws Exception {
        // given 400 patients with findings and one whose only finding cannot be used
        int requestsBefore = server.received.size();

        // when the whole population is assessed
        CliRun run = CliRun.of("assess", "--fhir-server", server.base, "--all", "--state", dir.resolve("state").toString());

        // then each of the 400 is printed once as NDJSON, the other skipped with why, and the run says so
        List<String> subjects = subjects(run.out());
        assertEquals(PATIENTS, subjects.size());
        assertEquals(everyPatient(), new HashSet<>(subjects));
        assertTrue(run.err().contains("skipped Patient/unusable: [PVP-E117] "), run.err());
        assertTrue(run.err().contains("Population run of " + server.base + ": " + (PATIENTS + 1) + " patients with findings; "
                + PATIENTS + " assessed, 1 skipped (PVP-E117: 1)\nTime: "), run.err());
        assertTrue(run.err().contains("assessed " + (PATIENTS + 1) + " of " + (PATIENTS + 1) + " patients (100%)"), run.err());
        assertEquals(Cli.BAD_INPUT, run.exit(), "a patient was skipped, as assess exits for a file");
        // the searches ask for large pages and for answers not from a cache
        List<MemoryFhirServer.Received> received = server.received.subList(requestsBefore, server.received.size());
        assertTrue(received.stream().allMatch(r -> "no-cache".equals(r.cacheControl())));
        assertTrue(received.stream().filter(r -> r.uri().contains("Observation?patient="))
                .allMatch(r -> r.uri().contains("_count=100")));
        // and nothing is written without --write-back
        assertTrue(received.stream().allMatch(r -> r.method().equals("GET")));
    }

    @Test
    void theServicesSettings_needOnlyTheFhirServersSecretsForARun() throws Exception {
        // given serve's settings, with write-back on, and its secrets in variables not set here: the notification
        // token, the database password, the audit trail's and the pages' keys
        Path settings = dir.resolve("settings.yaml");
        Files.writeString(settings, """
                fhirServer:
                  url: %s
                writeBack:
                  enabled: true
                  notifyTokenEnv: PVP_NOTIFY_TOKEN_NOT_SET_IN_THIS_TEST
                databasePasswordEnv: PVP_DATABASE_PASSWORD_NOT_SET_IN_THIS_TEST
                auditKeyEnv: PVP_AUDIT_KEY_NOT_SET_IN_THIS_TEST
                view:
                  keyEnv: PVP_VIEW_KEY_NOT_SET_IN_THIS_TEST
                """.formatted(server.base));

        CliRun run = CliRun.of("assess", "--config", settings.toString(), "--patient", "syn0", "--state",
                dir.resolve("state").toString());

        // then a run, which takes no notification, reads and assesses
        assertEquals(0, run.exit(), run.err());
        assertEquals(List.of("Patient/syn0"), subjects(run.out()));
    }

    @Test
    void aPatientNotWrittenBack_isWrittenBackWhenResumed_notPrintedTwice() throws Exception {
        // given a server already holding two RiskAssessments with syn1's identifier, which write-back cannot choose from
        try (MemoryFhirServer other = new MemoryFhirServer(false)) {
            SyntheticPopulation.put(other, 3);
            for (int i = 0; i < 2; i++) {
                RiskAssessment twin = new RiskAssessment();
                twin.setId("twin" + i);
                twin.setStatus(org.hl7.fhir.r4.model.RiskAssessment.RiskAssessmentStatus.FINAL);
                twin.setSubject(new org.hl7.fhir.r4.model.Reference("Patient/syn1"));
                twin.addIdentifier().setSystem(WriteBack.IDENTIFIER_SYSTEM).setValue("syn1/T12/xiong-2021-logistic");
                other.put(twin);
            }
            Path out = dir.resolve("twins.ndjson");
            Path state = dir.resolve("twins.state");

            // when the run with write-back is made, then resumed
            CliRun first = CliRun.of("assess", "--fhir-server", other.base, "--all", "--no-export", "--write-back",
                    "--state", state.toString(), "--out", out.toString());
            CliRun resumed = CliRun.of("assess", "--fhir-server", other.base, "--all", "--no-export", "--write-back",
                    "--state", state.toString(), "--out", out.toString(), "--resume");

            // then syn1 is named as not written back each time, tried again, and printed once
            assertEquals(2, first.exit(), first.err());
            assertTrue(first.err().contains("not written back Patient/syn1: [PVP-C307]"), first.err());
            assertEquals(2, resumed.exit(), resumed.err());
            assertTrue(resumed.err().contains("not written back Patient/syn1: [PVP-C307]"), resumed.err());
            assertEquals(List.of("Patient/syn0", "Patient/syn1", "Patient/syn2"), subjects(Files.readString(out)));
        }
    }

    @Test
    void writeBack_writesOneRiskAssessmentPerLevel_andARunAgainChangesNothing() throws Exception {
        // given the population with nothing written back yet
        server.all(RiskAssessment.class).forEach(risk -> assertTrue(false, "nothing written yet"));

        // when it is assessed with write-back, then again
        CliRun first = CliRun.of("assess", "--fhir-server", server.base, "--all", "--write-back",
                "--state", dir.resolve("state").toString(), "--out", dir.resolve("out.ndjson").toString());
        CliRun again = CliRun.of("assess", "--fhir-server", server.base, "--all", "--write-back",
                "--state", dir.resolve("state").toString(), "--out", dir.resolve("out.ndjson").toString());

        // then each patient's level has one RiskAssessment on the server, created once and left alone after
        List<RiskAssessment> stored = server.all(RiskAssessment.class);
        assertEquals(levels, stored.size());
        Set<String> identifiers = new HashSet<>();
        for (RiskAssessment risk : stored) {
            identifiers.add(risk.getIdentifierFirstRep().getValue());
            assertEquals(WriteBack.IDENTIFIER_SYSTEM, risk.getIdentifierFirstRep().getSystem());
            assertEquals("1", risk.getMeta().getVersionId(), risk.getIdentifierFirstRep().getValue());
            assertEquals(1, risk.getPrediction().size(), "one level, one prediction");
        }
        assertEquals(levels, identifiers.size());
        assertTrue(identifiers.contains("syn0/T12/xiong-2021-logistic"));
        assertTrue(identifiers.contains("syn0/L1/xiong-2021-logistic"));
        assertTrue(first.err().contains("Written back (one RiskAssessment per level): " + levels + " created, 0 updated,"
                + " 0 unchanged\n"), first.err());
        assertTrue(again.err().contains("Written back (one RiskAssessment per level): 0 created, 0 updated, " + levels
                + " unchanged\n"), again.err());
        assertEquals(PATIENTS, subjects(Files.readString(dir.resolve("out.ndjson"))).size(), "the NDJSON is replaced");
    }

    @Test
    void aServerThatOffersBulkExport_isReadByIt_andGivesTheSameAssessmentsAsItsSearches() throws Exception {
        // given a server that offers $export, holding the same population
        try (MemoryFhirServer bulk = new MemoryFhirServer(true)) {
            SyntheticPopulation.put(bulk, PATIENTS);

            // when every patient is assessed, by the export, then by searches
            CliRun exported = CliRun.of("assess", "--fhir-server", bulk.base, "--all", "--state",
                    dir.resolve("state").toString());
            List<MemoryFhirServer.Received> byExport = List.copyOf(bulk.received);
            CliRun searched = CliRun.of("assess", "--fhir-server", bulk.base, "--all", "--no-export", "--state",
                    dir.resolve("state").toString());

            // then the export was kicked off, polled as Retry-After asked, its files read, and no patient searched
            assertTrue(exported.err().startsWith("Reading every patient by the server's Bulk Data export ($export)\n"
                    + "the server's export is not ready (in progress); asking again in 1 s\n"), exported.err());
            assertTrue(exported.err().contains("Population run of " + bulk.base + " (by $export): " + (PATIENTS + 1)
                    + " patients with findings; " + PATIENTS + " assessed, 1 skipped (PVP-E117: 1)\n"), exported.err());
            assertEquals(List.of("GET /fhir/metadata", "GET /fhir/$export", "GET /fhir/$export-poll-status",
                    "GET /fhir/$export-poll-status", "GET /bulk/", "GET /bulk/", "GET /bulk/", "GET /bulk/"), byExport.stream()
                    .map(r -> r.method() + " " + r.uri().replaceAll("[?].*|(?<=/bulk/).*", "")).toList());
            // and the assessments are those of the searches, byte for byte
            assertEquals(PATIENTS, subjects(exported.out()).size());
            assertEquals(searched.out(), exported.out());
        }
    }

    @Test
    void namedPatients_areTheOnlyOnesRead() throws Exception {
        CliRun run = CliRun.of("assess", "--fhir-server", server.base, "--patient", "syn7,syn8", "syn9",
                "--state", dir.resolve("state").toString());

        assertEquals(List.of("Patient/syn7", "Patient/syn8", "Patient/syn9"), subjects(run.out()));
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.err().contains(": 3 patients named (--patient); 3 assessed, 0 skipped\n"), run.err());
    }

    @Test
    void anInterruptedRun_resumed_assessesEveryPatientExactlyOnce() throws Exception {
        // given a server that wants a token and answers slowly enough to stop a run part way
        server.requireToken("s3cret");
        server.delay(5);
        Path out = dir.resolve("out.ndjson");
        Path state = dir.resolve("run.state");
        try {
            // when a run is stopped (SIGTERM, as Ctrl-C stops it) once it has done some, then resumed
            Process first = assess(out, state, false);
            long waited = System.nanoTime();
            while (lines(state) < 100 && first.isAlive() && System.nanoTime() - waited < 120_000_000_000L) {
                Thread.sleep(20);
            }
            first.destroy();
            int firstExit = first.waitFor();
            int doneFirst = lines(state) - 1;
            String firstErr = Files.readString(dir.resolve("err.txt"));
            server.delay(0);
            Process second = assess(out, state, true);
            int secondExit = second.waitFor();
            String secondErr = Files.readString(dir.resolve("err.txt"));

            // then the first stopped part way and said so, and the two assessed each patient once between them
            assertTrue(doneFirst >= 100 && doneFirst < PATIENTS, "stopped part way: " + doneFirst + "\n" + firstErr);
            assertEquals(143, firstExit, firstErr);
            assertTrue(firstErr.contains("Stopped: interrupted after "), firstErr);
            assertTrue(firstErr.contains("; run the same command with --resume to go on"), firstErr);
            List<String> subjects = subjects(Files.readString(out));
            assertEquals(PATIENTS, subjects.size(), "no patient twice");
            assertEquals(everyPatient(), new HashSet<>(subjects));
            assertTrue(secondErr.contains(": " + (PATIENTS + 1) + " patients with findings, " + doneFirst + " done before (--resume); "
                    + (PATIENTS - doneFirst) + " assessed, 1 skipped (PVP-E117: 1)"), secondErr);
            assertEquals(Cli.BAD_INPUT, secondExit, secondErr);
            assertFalse(secondErr.contains("Exception"), secondErr);
        } finally {
            server.requireToken(null);
            server.delay(0);
        }
    }

    /** The command in its own JVM, with the token in its environment; standard error to err.txt. */
    @Test
    void stoppedWhileTheExportRuns_saysSo_andCancelsTheServersExport() throws Exception {
        // given a server whose export is not ready at the first poll (Retry-After: 1)
        try (MemoryFhirServer bulk = new MemoryFhirServer(true)) {
            SyntheticPopulation.put(bulk, 2);
            Path err = dir.resolve("export-err.txt");
            Process run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "org.refracturecds.cli.Main",
                    "assess", "--fhir-server", bulk.base, "--all", "--state", dir.resolve("export.state").toString())
                    .redirectError(err.toFile()).redirectOutput(dir.resolve("export-out.txt").toFile()).start();

            // when the run is stopped (SIGTERM, as Ctrl-C) while it waits for the export
            long waited = System.nanoTime();
            while (!Files.readString(err).contains("asking again in") && run.isAlive()
                    && System.nanoTime() - waited < 60_000_000_000L) {
                Thread.sleep(20);
            }
            run.destroy();
            int exit = run.waitFor();

            // then it says it stopped before any patient, and asked the server to cancel its export
            String said = Files.readString(err);
            assertEquals(143, exit, said);
            assertTrue(said.contains("Stopped while the patients were listed, before assessing any; the server"), said);
            assertFalse(said.contains("error"), said);
            assertTrue(bulk.received.stream().anyMatch(r -> r.method().equals("DELETE")
                    && r.uri().startsWith("/fhir/$export-poll-status")), bulk.received.toString());
        }
    }

    private Process assess(Path out, Path state, boolean resume) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), "org.refracturecds.cli.Main",
                "assess", "--fhir-server", server.base, "--all", "--out", out.toString(), "--state", state.toString(),
                "--bearer-token-env", "PVP_TEST_TOKEN"));
        if (resume) {
            command.add("--resume");
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(dir.resolve("err.txt").toFile())
                .redirectOutput(dir.resolve("stdout.txt").toFile());
        builder.environment().put("PVP_TEST_TOKEN", "s3cret");
        return builder.start();
    }

    private static int lines(Path file) throws IOException {
        return Files.exists(file) ? (int) Files.readString(file).chars().filter(c -> c == '\n').count() : 0;
    }

    @Test
    void aServerThatIsNotThere_isAClearMessageAndExit4() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        String base = "http://127.0.0.1:" + closedPort + "/fhir";

        CliRun run = CliRun.of("assess", "--fhir-server", base, "--all", "--state", dir.resolve("state").toString());

        assertEquals(Cli.SERVER, run.exit());
        assertEquals("error [PVP-C302] the server's CapabilityStatement (GET " + base + "/metadata): the FHIR server at "
                + base + " is unreachable (connection refused: nothing listens at its address)\n", run.err());
        assertEquals("", run.out());
    }

    @Test
    void aServerThatIsNotFhir_isAClearMessageAndExit4() throws Exception {
        HttpServer web = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        web.createContext("/", exchange -> {
            byte[] page = "<html><body>Welcome</body></html>".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        web.start();
        try {
            String base = "http://127.0.0.1:" + web.getAddress().getPort() + "/fhir";

            CliRun run = CliRun.of("assess", "--fhir-server", base, "--all", "--state", dir.resolve("state").toString());

            assertEquals(Cli.SERVER, run.exit());
            assertEquals("error [PVP-C302] the server's CapabilityStatement (GET " + base + "/metadata): the server at "
                    + base + " answered HTTP 200 with something that is not FHIR: is this the base URL of a FHIR R4"
                    + " server?\n", run.err());
        } finally {
            web.stop(0);
        }
    }

    @Test
    void refusedCredentials_areAClearMessageAndExit4() throws Exception {
        server.requireToken("s3cret");
        try {
            CliRun run = CliRun.of("assess", "--fhir-server", server.base, "--all", "--state",
                    dir.resolve("state").toString());

            assertEquals(Cli.SERVER, run.exit());
            assertEquals("error [PVP-C302] the server's CapabilityStatement (GET " + server.base + "/metadata): the FHIR"
                    + " server answered HTTP 401: the credentials were missing or refused (--bearer-token-env names the"
                    + " variable that holds a token)\n", run.err());
        } finally {
            server.requireToken(null);
        }
    }

    @Test
    void optionsThatDoNotGoTogether_areRefusedBeforeAnyRequest() {
        int before = server.received.size();

        CliRun both = CliRun.of("assess", "--fhir-server", server.base, "--all", "--patient", "syn1");
        CliRun none = CliRun.of("assess", "--fhir-server", server.base);
        CliRun noServer = CliRun.of("assess", "examples/two-patients.json", "--write-back");
        CliRun badSince = CliRun.of("assess", "--fhir-server", server.base, "--since", "last week");
        CliRun impossibleSince = CliRun.of("assess", "--fhir-server", server.base, "--since", "2026-13-45");
        CliRun spaceInIds = CliRun.of("assess", "--fhir-server", server.base, "--patient", "syn1, syn2");
        CliRun emptyId = CliRun.of("assess", "--fhir-server", server.base, "--patient", "syn1,,syn2");
        CliRun pathAsId = CliRun.of("assess", "--fhir-server", server.base, "--patient", "syn1/_history");
        CliRun resumeNothing = CliRun.of("assess", "--fhir-server", server.base, "--all", "--resume", "--state",
                dir.resolve("none").toString());
        CliRun outNowhere = CliRun.of("assess", "--fhir-server", server.base, "--all", "--out",
                dir.resolve("no-such-folder").resolve("out.ndjson").toString());

        assertEquals("error [PVP-C301] --fhir-server: give one of --patient ID..., --all or --since DATE, to say which"
                + " patients\n", both.err());
        assertEquals(both.err(), none.err());
        assertEquals("error [PVP-C301] --write-back: for a population read from a FHIR server; give --fhir-server URL"
                + " instead of examples/two-patients.json\n", noServer.err());
        assertEquals("error [PVP-C301] --since last week: give a date (2026-01-31) or an instant"
                + " (2026-01-31T08:00:00Z)\n", badSince.err());
        assertEquals("error [PVP-C301] --since 2026-13-45: give a date (2026-01-31) or an instant"
                + " (2026-01-31T08:00:00Z)\n", impossibleSince.err());
        assertEquals("error [PVP-C301] --patient ' syn2': not a FHIR id (1 to 64 letters, digits, - and .); give the ids"
                + " separated by commas, without spaces\n", spaceInIds.err());
        assertTrue(emptyId.err().startsWith("error [PVP-C301] --patient '': not a FHIR id"), emptyId.err());
        assertTrue(pathAsId.err().startsWith("error [PVP-C301] --patient 'syn1/_history': not a FHIR id"), pathAsId.err());
        assertTrue(resumeNothing.err().startsWith("error [PVP-C305] --state " + dir.resolve("none")
                + ": does not exist, so there is no run to resume: leave out --resume to start one\n"),
                resumeNothing.err());
        assertEquals("error [PVP-C305] --out " + dir.resolve("no-such-folder").resolve("out.ndjson") + ": cannot be"
                + " written: its folder " + dir.resolve("no-such-folder").toAbsolutePath() + " does not exist; nothing was"
                + " read\n", outNowhere.err());
        List.of(both, none, noServer, badSince, impossibleSince, spaceInIds, emptyId, pathAsId, resumeNothing, outNowhere).forEach(run -> assertEquals(Cli.BAD_INPUT, run.exit()));
        assertEquals(before, server.received.size(), "nothing was read");
    }
}
