package org.refracturecds.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.refracturecds.RuleFolders;

/** Every decision table is read and fires; broken rule folders are refused with file and line. */
class RuleSetTest {

    @Test
    void everyKnowledgeTable_insertsItsRows() throws RuleSetException {
        RuleSet rules = RuleSet.load(Path.of("rules"));
        Map<String, Long> counts = rules.knowledge().stream()
                .collect(Collectors.groupingBy(o -> o.getClass().getSimpleName(), TreeMap::new, Collectors.counting()));
        assertEquals(Map.ofEntries(Map.entry("Alternative", 3L), Map.entry("AlternativeChange", 5L),
                Map.entry("Applicability", 7L), Map.entry("Band", 3L), Map.entry("BodySite", 51L),
                Map.entry("Calibration", 1L), Map.entry("Coding", 9L), Map.entry("Coefficient", 4L),
                Map.entry("Covariance", 1L), Map.entry("CovarianceRow", 5L), Map.entry("ExcludedCondition", 134L),
                Map.entry("PhysicalLimit", 3L), Map.entry("ScenarioValue", 4L), Map.entry("Statement", 19L),
                Map.entry("Wording", 11L)), counts);
    }

    @Test
    void alternativesInWords_carryNoSource_theirSourceColumnDoes() throws RuleSetException {
        RuleSet rules = RuleSet.load(Path.of("rules"));
        assertEquals(3, rules.alternatives().size());
        rules.alternatives().forEach(a -> {
            assertTrue(!a.getLabel().contains("MODEL.md") && !a.getLabel().contains("docs/"), a.getLabel());
            assertTrue(a.getBasis().contains("docs/MODEL.md"), a.getBasis());
        });
    }

    @Test
    void bundledRules_areTheRepositoryRules() throws RuleSetException {
        assertEquals(RuleSet.load(Path.of("rules")).hash(), RuleSet.loadBundled().hash());
    }

    @Test
    void plainCsvTable_isRefusedNotSilentlyIgnored(@TempDir Path dir) throws IOException {
        RuleFolders.copy(dir);
        Files.move(dir.resolve("bands.drl.csv"), dir.resolve("bands.csv"));
        RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.load(dir));
        assertEquals("bands.csv", e.problems().get(0).file());
    }

    @Test
    void drlError_isReportedWithFileAndLine(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "pipeline.drl", "$k    : Calibration()", "$k    : Calibrat()");
        RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.load(dir));
        RuleProblem problem = e.problems().get(0);
        assertEquals("pipeline.drl", problem.file());
        assertTrue(problem.line() > 100, problem.render());
    }

    @Test
    void editedCoefficient_changesTheHash(@TempDir Path dir) throws IOException, RuleSetException {
        RuleFolders.copyWithEdit(dir, "model.drl.csv", "3.3003", "3.2");
        assertTrue(!RuleSet.load(dir).hash().equals(RuleSet.load(Path.of("rules")).hash()));
    }

    @Test
    void tableCellError_isReportedAtItsRowAndColumn_withAHint(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "model.drl.csv", ",3.3003,", ",3.30x3,");
        RuleProblem problem = assertThrows(RuleSetException.class, () -> RuleSet.load(dir)).problems().get(0);
        assertEquals("model.drl.csv row 16, column E (beta = ln(adjusted OR))", problem.where());
        assertTrue(problem.hint().contains("only the number"), problem.render());
    }

    @Test
    void tableCodeError_isReportedOnceAtTheCodeCell(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "guidance.drl.csv", "g.setStrength(", "g.setStrenth(");
        RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.load(dir));
        assertEquals(1, e.problems().size(), e.getMessage());
        assertEquals("guidance.drl.csv row 12, column G (Strength of the support)", e.problems().get(0).where());
    }

    @Test
    void unbalancedQuoteInATable_isReportedAtItsCell(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "guidance.drl.csv", "post-operative,,,high,G-FOLLOW-UP", "post-operative,,,\"high\"\",G-FOLLOW-UP");
        RuleProblem problem = assertThrows(RuleSetException.class, () -> RuleSet.load(dir)).problems().get(0);
        assertEquals("guidance.drl.csv row 20, column K", problem.where());
        assertTrue(problem.hint().contains("unbalanced quote"), problem.render());
    }

    @ParameterizedTest(name = "bands.drl.{0}")
    @ValueSource(strings = {"csv", "xlsx"})
    void rowWithoutSource_isRefusedAtItsSourceCell(String format, @TempDir Path dir) throws Exception {
        // given the Low band's row with its Source emptied, in the CSV file or saved from Excel
        RuleFolders.copyWithEdit(dir, "bands.drl.csv", "under 5%,\"Project default (docs/MODEL.md), the paper defines no bands\"\n",
                "under 5%,\n");
        if (format.equals("xlsx")) {
            Files.write(dir.resolve("bands.drl.xlsx"), Spreadsheets.xlsxOf(dir.resolve("bands.drl.csv")));
            Files.delete(dir.resolve("bands.drl.csv"));
        }

        // when loaded, then refused there, with the only problem
        RuleProblem problem = onlyProblem(dir);
        assertEquals("bands.drl." + format + " row 13, column F (Source)", problem.where());
        assertTrue(problem.message().startsWith("this row has no Source"), problem.render());
    }

    @Test
    void tableWithoutASourceColumn_isRefusedAtItsColumnNames(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "guidance.drl.csv", "Card order (1 first; the card shows three),Source\n",
                "Card order (1 first; the card shows three),Reference\n");

        RuleProblem problem = onlyProblem(dir);

        assertEquals("guidance.drl.csv row 13", problem.where());
        assertTrue(problem.message().startsWith("the Guidance table has no Source column"), problem.render());
    }

    @Test
    void intervalLevelThatDisagreesWithZ_isRefused(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "model.drl.csv", ",1303,1.96,0.95,", ",1303,1.96,0.90,");
        RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.load(dir));
        assertTrue(e.getMessage().contains("z 1.96 gives a 95% interval but the Level says 0.9"), e.getMessage());
        assertEquals("model.drl.csv row 41", e.problems().get(0).where());
    }

    @Test
    void excelTable_isReadLikeItsCsv_andItsErrorsHaveRowAndColumn(@TempDir Path dir) throws Exception {
        RuleFolders.copy(dir);
        Files.write(dir.resolve("bands.drl.xlsx"), Spreadsheets.xlsxOf(dir.resolve("bands.drl.csv")));
        Files.delete(dir.resolve("bands.drl.csv"));
        assertEquals(3, RuleSet.load(dir).bands().size());

        Path broken = Files.createDirectory(dir.resolve("broken"));
        RuleFolders.copyWithEdit(broken, "bands.drl.csv", "high,0.20,", "high,0.2O,");
        Files.write(broken.resolve("bands.drl.xlsx"), Spreadsheets.xlsxOf(broken.resolve("bands.drl.csv")));
        Files.delete(broken.resolve("bands.drl.csv"));
        RuleProblem problem = assertThrows(RuleSetException.class, () -> RuleSet.load(broken)).problems().get(0);
        assertEquals("bands.drl.xlsx row 15, column B (Lower bound (probability))", problem.where());
    }

    /** A copy of rules/ whose Covariance table is the fixture {@code src/test/resources/covariance/NAME}. */
    private static Path withCovariance(Path dir, String fixture) throws IOException {
        RuleFolders.copy(dir);
        Path model = dir.resolve("model.drl.csv");
        String text = Files.readString(model);
        int from = text.indexOf("RuleTable Covariance");
        int to = text.indexOf("RuleTable Sensitivity");
        Files.writeString(model, text.substring(0, from) + Files.readString(Path.of("src/test/resources/covariance", fixture))
                + "\n" + text.substring(to));
        return dir;
    }

    private static RuleProblem onlyProblem(Path dir) {
        RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.load(dir));
        assertEquals(1, e.problems().size(), e.getMessage());
        RuleProblem problem = e.problems().get(0);
        assertTrue(problem.hint() != null && !problem.hint().isBlank(), "a hint: " + problem.render());
        return problem;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            missing-row.csv           | model.drl.csv row 48 | the Covariance table has no row EPD: it must be square
            empty-cell.csv            | model.drl.csv row 51 | row NPEC of the Covariance table has no value in column EPD
            foreign-term.csv          | model.drl.csv row 53 | has a row AGE, which is not a term of the model
            not-symmetric.csv         | model.drl.csv row 50 | row EPD, column IVC is 0.0373 but row IVC, column EPD is 0.03731
            zero-variance.csv         | model.drl.csv row 51 | the variance of NPEC (row NPEC, column NPEC) is 0: a variance must be above 0
            not-positive-definite.csv | model.drl.csv row 50 | not positive definite, from row EPD on
            variance-not-se-squared.csv | model.drl.csv row 49 | the variance of IVC (row IVC, column IVC) is 1.1827 but IVC's SE in the Coefficients table, 1.1827, squared is 1.3988: the two tables disagree
            """)
    void brokenCovarianceTable_isRefusedAtItsRow_withAHint(String fixture, String where, String says, @TempDir Path dir)
            throws IOException {
        RuleProblem problem = onlyProblem(withCovariance(dir, fixture));
        assertEquals(where, problem.where());
        assertTrue(problem.message().contains(says), problem.render());
    }

    @Test
    void aStandardErrorChangedInTheCoefficientsTableAlone_isRefusedAtItsCovarianceRow(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "model.drl.csv", ",1.1725,0.5637,", ",1.1725,0.61,");
        RuleProblem problem = onlyProblem(dir);
        assertEquals("model.drl.csv row 50", problem.where());
        assertTrue(problem.message().contains("the variance of EPD (row EPD, column EPD) is 0.31776 but EPD's SE in the"
                + " Coefficients table, 0.61, squared is 0.3721"), problem.render());
        assertTrue(problem.hint().contains("its SE of beta squared"), problem.render());
    }

    @Test
    void aVarianceWithinRoundingOfTheSeSquared_isAccepted(@TempDir Path dir) throws IOException, RuleSetException {
        RuleFolders.copyWithEdit(dir, "model.drl.csv", "IVC,-0.15963,1.39878,", "IVC,-0.15963,1.3988,");
        assertEquals(1, RuleSet.load(dir).alternatives().stream().filter(a -> a.getId().equals("npec-order")).count());
    }

    @Test
    void aCardIndicatorThatCdsHooksDoesNotHave_isRefusedAtItsBand(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "bands.drl.csv", "high,0.20,critical,", "high,0.20,urgent,");
        RuleProblem problem = onlyProblem(dir);
        assertEquals("bands.drl.csv row 15", problem.where());
        assertTrue(problem.message().contains("the band high has the Card indicator 'urgent', not one of info, warning,"
                + " critical"), problem.render());
    }

    @Test
    void noFavourableScenario_isRefusedAtTheScenariosTable(@TempDir Path dir) throws IOException {
        RuleFolders.copy(dir);
        RuleFolders.edit(dir, "scenarios.drl.csv", ",,yes,\"Project", ",,,\"Project");
        RuleFolders.edit(dir, "scenarios.drl.csv", ",5,yes,\"Project", ",5,,\"Project");
        RuleProblem problem = onlyProblem(dir);
        assertEquals("scenarios.drl.csv row 14", problem.where());
        assertTrue(problem.message().contains("no technique scenario is marked favourable"), problem.render());
    }

    @Test
    void twoFavourableScenarios_areRefusedAtTheSecond(@TempDir Path dir) throws IOException {
        RuleFolders.copy(dir);
        RuleFolders.edit(dir, "scenarios.drl.csv", "upper-and-lower,,,\"Project", "upper-and-lower,,yes,\"Project");
        RuleFolders.edit(dir, "scenarios.drl.csv", ",15,,Project", ",15,yes,Project");
        RuleProblem problem = onlyProblem(dir);
        assertEquals("scenarios.drl.csv row 16", problem.where());
        assertTrue(problem.message().contains("more than one technique scenario is marked favourable (favourable, unfavourable)"),
                problem.render());
    }

    @Test
    void favourableScenarioMarkedOnOneRowOnly_isRefusedAtTheOther(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "scenarios.drl.csv", ",5,yes,\"Project", ",5,,\"Project");
        RuleProblem problem = onlyProblem(dir);
        assertEquals("scenarios.drl.csv row 15", problem.where());
        assertTrue(problem.message().contains("this row of the favourable scenario favourable is not marked favourable"),
                problem.render());
    }

    @Test
    void alternativeCodingOfAValueTheModelDoesNotCode_isRefusedAtItsRow(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "model.drl.csv", "coding,NPEC,lower,3,", "coding,NPEC,sideways,3,");
        RuleProblem problem = onlyProblem(dir);
        assertEquals("model.drl.csv row 61", problem.where());
        assertTrue(problem.message().contains("'sideways' is not a value the Codings table gives NPEC"), problem.render());
    }

    @Test
    void wordingRowTheCardsNeed_cannotBeRemoved(@TempDir Path dir) throws IOException {
        RuleFolders.copyWithEdit(dir, "statements.drl.csv", "W-OUTCOME,", "W-OUTCOME-OLD,");
        RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.load(dir));
        assertTrue(e.getMessage().contains("the Wording table has no row W-OUTCOME: the cards need it"), e.getMessage());
    }
}
