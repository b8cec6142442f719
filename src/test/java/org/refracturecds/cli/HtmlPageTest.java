package org.refracturecds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code assess FILE --html OUT.html}: the surgeon's page for the notes, one file that loads nothing. */
class HtmlPageTest {

    @Test
    void onePatient_givesOneSelfContainedPage(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("cleft.html");

        CliRun run = CliRun.of("assess", "examples/cleft-no-endplate-contact.json", "--html", out.toString());

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().startsWith("{"), "the RiskAssessment is still printed");
        String page = Files.readString(out);
        assertTrue(page.contains("T11, after PVP: 57%, High"), page);
        assertTrue(page.contains("<svg") && page.contains("this patient"), "the technique picture with the patient's cell");
        assertTrue(page.contains("Observation/cleft-rr"), "the inputs with their Observation ids");
        assertTrue(page.contains("assessed 2026-01-15 09:30 UTC"), "the time it was made");
        assertFalse(page.matches("(?s).*(src|href)=\"(https?:)?//(?!doi\\.org).*"), "nothing loaded from elsewhere");
        assertFalse(page.contains("<script"), "no script");
        assertFalse(page.contains("G-FOLLOW-UP"), "no rule ids");
    }

    @Test
    void textOfTheInputWithBidiMarks_isShownWithoutThem(@TempDir Path dir) throws Exception {
        // given a Condition whose text, quoted by a notice, holds marks that would show what follows reversed
        String bundle = Files.readString(Path.of("examples/cleft-no-endplate-contact.json"));
        String condition = "{\"resource\":{\"resourceType\":\"Condition\",\"id\":\"c1\",\"code\":{\"text\":"
                + "\"myeloma\\u202E21T\\u202C\"},\"subject\":{\"reference\":\"Patient/cleft\"}}},";
        Path file = dir.resolve("bidi.json");
        Files.writeString(file, bundle.replaceFirst("\"entry\"\\s*:\\s*\\[", "\"entry\": [" + java.util.regex.Matcher
                .quoteReplacement(condition)));
        Path out = dir.resolve("bidi.html");

        // when its page is written
        CliRun run = CliRun.of("assess", file.toString(), "--html", out.toString());

        // then the text is on the page as sent, without the marks
        assertEquals(0, run.exit(), run.err());
        String page = Files.readString(out);
        assertTrue(page.contains("myeloma21T"), page);
        assertFalse(page.contains("\u202E") || page.contains("\u202C"), "no bidi mark on the page");
    }

    @Test
    void twoPatients_areRefused_withTheCode() {
        CliRun run = CliRun.of("assess", "examples/two-patients.json", "--html", "target/never.html");

        assertEquals(2, run.exit());
        assertTrue(run.err().startsWith("error [PVP-C002] --html target/never.html: writes the page of one patient"), run.err());
        assertFalse(Files.exists(Path.of("target/never.html")));
    }
}
