package org.refracturecds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.refracturecds.engine.RulesCache;

/** Bad input gives exit 2 and one line naming the resource and field, never a stack trace. */
class BadInputTest {

    static final String BAD = "src/test/resources/bad/";

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "malformed.json               | [PVP-E001] line 2, column 47: malformed JSON",
        "not-fhir.json                | [PVP-E002] the input: is not a FHIR resource",
        "patient-only.json            | [PVP-E003] the input: holds a Patient but no Observation",
        "empty-bundle.json            | [PVP-E004] the input: holds no resource",
        "wrong-unit.json              | [PVP-E117] Patient/cleft: has no usable finding of a vertebra: Observation/cleft-rr left out, [PVP-E104] valueQuantity.code: unit 'mm' is not accepted",
        "wrong-value-type.json        | [PVP-E117] Patient/cleft: has no usable finding of a vertebra: Observation/cleft-ivc left out, [PVP-E103] value[x]: is a Quantity",
        "unknown-npec.json            | [PVP-E117] Patient/cleft: has no usable finding of a vertebra: Observation/cleft-npec left out, [PVP-E105] valueCodeableConcept",
        "cervical-level.json          | [PVP-E117] Patient/cleft: has no usable finding of a vertebra: Observation/cleft-ivc left out, [PVP-E106] bodySite: http://snomed.info/sct|14806007 'C5 vertebra' names no vertebra this module knows",
        "no-subject.json              | [PVP-E101] Observation/cleft-ivc subject: is missing",
        "contradicting-same-time.json | [PVP-E117] Patient/cleft: has no usable finding of a vertebra: Observation/cleft-ivc left out, [PVP-E107] says present but Observation/cleft-ivc-2 (absent) says otherwise",
        "unknown-code-only.json       | [PVP-E109] the input: has no finding of a vertebra",
    })
    void badInput_exitsTwoWithOneLineNamingWhereAndWhat(String file, String expected) {
        // when
        CliRun run = CliRun.of("assess", BAD + file.strip());

        // then
        assertEquals(2, run.exit());
        assertEquals("", run.out());
        assertTrue(run.err().startsWith("error " + expected.strip()), run.err());
        assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
        assertFalse(run.err().contains("\tat "), "no stack trace");
    }

    /**
     * JSON that is not one document, or not the FHIR R4 JSON it claims to be, is refused whole:
     * never read in part, never coerced. Each message names where and what to send instead.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "trailing-garbage.json            | [PVP-E005] line 53, column 2: unexpected content after the end of the JSON"
            + " document, which ends at line 53, column 1: send one JSON document (a Bundle or a resource), or NDJSON"
            + " with one resource a line",
        "two-documents-on-one-line.ndjson | [PVP-E006] line 1, column 580: a second JSON document starts on the line"
            + " where the one before it ends; that is not NDJSON, which has each resource on a line of its own: put"
            + " each resource on a line of its own, or send them in a Bundle",
        "pretty-printed-then-another.json | [PVP-E006] line 40, column 1: a second JSON document follows one spread"
            + " over lines 1-39; that is not NDJSON, which has each resource on a line of its own: put each resource"
            + " on a line of its own, or send them in a Bundle",
        "duplicate-key.json               | [PVP-E007] Bundle.entry[1].resource (Observation/ivc-1).valueBoolean: the"
            + " key \"valueBoolean\" appears twice in one JSON object (again on line 41): send it once, with the value"
            + " meant",
        "boolean-as-string.json           | [PVP-E010] Bundle.entry[1].resource (Observation/ivc-1).valueBoolean: is"
            + " the string \"true\", but FHIR R4 JSON has a boolean as true or false, without quotes: send true",
        "id-as-object.json                | [PVP-E010] Bundle.entry[1].resource (Observation).id: is an object, but"
            + " FHIR R4 JSON has an id as a string: send a string, in quotes",
        "two-values.json                  | [PVP-E011] Bundle.entry[1].resource (Observation/ivc-1).valueQuantity: is"
            + " a second value[x] beside valueBoolean, but Observation has one value[x]: send only the one meant",
        "number-for-string.json           | [PVP-E010] Bundle.entry[2].resource (Observation/rr-1).valueQuantity.code:"
            + " is the number 1, but FHIR R4 JSON has a code as a string: send \"1\"",
        "decimal-as-string.json           | [PVP-E010] Bundle.entry[2].resource (Observation/rr-1).valueQuantity.value:"
            + " is the string \"12.5\", but FHIR R4 JSON has a decimal as a number, without quotes: send 12.5",
        "nested-too-deep.json             | [PVP-E008] line 1, column 2965: the JSON is nested more than 100 levels"
            + " deep, far deeper than FHIR resources go: send FHIR R4 JSON",
        "not-utf8.json                    | [PVP-E009] line 46: byte 0xF6 (offset 1159) is not UTF-8: FHIR JSON is"
            + " UTF-8; send the input encoded as UTF-8",
        "empty.json                       | [PVP-E001] the input: is empty: send a FHIR Bundle, an Observation or NDJSON",
        "null-entry.json                  | [PVP-E010] Bundle.entry[1]: is null, which FHIR R4 JSON allows only as an"
            + " item of a repeating primitive's array: remove it, or send what it stood for",
        "null-coding.json                 | [PVP-E010] Bundle.entry[1].resource (Observation/preop-ivc).code.coding[1]:"
            + " is null, which FHIR R4 JSON allows only as an item of a repeating primitive's array: remove it, or send"
            + " what it stood for",
        "null-resource.json               | [PVP-E010] Bundle.entry[4].resource: is null, which FHIR R4 JSON allows"
            + " only as an item of a repeating primitive's array: remove it, or send what it stood for",
        "null-value.json                  | [PVP-E010] Bundle.entry[1].resource (Observation/preop-ivc)"
            + ".valueCodeableConcept: is null, which FHIR R4 JSON allows only as an item of a repeating primitive's"
            + " array: remove it, or send what it stood for",
    })
    void jsonThatIsNotOneFhirDocument_exitsTwoWithTheWholeReason(String file, String expected) {
        // when
        CliRun run = CliRun.of("assess", BAD + file.strip());

        // then
        assertEquals(2, run.exit(), run.err().lines().findFirst().orElse("") + run.out());
        assertEquals("", run.out());
        assertEquals("error " + expected.strip() + "\n", run.err());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "assess no-such-file.json         | error [PVP-E000] no-such-file.json: cannot be read: no such file",
        "assess no/such/file.json         | error [PVP-E000] no/such/file.json: cannot be read: no such folder: no/such",
        "validate no/such/file.json       | error [PVP-E000] no/such/file.json: cannot be read: no such folder: no/such",
        "serve --config no/such/file.yaml | error [PVP-C100] no/such/file.yaml: cannot be read: no such file",
        "assess --html no/such/page.html examples/cleft-no-endplate-contact.json | error [PVP-E000] no/such/page.html:"
            + " cannot be written: no such folder: no/such",
    })
    void missingFile_exitsTwoSayingNoSuchFile_inWords(String command, String expected) {
        // when
        CliRun run = CliRun.of(command.strip().split(" "));

        // then
        assertEquals(2, run.exit());
        assertEquals(expected.strip() + "\n", run.err(), "no Java exception named (NoSuchFileException)");
    }

    @Test
    void incidenceOutsideZeroToOne_exitsTwo() {
        CliRun run = CliRun.of("assess", "--incidence", "3.68", "examples/no-risk-factors.json");
        assertEquals(2, run.exit());
        assertTrue(run.err().startsWith("error [PVP-C001] --incidence 3.68"), run.err());
    }

    @Test
    void incidenceGivenAsPercentage_isNamedAsTypedWithItsProportion() {
        CliRun run = CliRun.of("assess", "--incidence", "10", "examples/no-risk-factors.json");
        assertEquals(2, run.exit());
        assertEquals("error [PVP-C001] --incidence 10: give a proportion between 0 and 1, e.g. 0.0368 for 3.68%"
                + " (for 10% give 0.1)\n", run.err());
    }

    @Test
    void olderDisagreeingObservation_isReportedAndUnknownCodeListed() {
        // given IVC present on 2025-03-03 but absent on 2025-01-10, and a heart rate Observation
        CliRun run = CliRun.of("assess", BAD + "disagreeing-over-time.json");

        // then the latest wins, the disagreement and the unknown code are both in the output
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("[PVP-W101] Observation/cleft-ivc: intravertebral-cleft is present here but"
                + " absent in the earlier Observation/cleft-ivc-old; the latest is used"), run.out());
        assertTrue(run.out().contains("[PVP-I101] Observation/heart-rate: left out: code http://loinc.org|8867-4"), run.out());
        assertTrue(run.out().contains("\"probabilityDecimal\": 0.5684"), run.out());
    }

    @Test
    void ndjsonFromStandardInput_givesOneLinePerPatient() throws Exception {
        String ndjson = java.nio.file.Files.readString(java.nio.file.Path.of(BAD + "two-patients.ndjson"));
        CliRun run = CliRun.withStdin(ndjson, "assess", "-");
        assertEquals(0, run.exit(), run.err());
        assertEquals(2, run.out().lines().count());
        assertTrue(run.out().lines().allMatch(line -> line.startsWith("{\"resourceType\":\"RiskAssessment\"")));
        assertTrue(run.out().contains("\"reference\":\"Patient/other\""));
    }

    @Test
    void aPatientWithNoUsableFinding_isNamed_andTheOtherPatientsAreStillAssessed() {
        // given NDJSON of two patients, the second with only a reduction rate in mm (not usable)
        CliRun run = CliRun.of("assess", BAD + "two-patients-one-unusable.ndjson");

        // then the first is assessed (one NDJSON line), the second named with every reason, and the exit says so
        assertEquals(2, run.exit(), run.err());
        assertEquals(1, run.out().lines().count(), run.out());
        assertTrue(run.out().startsWith("{\"resourceType\":\"RiskAssessment\""), run.out());
        assertTrue(run.out().contains("\"subject\":{\"reference\":\"Patient/cleft\"}"), run.out());
        assertEquals("error [PVP-E117] Patient/other: has no usable finding of a vertebra: Observation/other-rr left"
                + " out, [PVP-E104] valueQuantity.code: unit 'mm' is not accepted: reduction-rate needs valueQuantity"
                + " in % or 1 (% means percentage points; 1 means a fraction)\n", run.err().replace("\r\n", "\n"));
    }

    @Test
    void aPatientWithNoUsableFinding_isNamedAfterThePatientsBeforeIt_whenBothStreamsAreOne() {
        // given the same two patients, standard output and standard error into one stream (2>&1)
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(both, true, StandardCharsets.UTF_8);

        // when
        int exit = Cli.run(new String[] {"assess", BAD + "two-patients-one-unusable.ndjson"},
                InputStream.nullInputStream(), stream, stream, CliRun.CLOCK, RulesCache.off());

        // then the first patient's RiskAssessment comes before the second's error, as in the file
        List<String> lines = both.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, exit);
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("{\"resourceType\":\"RiskAssessment\""), lines.get(0));
        assertTrue(lines.get(1).startsWith("error [PVP-E117] Patient/other: "), lines.get(1));
    }

    @Test
    void brokenRules_exitOneListingFileAndLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("broken.drl"), "package x;\nrule \"r\" when\n  Nonsense(\nthen end\n");
        CliRun run = CliRun.of("assess", "--rules", dir.toString(), "examples/no-risk-factors.json");
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("broken.drl:"), run.err());
        assertFalse(run.err().contains("\tat "), "no stack trace");
    }

    @Test
    void serveWithABadSetting_exitsTwoNamingTheSetting() {
        CliRun run = CliRun.of("serve", "--config", BAD + "settings-bad-port.yaml");

        assertEquals(2, run.exit());
        assertTrue(run.err().startsWith("error [PVP-C103] " + BAD + "settings-bad-port.yaml: setting 'port' is 80800"),
                run.err());
    }

    @Test
    void serveWithADatabaseThatCannotBeReached_exitsTwoNamingTheSetting(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path settings = dir.resolve("settings.yaml");
        java.nio.file.Files.writeString(settings, "database: \"jdbc:postgresql://127.0.0.1:1/pvp?password=secret\"\n"
                + "databaseUser: pvp\ndatabasePassword: secret\n");

        CliRun run = CliRun.of("serve", "--port", "0", "--config", settings.toString());

        assertEquals(2, run.exit());
        assertTrue(run.err().contains("error [PVP-C104] setting 'database' (jdbc:postgresql://127.0.0.1:1/pvp): the"
                + " database cannot be opened: Connection to 127.0.0.1:1 refused"), run.err());
        assertFalse(run.err().contains("secret"), run.err());
    }
}
