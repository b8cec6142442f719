package org.refracturecds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.refracturecds.fhirout.ModuleDevice;

/** Options that say nothing alone, and -V, on the command and its subcommands. */
class CliOptionsTest {

    @Test
    void optionsThatWouldBeIgnored_areRefusedAndNamed() {
        CliRun debugAlone = CliRun.of("assess", "examples/cleft-no-endplate-contact.json", "--debug");
        CliRun stateWithFile = CliRun.of("assess", "examples/cleft-no-endplate-contact.json", "--state", "s.state");
        CliRun debugOnServer = CliRun.of("assess", "--fhir-server", "http://127.0.0.1:9/fhir", "--all", "--debug");

        assertEquals("error [PVP-C003] --debug: names the rules in the text of --explain; give --explain too\n",
                debugAlone.err());
        assertEquals("error [PVP-C301] --state: for a population read from a FHIR server; give --fhir-server URL"
                + " instead of examples/cleft-no-endplate-contact.json\n", stateWithFile.err());
        assertEquals("error [PVP-C301] --explain, --debug, --html and --validation are for FILE; a population run"
                + " prints NDJSON\n", debugOnServer.err());
        List.of(debugAlone, stateWithFile, debugOnServer).forEach(run -> assertEquals(Cli.BAD_INPUT, run.exit(), run.err()));
    }

    @Test
    void anOptionOrValueTheCommandDoesNotTake_isRefusedWithACode_andTheClosestOption() {
        CliRun misspelt = CliRun.of("assess", "examples/cleft-no-endplate-contact.json", "--explian");
        CliRun notANumber = CliRun.of("assess", "examples/cleft-no-endplate-contact.json", "--incidence", "abc");

        assertEquals(2, misspelt.exit());
        assertEquals("error [PVP-C004] Unknown option: '--explian': `pvp-refracture-cds assess --help` lists what it"
                + " takes\nPossible solutions: --explain\n", misspelt.err());
        assertEquals(2, notANumber.exit());
        assertEquals("error [PVP-C004] Invalid value for option '--incidence': 'abc' is not a number: `pvp-refracture-cds"
                + " assess --help` lists what it takes\n", notANumber.err());
    }

    @Test
    void theVersion_isTheOneTheRiskAssessmentsName_onEveryCommand() {
        String version = "pvp-refracture-cds " + ModuleDevice.VERSION + "\n";
        for (String[] args : List.of(new String[] {"-V"}, new String[] {"assess", "-V"}, new String[] {"serve", "--version"},
                new String[] {"rules", "check", "-V"})) {
            CliRun run = CliRun.of(args);

            assertEquals(0, run.exit(), String.join(" ", args));
            assertEquals(version, run.out(), String.join(" ", args));
        }
    }
}
