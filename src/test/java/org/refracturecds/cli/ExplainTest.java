package org.refracturecds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code assess --explain}: what the full explanation says beside the arithmetic. */
class ExplainTest {

    private static int count(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }

    @Test
    void aDeploymentsOwnIncidence_leavesOutTheIncidenceAlternative_andSaysSoOnce() {
        // given a centre's own incidence of 20%, when a patient is explained
        CliRun run = CliRun.of("assess", "--incidence", "0.2", "--explain", "examples/cleft-no-endplate-contact.json");

        // then no estimate is shown under an incidence of 10%, and one line says why
        assertEquals(0, run.exit(), run.err());
        assertFalse(run.out().contains("    incidence-10 "), run.out());
        assertEquals(1, count(run.out(), "Not shown: the alternative incidence-10 ("), run.out());
        assertEquals(1, count(run.out(), "): it questions the study's incidence of 3.68%, and this deployment sets its own"
                + " (20%)."), run.out());
        assertTrue(run.out().contains("    npec-order "), run.out());
    }

    @Test
    void anInputOutsideTheStudy_opensWithTheCardsWarning() {
        CliRun run = CliRun.of("assess", "--explain", "examples/several-levels.json");

        assertEquals(0, run.exit(), run.err());
        String opening = run.out().split("\n\n")[1];
        assertTrue(opening.startsWith("Less certain than its interval says: the input is outside the study's patients ("),
                run.out());
        assertTrue(opening.contains("PVP-A103"), opening);
    }

    @Test
    void theStudysIncidence_showsTheIncidenceAlternative() {
        CliRun run = CliRun.of("assess", "--explain", "examples/cleft-no-endplate-contact.json");

        assertTrue(run.out().contains("    incidence-10 "), run.out());
        assertFalse(run.out().contains("Not shown"), run.out());
    }

    @Test
    void eachAlternative_isNamedInWordsWithoutItsSource_andItsSourceIsShownBesideIt() {
        CliRun run = CliRun.of("assess", "--explain", "examples/cleft-no-endplate-contact.json");

        assertTrue(run.out().contains("    ivc-or-16         44% High       an IVC odds ratio of 16 [Table 1 (IVC in 1 of 45"
                + " controls), Table 2, Firth refits (docs/MODEL.md)]\n"), run.out());
        assertTrue(run.out().contains("    incidence-10      79% High       an incidence of 10% [Discussion (incidence of"
                + " refracture), docs/MODEL.md]\n"), run.out());
    }

    @Test
    void explain_speaksTheCardsPlainWords_andNamesNoRule() {
        CliRun run = CliRun.of("assess", "--explain", "examples/pre-op-only.json");

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("T12, before PVP: Moderate with favourable technique.\n"
                + "  Cement contacts both endplates, reduction rate 5%: 19%, Moderate (could be anywhere from 1.8% to 76%).\n"),
                run.out());
        assertFalse(run.out().contains("G-ENDPLATE-CONTACT"), "no guidance id");
        assertFalse(run.out().contains("Rules fired"), "no rule names");
        assertFalse(run.out().matches("(?s).*\\d %.*"), "no space before a per cent sign");
    }

    @Test
    void debug_addsTheRulesNames() {
        CliRun run = CliRun.of("assess", "--explain", "--debug", "examples/pre-op-only.json");

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("[T12] G-ENDPLATE-CONTACT: Consider aiming"), run.out());
        assertTrue(run.out().contains("Rules fired, in order:"), run.out());
    }
}
