package org.refracturecds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code validate FILE} and {@code assess --validation}, as an integrator runs them. */
class ValidateCommandTest {

    private static final String EXAMPLES = "fhir-profiles/examples/";

    @Test
    void validResource_exits0() {
        CliRun run = CliRun.of("validate", EXAMPLES + "Observation-reduction-rate.json");
        assertEquals(0, run.exit(), run.out() + run.err());
        assertTrue(run.out().contains("Observation/reduction-rate: against pvp-reduction-rate"), run.out());
        assertTrue(run.out().endsWith("0 errors, 0 warnings\n"), run.out());
    }

    @Test
    void invalidResource_printsEachErrorWithItsLocation_andExits1() {
        CliRun run = CliRun.of("validate", EXAMPLES + "Observation-reduction-rate-in-mm.json");
        assertEquals(1, run.exit());
        assertTrue(run.out().contains("error Observation.value.ofType(Quantity).code (line 30, column 17): Value is 'mm'"
                + " but is fixed to '%'"), run.out());
    }

    @Test
    void bundle_isValidatedEntryByEntry() {
        CliRun run = CliRun.of("validate", "examples/cleft-no-endplate-contact.json");
        assertEquals(0, run.exit(), run.out());
        assertTrue(run.out().contains("Bundle.entry[1].resource Observation/cleft-ivc: against pvp-intravertebral-cleft"), run.out());
    }

    @Test
    void whatAssessRefuses_isRefusedAlike_everyEntryNamed(@TempDir Path dir) throws IOException {
        String example = Files.readString(Path.of("examples/cleft-no-endplate-contact.json"));
        Path file = dir.resolve("bundle.json");
        Files.writeString(file, example.replace("\"valueBoolean\": true", "\"valueBoolean\": \"true\"")
                .replace("\"valueBoolean\": false,\n        \"bodySite\"", "\"valueBoolean\": false,\n        \"bodysite\""));
        CliRun run = CliRun.of("validate", file.toString());
        assertEquals(2, run.exit(), run.out());
        assertTrue(run.err().startsWith("error [PVP-E010] Bundle.entry[1].resource (Observation/cleft-ivc).valueBoolean: is the"
                + " string \"true\""), run.err());
        assertTrue(run.err().contains("(1 more refused: Bundle.entry[2].resource (Observation/cleft-epd).bodysite [PVP-E012])"),
                run.err());

        Files.writeString(file, example.replace("\"valueBoolean\": true", "\"valueBoolean\": true, \"valueBoolean\": false"));
        run = CliRun.of("validate", file.toString());
        assertEquals(2, run.exit(), run.out());
        assertTrue(run.err().startsWith("error [PVP-E007]"), run.err());
    }

    @Test
    void notFhir_exits2() {
        CliRun run = CliRun.of("validate", EXAMPLES + "manifest.json");
        assertEquals(2, run.exit());
        assertTrue(run.err().contains("error [PVP-E002] the input: is not a FHIR resource"), run.err());
    }

    @Test
    void assessWithValidation_warnListsTheProblem_strictRefuses(@TempDir Path dir) throws IOException {
        String example = Files.readString(Path.of("examples/cleft-no-endplate-contact.json"));
        String firstCode = "\"code\": \"intravertebral-cleft\"";
        assertTrue(example.contains(firstCode));
        Path input = Files.writeString(dir.resolve("input.json"), example.replaceFirst(firstCode, firstCode
                + "}, {\"system\": \"https://fhir.refracture-cds.org/CodeSystem/pvp-findings\", \"code\": \"ivc-old\""));

        CliRun warn = CliRun.of("assess", "--validation", "warn", "--explain", input.toString());
        assertEquals(0, warn.exit(), warn.err());
        assertTrue(warn.out().contains("[PVP-V101] Bundle.entry["), warn.out());

        CliRun strict = CliRun.of("assess", "--validation", "strict", input.toString());
        assertEquals(2, strict.exit());
        assertTrue(strict.err().contains("error [PVP-V102] Bundle.entry["), strict.err());
        assertTrue(strict.err().contains("ivc-old"), strict.err());
    }
}
