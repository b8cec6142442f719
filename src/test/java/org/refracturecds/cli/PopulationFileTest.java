package org.refracturecds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.fhirin.Codes;
import org.refracturecds.fhirin.PatientLines;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;

/**
 * {@code assess} on an NDJSON file of a population, as a Bulk Data export writes it (grouped by
 * resource type): the RiskAssessments and the errors, byte for byte, against golden output taken
 * from the run as it was before it used both cores (one SHA-256 a line, with the patient it is
 * about, so a difference names the patient). After a deliberate change to what a RiskAssessment
 * holds, regenerate with {@code mvn test -Dtest=PopulationFileTest -Dgolden.update=true}.
 */
class PopulationFileTest {

    private static final Path GOLDEN = ExamplesTest.GOLDEN.resolve("population-500.sha256");
    private static final Path GOLDEN_ERR = ExamplesTest.GOLDEN.resolve("population-500.err");

    @TempDir
    Path dir;

    @Test
    void aPopulationWithProblems_givesTheSameBytesAsBefore() throws IOException {
        // given 500 synthetic patients and a few with problems, grouped by resource type
        Path file = dir.resolve("population.ndjson");
        Files.writeString(file, ndjson(population()));

        // when it is assessed
        CliRun run = CliRun.of("assess", file.toString());

        // then every usable patient has its RiskAssessment, in the order of before, and the others their error
        String hashes = lineHashes(run.out());
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(GOLDEN, hashes);
            Files.writeString(GOLDEN_ERR, run.err());
        }
        assertTrue(Files.exists(GOLDEN), "no golden output " + GOLDEN + ": run with -Dgolden.update=true and review it");
        assertEquals(2, run.exit(), run.err());
        assertEquals(Files.readString(GOLDEN_ERR), run.err());
        assertEquals(Files.readString(GOLDEN), hashes);
        assertEquals(500 + 6, run.out().lines().count());
    }

    @Test
    void patientsWhoseLinesAreTheirOwn_areReadPatientByPatient_andPrintWhatTheWholeFileGives() throws IOException {
        // given the population above without its report, and with a heart rate of an assessed patient, a Patient
        // with no finding and that Patient's Condition: each line names its patient, so it is read patient by patient
        List<Resource> resources = new ArrayList<>(population());
        resources.removeIf(r -> r instanceof DiagnosticReport || r instanceof Device
                || r instanceof Observation o && !o.hasSubject() || "odd5".equals(r.getIdElement().getIdPart()));
        resources.add(heartRate("Patient/syn7"));
        Patient orphan = new Patient();
        orphan.setId("orphan");
        resources.add(orphan);
        Condition orphansCondition = new Condition();
        orphansCondition.setId("orphan-c");
        orphansCondition.setSubject(new Reference("Patient/orphan"));
        resources.add(orphansCondition);
        String ownLines = ndjson(resources);
        assertNotNull(byPatient(ownLines));
        // and the same file with a Device at its end, which names no patient: that file is read whole
        Device scanner = new Device();
        scanner.setId("scanner");
        String whole = ownLines + FhirContext.forR4Cached().newJsonParser().encodeResourceToString(scanner) + "\n";
        assertNull(byPatient(whole));
        Path first = dir.resolve("by-patient.ndjson");
        Path second = dir.resolve("whole.ndjson");
        Files.writeString(first, ownLines);
        Files.writeString(second, whole);

        // when both are assessed
        CliRun read = CliRun.of("assess", first.toString());
        CliRun readWhole = CliRun.of("assess", second.toString());

        // then both print the same, byte for byte, but for the Device said once
        assertEquals(2, read.exit(), read.err()); // the unusable patient
        assertEquals(readWhole.out(), read.out());
        assertEquals(500 + 5, read.out().lines().count());
        assertTrue(read.out().contains("Observation/hr1"), "the heart rate is said in its own patient's result");
        assertEquals(readWhole.err().replaceFirst("note \\[PVP-I103] Device/scanner: [^\n]*\n", ""), read.err());
        assertTrue(read.err().contains("note [PVP-I109] 1 Patient has no finding the model reads, and no"
                + " RiskAssessment: Patient/orphan"), read.err());
    }

    @Test
    void whatOnlyTheWholeFileReadsRightly_isReadWhole() throws IOException {
        // given three patients as an export writes them, read patient by patient
        String text = ndjson(SyntheticPopulation.resources("p", 3));
        assertNotNull(byPatient(text));

        // then one line is one document, answered pretty-printed as before
        String oneLine = text.lines().filter(l -> l.contains("\"Observation\"")).findFirst().orElseThrow() + "\n";
        assertNull(byPatient(oneLine));
        Path file = dir.resolve("one.ndjson");
        Files.writeString(file, oneLine);
        assertTrue(CliRun.of("assess", file.toString()).out().startsWith("{\n  \"resourceType\""));
        // and a finding code with spaces around it (which HAPI trims) is read with the whole file, in its order
        assertNull(byPatient(text.replaceFirst("\"code\":\"intravertebral-cleft\"", "\"code\":\" intravertebral-cleft\"")));
        // and so is a value HAPI refuses in a Patient with no finding, which no patient's turn would parse
        Patient orphan = new Patient();
        orphan.setId("orphan");
        String refused = text + FhirContext.forR4Cached().newJsonParser().encodeResourceToString(orphan)
                .replace("}", ",\"birthDate\":\"1950-13-01\"}") + "\n";
        assertNull(byPatient(refused));
        Files.writeString(file, refused);
        CliRun run = CliRun.of("assess", file.toString());
        assertEquals(2, run.exit(), run.err());
        assertEquals("", run.out());
        assertTrue(run.err().startsWith("error [PVP-E010] line " + refused.lines().count() + ", Patient"), run.err());
    }

    @Test
    void aFileIsReadFromItsBytes_asItsTextReadsIt() throws IOException {
        // given three patients read patient by patient, the file's bytes beginning with a byte order mark and a
        // Patient named with letters beyond ASCII (that line is decoded, the others read as bytes)
        String text = ndjson(SyntheticPopulation.resources("u", 3));
        String named = text.replaceFirst("\\{\"resourceType\":\"Patient\",\"id\":\"u1\",",
                "{\"resourceType\":\"Patient\",\"id\":\"u1\",\"name\":[{\"family\":\"\u00dcnal \uD83D\uDE00\"}],");
        assertNotEquals(text, named);
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] bytes = concat(bom, named.getBytes(StandardCharsets.UTF_8));
        assertNotNull(PatientLines.of(FhirContext.forR4Cached(), bytes));
        Path plain = dir.resolve("plain.ndjson");
        Path file = dir.resolve("bytes.ndjson");
        Files.writeString(plain, text);
        Files.write(file, bytes);

        // when it is assessed, and the same file as plain ASCII
        CliRun run = CliRun.of("assess", file.toString());
        CliRun plainRun = CliRun.of("assess", plain.toString());

        // then it prints what the plain file prints, and says the same of it
        assertEquals(plainRun.exit(), run.exit(), run.err());
        assertEquals(plainRun.out(), run.out());
        assertEquals(plainRun.err(), run.err());
        assertEquals(3, run.out().lines().count(), run.out());

        // and a byte that is not UTF-8 in that name, or a control character in a line, is refused as the text's
        // read refuses it, naming its line
        int named1 = named.lines().toList().indexOf(named.lines().filter(l -> l.contains("\u00dcnal")).findFirst().orElseThrow()) + 1;
        byte[] notUtf8 = named.getBytes(StandardCharsets.UTF_8);
        notUtf8[named.indexOf("\u00dcnal")] = (byte) 0xFF;
        assertNull(PatientLines.of(FhirContext.forR4Cached(), notUtf8));
        Files.write(file, notUtf8);
        run = CliRun.of("assess", file.toString());
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().startsWith("error [PVP-E009] line " + named1 + ": byte 0xFF"), run.err());
        byte[] control = text.getBytes(StandardCharsets.UTF_8);
        control[text.indexOf("\"u2\"") + 2] = 0;
        assertNull(PatientLines.of(FhirContext.forR4Cached(), control));
        Files.write(file, control);
        run = CliRun.of("assess", file.toString());
        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().startsWith("error [PVP-E001] line "), run.err());
        assertEquals("", run.out());
        // and a byte order mark at the start of a line but the first, which Jackson's byte reader would skip, is
        // left to the text's read, which refuses it
        String secondLine = text.lines().skip(1).findFirst().orElseThrow();
        assertNull(PatientLines.of(FhirContext.forR4Cached(), text.replace(secondLine, "\uFEFF" + secondLine)
                .getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    /** Observation/hr1, a heart rate: no finding the module reads. */
    private static Observation heartRate(String patient) {
        Observation heartRate = new Observation();
        heartRate.setId("hr1");
        heartRate.setStatus(Observation.ObservationStatus.FINAL);
        heartRate.getCode().addCoding(new Coding("http://loinc.org", "8867-4", "Heart rate"));
        heartRate.setSubject(new Reference(patient));
        return heartRate;
    }

    private static PatientLines byPatient(String text) {
        return PatientLines.of(FhirContext.forR4Cached(), text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aValueRefusedWhenItsPatientsTurnComes_stopsTheRunThere_andSaysWhatWasPrinted() throws IOException {
        // given 100 patients read patient by patient, the 30th's first finding dated in a month that does not exist
        // (JSON and FHIR's shape are checked before any patient is assessed; the date only when it is parsed)
        List<Resource> resources = new ArrayList<>(SyntheticPopulation.resources("p", 100));
        String text = ndjson(resources);
        String refused = text.replaceFirst("(\"subject\":\\{\"reference\":\"Patient/p29\"},\"effectiveDateTime\":\")[^\"]*",
                "$12025-13-05");
        assertNotEquals(text, refused, "the 30th patient's finding is dated");
        assertNotNull(byPatient(refused));
        Path file = dir.resolve("population.ndjson");
        Files.writeString(file, refused);
        int line = text.substring(0, text.indexOf("\"Patient/p29\"},\"effectiveDateTime\"")).split("\n", -1).length;

        // when it is assessed
        CliRun run = CliRun.of("assess", file.toString());

        // then the 29 patients before it are printed, those of its part of eight too, and the run stops at its line
        assertEquals(2, run.exit(), run.err());
        assertEquals(29, run.out().lines().count(), run.err());
        assertTrue(run.out().lines().toList().get(28).contains("\"Patient/p28\""), run.out());
        assertTrue(run.err().startsWith("error [PVP-E010] line " + line + ", Observation"), run.err());
        assertTrue(run.err().contains("2025-13-05") && run.err().contains("(the run stopped here, after the first 29"
                + " patients, whose RiskAssessments, or why there is none, are printed: the others are not assessed)"),
                run.err());
    }

    @Test
    void whatIsLeftOut_isSaidInItsOwnPatientsResult_orOnce() throws IOException {
        // given three patients, a heart rate of p1, a Basic of p2, a Basic of no patient, and a Patient with no finding
        List<Resource> resources = new ArrayList<>(SyntheticPopulation.resources("p", 3));
        resources.removeIf(r -> "punusable".equals(r.getIdElement().getIdPart())
                || r instanceof Observation o && o.getSubject().getReference().equals("Patient/punusable"));
        Observation heartRate = heartRate("Patient/p1");
        resources.add(heartRate);
        org.hl7.fhir.r4.model.Basic ofP2 = new org.hl7.fhir.r4.model.Basic();
        ofP2.setId("note2");
        ofP2.setSubject(new Reference("Patient/p2"));
        resources.add(ofP2);
        org.hl7.fhir.r4.model.Basic ofNone = new org.hl7.fhir.r4.model.Basic();
        ofNone.setId("loose");
        resources.add(ofNone);
        Patient orphan = new Patient();
        orphan.setId("orphan");
        resources.add(orphan);
        Path file = dir.resolve("population.ndjson");
        Files.writeString(file, ndjson(resources));

        // when it is assessed
        CliRun run = CliRun.of("assess", file.toString());

        // then each patient's RiskAssessment names only what was its own, and the rest is said once
        assertEquals(0, run.exit(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(3, lines.size(), run.out());
        for (String line : lines) {
            boolean p1 = line.contains("\"Patient/p1\"");
            boolean p2 = line.contains("\"Patient/p2\"");
            assertEquals(p1, line.contains("Observation/hr1"), line);
            assertEquals(p2, line.contains("Basic/note2"), line);
            assertTrue(!line.contains("Basic/loose") && !line.contains("orphan"), line);
        }
        assertTrue(run.err().contains("note [PVP-I103] Basic/loose: left out:"), run.err());
        assertTrue(run.err().contains("note [PVP-I109] 1 Patient has no finding the model reads, and no RiskAssessment:"
                + " Patient/orphan"), run.err());

        // and with one patient assessed, another patient's heart rate is not said in that patient's result either
        resources.removeIf(r -> r.getIdElement().getIdPart() != null && r.getIdElement().getIdPart().matches("p[02]")
                || r instanceof Observation o && o.getSubject().getReference().matches("Patient/p[02]"));
        heartRate.setSubject(new Reference("Patient/p0"));
        Files.writeString(file, ndjson(resources));
        CliRun one = CliRun.of("assess", file.toString());
        assertEquals(1, one.out().lines().count(), one.out());
        assertTrue(one.out().contains("\"Patient/p1\"") && !one.out().contains("Observation/hr1"), one.out());
        assertTrue(one.err().contains("note [PVP-I101] Observation/hr1: left out:"), one.err());
    }

    @Test
    void findingsWhoseSubjectCannotBeRead_refuseTheFile_allNamedAtOnce() throws IOException {
        // given two patients' findings, two of them with no subject and one naming the patient by identifier only
        List<Resource> resources = new ArrayList<>(SyntheticPopulation.resources("s", 2));
        resources.removeIf(r -> "sunusable".equals(r.getIdElement().getIdPart())
                || r instanceof Observation o && o.getSubject().getReference().equals("Patient/sunusable"));
        List<Observation> findings = resources.stream().filter(Observation.class::isInstance).map(Observation.class::cast)
                .toList();
        for (int i = 0; i < 3; i++) {
            findings.get(i).setId("f" + i);
        }
        findings.get(0).setSubject(null);
        findings.get(1).setSubject(null);
        findings.get(2).setSubject(new Reference().setIdentifier(new org.hl7.fhir.r4.model.Identifier()
                .setSystem("urn:mrn").setValue("123")));
        Path file = dir.resolve("subjects.ndjson");
        Files.writeString(file, ndjson(resources));

        // when it is assessed, then the file is refused, naming the first and the two others
        CliRun run = CliRun.of("assess", file.toString());

        assertEquals(2, run.exit(), run.err());
        assertTrue(run.err().startsWith("error [PVP-E101] Observation/f0 subject: is missing"), run.err());
        assertTrue(run.err().strip().endsWith("(2 more: Observation/f1 subject [PVP-E101], Observation/f2 subject"
                + " [PVP-E111])"), run.err());
    }

    @Test
    void ndjsonAboutOnePatient_isAnsweredWithNdjson() throws IOException {
        // given a Bulk Data file filtered down to one patient's lines
        List<Resource> resources = new ArrayList<>(SyntheticPopulation.resources("q", 2));
        resources.removeIf(r -> !"q1".equals(r.getIdElement().getIdPart()) && !(r instanceof Observation o
                && o.getSubject().getReference().equals("Patient/q1")));
        Path file = dir.resolve("one.ndjson");
        Files.writeString(file, ndjson(resources));

        // when it is assessed, then its RiskAssessment is one line, as for many patients
        CliRun run = CliRun.of("assess", file.toString());

        assertEquals(0, run.exit(), run.err());
        assertEquals(5, Files.readAllLines(file).size());
        assertEquals(1, run.out().lines().count(), run.out());
        assertTrue(run.out().startsWith("{\"resourceType\":\"RiskAssessment\""), run.out());
    }

    @Test
    void anOutputThatCannotBeWritten_endsTheRun_andSaysSo() throws IOException {
        // given 500 patients, and a standard output that takes 100 kB and then fails (a pipe closed by its reader)
        Path file = dir.resolve("population.ndjson");
        Files.writeString(file, ndjson(population()));
        OutputStream closing = new OutputStream() {
            private int taken;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                taken += length;
                if (taken > 100_000) {
                    throw new IOException("Broken pipe");
                }
            }
        };
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        // when it is assessed
        int exit = Cli.run(new String[] {"assess", file.toString()}, InputStream.nullInputStream(),
                new PrintStream(closing, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                CliRun.CLOCK);

        // then the run ends with the reason, not with a success that lost the patients after the pipe closed
        String errors = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, exit, errors);
        assertTrue(errors.contains("error [PVP-C305] standard output: cannot be written (is the disk full, or the pipe"
                + " closed?)"), errors);
    }

    /** One line per RiskAssessment: its patient and the SHA-256 of its bytes. */
    private static String lineHashes(String out) {
        StringBuilder hashes = new StringBuilder();
        for (String line : out.split("\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            int subject = line.indexOf("\"subject\":{\"reference\":\"") + "\"subject\":{\"reference\":\"".length();
            hashes.append(line, subject, line.indexOf('"', subject)).append(' ').append(sha256(line)).append('\n');
        }
        return hashes.toString();
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** The resources in the order of an export: Patients, then Observations, then the other types. */
    private static String ndjson(List<Resource> resources) {
        IParser json = FhirContext.forR4Cached().newJsonParser();
        List<String> order = List.of("Patient", "Observation", "DiagnosticReport", "Condition", "Device", "Basic");
        List<Resource> sorted = new ArrayList<>(resources);
        sorted.sort(Comparator.comparing(r -> order.indexOf(r.fhirType())));
        StringBuilder text = new StringBuilder();
        sorted.forEach(r -> text.append(json.encodeResourceToString(r)).append('\n'));
        return text.toString();
    }

    /**
     * SyntheticPopulation's 500 and its unusable patient (PVP-E117), and: a finding entered in error;
     * a patient with an excluded condition; one without NPEC and RR (scenarios); a reduction rate
     * outside the study's; a finding dated in the future; findings in a DiagnosticReport; and a
     * Device, which names no patient (said once, on standard error).
     */
    private static List<Resource> population() {
        List<Resource> resources = new ArrayList<>(SyntheticPopulation.resources("syn", 500));
        List<Resource> odd = SyntheticPopulation.resources("odd", 6).stream()
                .filter(r -> !"oddunusable".equals(r.getIdElement().getIdPart())
                        && !(r instanceof Observation o && o.getSubject().getReference().equals("Patient/oddunusable")))
                .toList();
        resources.addAll(odd);
        for (int i = 0; i < resources.size(); i++) {
            if (!resources.get(i).getIdElement().hasIdPart()) {
                resources.get(i).setId("f" + i); // as an export gives every resource its id
            }
        }
        List<Observation> oddFindings = odd.stream().filter(Observation.class::isInstance).map(Observation.class::cast)
                .toList();
        findingOf(oddFindings, "odd0", "intravertebral-cleft").setStatus(Observation.ObservationStatus.ENTEREDINERROR);
        Condition cancer = new Condition();
        cancer.setId("odd1-cancer");
        cancer.setSubject(new Reference("Patient/odd1"));
        cancer.getClinicalStatus().addCoding(new Coding("http://terminology.hl7.org/CodeSystem/condition-clinical",
                "active", null));
        cancer.getCode().addCoding(new Coding(Codes.SNOMED, "94602001", null));
        resources.add(cancer);
        resources.remove(findingOf(oddFindings, "odd2", "npec-pattern"));
        resources.remove(findingOf(oddFindings, "odd2", "reduction-rate"));
        findingOf(oddFindings, "odd3", "reduction-rate").setValue(new Quantity().setValue(40).setUnit("%")
                .setSystem(Codes.UCUM).setCode("%"));
        findingOf(oddFindings, "odd4", "endplate-cortical-disruption").setEffective(new DateTimeType("2099-01-01"));
        DiagnosticReport report = new DiagnosticReport();
        report.setId("odd5-mri");
        report.setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL);
        report.getCode().setText("MRI of the thoracolumbar spine");
        report.setSubject(new Reference("Patient/odd5"));
        report.setEffective(new DateTimeType("2025-03-05"));
        for (Observation finding : oddFindings) {
            if (finding.getSubject().getReference().equals("Patient/odd5")) {
                finding.setSubject(null);
                finding.setEffective(null);
                report.addResult(new Reference("Observation/" + finding.getIdElement().getIdPart()));
            }
        }
        resources.add(report);
        ((Patient) odd.get(0)).setBirthDateElement(new DateType("2010-01-01"));
        Device scanner = new Device();
        scanner.setId("scanner");
        scanner.addDeviceName().setName("MRI scanner").setType(Device.DeviceNameType.USERFRIENDLYNAME);
        resources.add(scanner);
        return resources;
    }

    private static Observation findingOf(List<Observation> findings, String patient, String code) {
        return findings.stream().filter(o -> o.getSubject().getReference().equals("Patient/" + patient)
                && o.getCode().getCodingFirstRep().getCode().equals(code)).findFirst().orElseThrow();
    }

}
