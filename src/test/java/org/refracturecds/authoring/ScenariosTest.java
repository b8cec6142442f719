package org.refracturecds.authoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.RuleFolders;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.engine.RuleSetException;
import org.refracturecds.facts.Settings;

/** The clinicians' scenarios in rules/tests run in the suite, and they catch edits that change what the rules say. */
class ScenariosTest {

    private static ScenarioRunner.Report run(Path dir) throws IOException, RuleSetException {
        ScenarioFiles.Read read = ScenarioFiles.read(dir);
        assertEquals(List.of(), read.problems());
        return ScenarioRunner.run(new Assessor(RuleSet.load(dir), new Settings(null)), read.scenarios());
    }

    private static String failures(ScenarioRunner.Report report) {
        return report.results().stream().filter(r -> !r.passed())
                .map(r -> r.scenario().where() + " " + r.scenario().name() + ": " + r.failures())
                .collect(Collectors.joining("\n"));
    }

    @Test
    void bundledScenarios_allPass_andTogetherFireEveryRule() throws IOException, RuleSetException {
        ScenarioRunner.Report report = run(RuleFolders.RULES);
        assertTrue(report.results().size() >= 20, "at least 20 scenarios: " + report.results().size());
        assertTrue(report.allPassed(), failures(report));
        assertEquals(java.util.Set.of(), report.neverFired());
    }

    @Test
    void editedCoefficient_failsTheScenariosItChanges(@TempDir Path dir) throws IOException, RuleSetException {
        RuleFolders.copyWithEdit(dir, "model.drl.csv", ",3.3003,1.1827,", ",2.0,1.1827,");
        ScenarioRunner.Report report = run(dir);
        assertTrue(report.failed() > 0);
        assertTrue(failures(report).contains("is outside"), failures(report));
    }

    @Test
    void raisedBandThreshold_failsTheScenarioAtTheBoundary(@TempDir Path dir) throws IOException, RuleSetException {
        RuleFolders.copyWithEdit(dir, "bands.drl.csv", "moderate,0.05,", "moderate,0.06,");
        ScenarioRunner.Report report = run(dir);
        assertTrue(failures(report).contains("Cleft alone, cement on both endplates, small restoration: [band was Low,"
                + " expected moderate]"), failures(report));
    }

    @Test
    void removedGuidanceRow_failsTheScenariosThatExpectIt(@TempDir Path dir) throws IOException, RuleSetException {
        RuleFolders.copy(dir);
        Path guidance = dir.resolve("guidance.drl.csv");
        Files.writeString(guidance, Files.readString(guidance).lines().filter(l -> !l.contains("G-EPD-FOLLOW-UP"))
                .collect(Collectors.joining("\n")));
        String failures = failures(run(dir));
        assertTrue(failures.contains("guidance G-EPD-FOLLOW-UP was expected but not given"), failures);
    }

    @Test
    void scenarioWithoutItsRule_isNamedAsNeverFired(@TempDir Path dir) throws IOException, RuleSetException {
        RuleFolders.copy(dir);
        Files.delete(dir.resolve("tests/after-pvp.yaml"));
        assertTrue(run(dir).neverFired().contains("Flag a reported reduction rate that disagrees with the compression ratios"));
    }

    @Test
    void misspeltKey_isReportedWithFileAndLine(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("tests"));
        Files.writeString(dir.resolve("tests/typo.yaml"), """
                scenarios:
                  - name: Typo
                    findings: {IVC: present}
                    expect:
                      band: high
                      gudiance: [G-IVC-TIMING]
                """);
        ScenarioFiles.Read read = ScenarioFiles.read(dir);
        assertEquals(1, read.problems().size());
        assertTrue(read.problems().get(0).where().startsWith("tests/typo.yaml:6:"), read.problems().get(0).where());
        assertTrue(read.problems().get(0).message().contains("gudiance"), read.problems().get(0).render());
    }

    @Test
    void wrongIndicatorOrBandUnderAnAlternative_failsTheScenarioWithTheReason() throws RuleSetException {
        Assessor assessor = new Assessor(RuleSet.load(RuleFolders.RULES), new Settings(null));
        Scenario.Expect expect = new Scenario.Expect(null, null, null, null, null, null, "critical",
                java.util.Map.of("npec-order", "moderate", "no-such", "low"));
        ScenarioRunner.Result result = ScenarioRunner.run(assessor, new Scenario("tests/x.yaml", 2, "x", "T12",
                java.util.Map.of("IVC", "present", "EPD", "present"), null, expect));
        assertTrue(result.failures().contains("the card's indicator was warning, expected critical"), result.failures().toString());
        assertTrue(result.failures().contains("band under npec-order was High, expected moderate"), result.failures().toString());
        assertTrue(result.failures().stream().anyMatch(f -> f.startsWith("there is no alternative 'no-such'")), result.failures().toString());
    }

    @Test
    void unknownFindingOrValue_failsTheScenarioWithTheReason() throws RuleSetException {
        Assessor assessor = new Assessor(RuleSet.load(RuleFolders.RULES), new Settings(null));
        Scenario.Expect expect = new Scenario.Expect("high", null, null, null, null, null, null, null);
        ScenarioRunner.Result unknown = ScenarioRunner.run(assessor, new Scenario("tests/x.yaml", 2, "x", "L1",
                java.util.Map.of("cleft size", "large"), null, expect));
        assertTrue(unknown.failures().get(0).contains("[PVP-E502] tests/x.yaml:2 findings.cleft size"), unknown.failures().toString());
        ScenarioRunner.Result badValue = ScenarioRunner.run(assessor, new Scenario("tests/x.yaml", 2, "x", "L1",
                java.util.Map.of("RR", "12 mm"), null, expect));
        assertTrue(badValue.failures().get(0).contains("unit 'mm' is not accepted"), badValue.failures().toString());
    }

    @Test
    void onRecalibratedRules_thePublishedScenariosStillPass_andTheyWouldFailWithoutTheirModelKey(@TempDir Path dir)
            throws IOException, RuleSetException {
        // given the bundled rules recalibrated to a centre (a = -0.5, b = 0.8)
        RuleFolders.copyRecalibrated(dir);

        // then the bundled scenarios, which say model: published, pass
        ScenarioRunner.Report report = run(dir);
        assertTrue(report.allPassed(), failures(report));

        // but without the key they test the recalibrated model, whose numbers differ
        for (Path file : Files.list(dir.resolve("tests")).toList()) {
            Files.writeString(file, Files.readString(file).replace("\nmodel: published\n", "\n"));
        }
        assertTrue(run(dir).failed() > 0);
    }

    @Test
    void modelRecalibrated_onRulesWithoutARecalibration_failsSayingSo(@TempDir Path dir) throws IOException, RuleSetException {
        RuleFolders.copy(dir);
        Files.writeString(dir.resolve("tests/local.yaml"), """
                model: recalibrated
                scenarios:
                  - name: Local
                    findings: {IVC: absent, EPD: absent, NPEC: none, RR: 0%}
                    expect:
                      notices: [PVP-I501]
                """);
        ScenarioRunner.Report report = run(dir);
        ScenarioRunner.Result local = report.results().stream().filter(r -> r.scenario().name().equals("Local")).findFirst()
                .orElseThrow();
        assertEquals(List.of("the file says model: recalibrated, but the rules hold no recalibration to a centre's"
                + " patients (recalibration.drl.csv, written by calibrate --write-rules)"), local.failures());
    }

    @Test
    void anUnknownModel_isAProblemOfTheFile(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("tests"));
        Files.writeString(dir.resolve("tests/x.yaml"), "model: local\nscenarios: []\n");
        ScenarioFiles.Read read = ScenarioFiles.read(dir);
        assertEquals(1, read.problems().size());
        assertTrue(read.problems().get(0).render().startsWith("tests/x.yaml:1: model is 'local': write published"),
                read.problems().get(0).render());
    }
}
