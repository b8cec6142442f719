package org.refracturecds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.RuleFolders;

/** {@code calibrate} end to end on the synthetic example cohort, as a centre would run it. */
class CalibrateCommandTest {

    private static final String EXAMPLE = "examples/calibration/synthetic-cohort.csv";

    @Test
    void theExampleCohort_givesTheFiguresThePlotAndTheReport(@TempDir Path dir) throws Exception {
        // when the example cohort is calibrated
        CliRun run = CliRun.of("calibrate", EXAMPLE, "--out", dir.toString());

        // then it succeeds, printing the figures before and after and the fit
        assertEquals(0, run.exit(), run.err());
        assertEquals("", run.err());
        assertTrue(run.out().startsWith("Cohort: " + EXAMPLE + " (CSV): 500 treated vertebrae of 500 patients, 82 refractures\n"),
                run.out());
        assertTrue(run.out().contains("calibration-in-the-large (SE)"), run.out());
        assertTrue(run.out().contains("c-statistic (95% CI, DeLong)"), run.out());
        assertTrue(run.out().contains("b is fixed at 1 and a alone is fitted: 82 refractures are fewer than the 100"),
                run.out());
        // and calibration.json holds each figure under its name, before and after
        JsonNode json = new ObjectMapper().readTree(dir.resolve("calibration.json").toFile());
        for (String when : List.of("before", "after")) {
            JsonNode figures = json.path(when);
            assertEquals(500, figures.path("patients").asInt());
            assertEquals(82, figures.path("events").asInt());
            for (String key : List.of("calibrationInTheLarge", "calibrationSlope", "cStatistic", "brierScore")) {
                assertFalse(figures.path(key).isMissingNode(), when + "." + key);
            }
            assertEquals(10, figures.path("deciles").size());
            assertTrue(figures.path("smoothed").size() > 20);
        }
        assertEquals(0, json.at("/after/calibrationInTheLarge/intercept").asDouble(), 1e-6);
        assertEquals(json.at("/before/cStatistic/auc").asDouble(), json.at("/after/cStatistic/auc").asDouble(), 1e-9);
        assertFalse(json.at("/recalibration/slopeFitted").asBoolean());
        assertTrue(json.at("/recalibration/standardErrorB").isNull());
        assertTrue(json.at("/recalibration/interceptAndSlope/b").isNumber());
        // and the SVG is XML, the PNG an image at twice its size, the report HTML without patient identifiers
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(dir.resolve("calibration.svg").toFile());
        BufferedImage png = ImageIO.read(dir.resolve("calibration.png").toFile());
        assertEquals(2000, png.getWidth());
        String report = Files.readString(dir.resolve("report.html"));
        assertTrue(report.contains("<h1>How well the refracture model predicts this centre's patients</h1>"));
        assertTrue(report.contains("<h2>Limits</h2>") && report.contains("One centre's cohort"), report);
        assertTrue(report.contains("<svg"), "the plot is inline");
        assertFalse(report.contains("SYN-0") || Files.readString(dir.resolve("calibration.json")).contains("SYN-0"),
                "no patient's identifier in the outputs");
    }

    @Test
    void aBrokenCohort_listsEveryProblemWithItsRowAndColumn_andExits2(@TempDir Path dir) throws IOException {
        Path cohort = dir.resolve("cohort.csv");
        Files.writeString(cohort, "patient,level,ivc,epd,npec,rr,refracture\nP1,T12,1,0,both,5,0\nP2,T12,1,0,none,12%,0\n");

        CliRun run = CliRun.of("calibrate", cohort.toString(), "--out", dir.resolve("out").toString());

        assertEquals(2, run.exit());
        assertEquals("", run.out());
        List<String> lines = run.err().lines().toList();
        assertEquals(2, lines.size(), run.err());
        assertTrue(lines.get(0).startsWith("error [PVP-C206] " + cohort + " row 2, column E (npec): is 'both'"), lines.get(0));
        assertTrue(lines.get(1).startsWith("error [PVP-C207] " + cohort + " row 3, column F (rr): is '12%'"), lines.get(1));
        assertFalse(Files.exists(dir.resolve("out")), "nothing written for a cohort that cannot be used");
    }

    @Test
    void aMissingFile_isNamed() {
        CliRun run = CliRun.of("calibrate", "no-such-cohort.csv");
        assertEquals(2, run.exit());
        assertEquals("error [PVP-C201] no-such-cohort.csv: cannot be read: no such file\n", run.err());
    }

    @Test
    void writeRules_recalibratesTheFolder_andItsScenariosStillPass(@TempDir Path dir) throws IOException {
        // given a copy of the rules
        Path rules = RuleFolders.copy(dir.resolve("rules"));

        // when the example cohort's fit is written into it
        CliRun run = CliRun.of("calibrate", EXAMPLE, "--out", dir.resolve("out").toString(), "--write-rules",
                rules.toString(), "--by", "Dr Test");

        // then the folder holds the fit, says so, and its scenarios pass
        assertEquals(0, run.exit(), run.err() + run.out());
        assertTrue(run.out().contains("Rules " + rules + " recalibrated to this centre: version 2.0.0, sha256:"), run.out());
        String table = Files.readString(rules.resolve("recalibration.drl.csv"));
        assertTrue(table.contains(",500,500,82,\"Dr Test\",\"2026-01-15\","), table);
        CliRun test = CliRun.of("rules", "test", rules.toString());
        assertEquals(0, test.exit(), test.out());
        assertTrue(test.out().contains("pass    Recalibrated, no risk factor, cement on both endplates, RR 0%"), test.out());
        CliRun check = CliRun.of("rules", "check", rules.toString());
        assertTrue(check.out().contains("The model is recalibrated to this centre on 2026-01-15 by Dr Test"), check.out());

        // and an assessment with these rules says it is recalibrated, in its model version and its notes
        CliRun assessed = CliRun.of("assess", "examples/cleft-no-endplate-contact.json", "--rules", rules.toString());
        assertEquals(0, assessed.exit(), assessed.err());
        assertTrue(assessed.out().matches("(?s).*\"version\": \"2\\.0\\.0\\+rules\\.[0-9a-f]{12}\\.recalibrated\\.20260115\".*"),
                assessed.out());
        assertTrue(assessed.out().contains("[PVP-I501] Recalibrated to this centre's own patients"), assessed.out());

        // and writing again replaces the fit rather than adding a second
        CliRun again = CliRun.of("calibrate", EXAMPLE, "--out", dir.resolve("out").toString(), "--write-rules",
                rules.toString(), "--by", "Dr Test");
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.out().contains("Replaced the recalibration fitted by Dr Test on 2026-01-15."), again.out());
    }
}
