package org.refracturecds.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.engine.RuleSetException;

/** Cohort files as a centre saves them, good and broken: every problem named by its code, row and column. */
class CohortsTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-05-01T09:00:00Z"), ZoneOffset.UTC);
    private static final String HEADER = "patient,level,ivc,epd,npec,rr,refracture\n";
    private static RuleSet rules;

    @BeforeAll
    static void load() throws RuleSetException {
        rules = RuleSet.loadBundled();
    }

    private static Cohort read(String text) throws CohortException {
        return Cohorts.read("cohort.csv", text.getBytes(StandardCharsets.UTF_8), rules, CLOCK);
    }

    /** The one problem a broken cohort gives. */
    private static CohortProblem problem(String text) {
        List<CohortProblem> problems = assertThrows(CohortException.class, () -> read(text)).problems();
        assertEquals(1, problems.size(), problems.toString());
        return problems.get(0);
    }

    @Test
    void aSpreadsheetsCsv_isReadRowByRow() throws CohortException {
        Cohort cohort = read("\uFEFFPatient,Level,IVC,EPD,NPEC,RR,Refracture,months,age\n"
                + "P1,T12,1,0,upper-and-lower,12.5,1,9\n"
                + "P1,L1,0,0,None,-2,0,24\n"
                + "P2,Th11,0,1,lower,\"3\",0,\n");
        assertEquals(3, cohort.vertebrae());
        assertEquals(2, cohort.patients());
        assertEquals(1, cohort.events());
        assertEquals("T11", cohort.rows().get(2).level());
        assertEquals("none", cohort.rows().get(1).terms().get("NPEC"));
        assertEquals(9.0, cohort.rows().get(0).months());
        assertEquals(List.of("Columns not read (the model does not use them): age."), cohort.notes());
    }

    @Test
    void semicolons_asSomeSpreadsheetsSaveThem_areReadToo() throws CohortException {
        assertEquals(1, read("patient;level;ivc;epd;npec;rr;refracture\nP1;T12;1;0;none;5;0\n").vertebrae());
    }

    @Test
    void aMissingColumn_isNamed() {
        CohortProblem p = problem("patient,level,ivc,epd,npec,refracture\nP1,T12,1,0,none,0\n");
        assertEquals("PVP-C202", p.code());
        assertEquals("cohort.csv row 1", p.where());
        assertTrue(p.message().startsWith("has no column 'rr': the header row must name patient, level, ivc, epd, npec,"
                + " rr, refracture"), p.message());
    }

    @Test
    void anUnknownNpecValue_isRefusedAtItsRowAndColumn() {
        CohortProblem p = problem(HEADER + "P1,T12,1,0,none,5,0\nP2,T12,1,0,both,5,0\n");
        assertEquals("PVP-C206", p.code());
        assertEquals("cohort.csv row 3, column E (npec)", p.where());
        assertTrue(p.message().startsWith("is 'both': write which endplates the cement does NOT touch"), p.message());
    }

    @Test
    void aNonNumericRr_isRefusedAtItsRowAndColumn() {
        CohortProblem p = problem(HEADER + "P1,T12,1,0,none,12%,0\n");
        assertEquals("PVP-C207", p.code());
        assertEquals("cohort.csv row 2, column F (rr)", p.where());
        assertTrue(p.message().contains("is '12%', not a number"), p.message());
    }

    @Test
    void aControlCharacterInACell_isRefusedAndShown() {
        CohortProblem p = problem(HEADER + "P1,T12,1,0,none,12\u0000,0\n");
        assertEquals("PVP-C207", p.code());
        assertTrue(p.message().startsWith("is '12U+0000', not a number"), p.message());
        // Java counts U+001F as white space: still not dropped
        assertTrue(problem(HEADER + "P1,T12,1,0,none,12\u001F,0\n").message().startsWith("is '12U+001F', not a number"));
    }

    @Test
    void aDecimalComma_isNotANumber() {
        assertEquals("PVP-C207", problem("patient;level;ivc;epd;npec;rr;refracture\nP1;T12;1;0;none;12,5;0\n").code());
    }

    @Test
    void theSameVertebraTwice_namesBothRows() {
        CohortProblem p = problem(HEADER + "P1,T12,1,0,none,5,0\nP2,T12,1,0,none,5,0\nP1,T12,0,0,none,3,1\n");
        assertEquals("PVP-C210", p.code());
        assertEquals("cohort.csv row 4", p.where());
        assertTrue(p.message().startsWith("patient P1 at T12 is also row 2"), p.message());
    }

    @Test
    void anRrNoVertebraCanHave_isOutOfRange() {
        CohortProblem p = problem(HEADER + "P1,T12,1,0,none,150,0\n");
        assertEquals("PVP-C208", p.code());
        assertEquals("cohort.csv row 2, column F (rr)", p.where());
        assertTrue(p.message().contains("outside -100 to 100 percentage points"), p.message());
    }

    @Test
    void aRefractureAfterTheHorizon_isOutOfRange() {
        CohortProblem p = problem("patient,level,ivc,epd,npec,rr,refracture,months\nP1,T12,1,0,none,5,1,30\n");
        assertEquals("PVP-C208", p.code());
        assertEquals("cohort.csv row 2, column H (months)", p.where());
        assertTrue(p.message().contains("within 24 months"), p.message());
    }

    @Test
    void negativeMonths_areOutOfRange() {
        assertEquals("PVP-C208", problem("patient,level,ivc,epd,npec,rr,refracture,months\nP1,T12,1,0,none,5,0,-1\n").code());
    }

    @Test
    void yesInsteadOfOne_isRefused() {
        CohortProblem p = problem(HEADER + "P1,T12,yes,0,none,5,0\n");
        assertEquals("PVP-C205", p.code());
        assertEquals("cohort.csv row 2, column C (ivc)", p.where());
        assertEquals("is 'yes': write 1 (present) or 0 (absent)", p.message());
    }

    @Test
    void anEmptyCell_isNamed() {
        CohortProblem p = problem(HEADER + "P1,T12,1,0,none,5,\n");
        assertEquals("PVP-C204", p.code());
        assertEquals("cohort.csv row 2, column G (refracture)", p.where());
    }

    @Test
    void aLevelThePaperDidNotStudy_isRefused() {
        CohortProblem p = problem(HEADER + "P1,C5,1,0,none,5,0\n");
        assertEquals("PVP-C209", p.code());
        assertEquals("cohort.csv row 2, column B (level)", p.where());
    }

    @Test
    void aRowWithTooFewCells_isNamed() {
        CohortProblem p = problem(HEADER + "P1,T12,1,0,none,5\n");
        assertEquals("PVP-C203", p.code());
        assertEquals("cohort.csv row 2", p.where());
    }

    @Test
    void anUnbalancedQuote_isNamed_withoutTheParsersWords() {
        CohortProblem p = problem(HEADER + "P1,T12,1,0,\"none,5,0\n");
        assertEquals("PVP-C203", p.code());
        assertEquals("cannot be read as CSV: a quoted cell is not closed; look for an unbalanced quote (\") in that row;"
                + " save the spreadsheet as CSV", p.message());
    }

    @Test
    void emptyRowsBelowTheData_areSkippedAndNamed() throws CohortException {
        Cohort cohort = read(HEADER + "P1,T12,1,0,none,5,0\n,,,,,,\n , ,,,,,\n");
        assertEquals(1, cohort.rows().size());
        assertEquals(List.of("2 rows are empty and not read: rows 3, 4."), cohort.notes());
    }

    @Test
    void everyProblem_isListed_inRowOrder() {
        List<CohortProblem> problems = assertThrows(CohortException.class, () -> read(HEADER
                + "P1,T12,1,0,both,5,0\nP2,T12,1,0,none,x,0\nP3,T13,1,0,none,5,0\n")).problems();
        assertEquals(List.of("PVP-C206", "PVP-C207", "PVP-C209"), problems.stream().map(CohortProblem::code).toList());
        assertEquals(List.of("cohort.csv row 2, column E (npec)", "cohort.csv row 3, column F (rr)",
                "cohort.csv row 4, column B (level)"), problems.stream().map(CohortProblem::where).toList());
    }

    @Test
    void anEmptyFile_andBytesThatAreNotUtf8_areRefused() {
        assertEquals("PVP-C201", problem("").code());
        List<CohortProblem> latin1 = assertThrows(CohortException.class, () -> Cohorts.read("cohort.csv",
                (HEADER + "M\u00fcller,T12,1,0,none,5,0\n").getBytes(StandardCharsets.ISO_8859_1), rules, CLOCK)).problems();
        assertEquals("PVP-C201", latin1.get(0).code());
        assertEquals("cohort.csv row 2", latin1.get(0).where());
        assertTrue(latin1.get(0).message().contains("byte 0xFC is not UTF-8"), latin1.get(0).message());
    }

    @Test
    void tooFewRefractures_areRefused_sayingHowManyAreNeededAndWhy() throws CohortException {
        Cohort cohort = read(SyntheticCohort.csv(SyntheticCohort.generate(60, -1.5, 1, 3)));
        CohortException e = assertThrows(CohortException.class,
                () -> new Calibrator(rules).calibrate(cohort, "test", LocalDate.of(2026, 5, 1)));
        CohortProblem p = e.problems().get(0);
        assertEquals("PVP-C220", p.code());
        assertTrue(p.message().matches("has \\d refractures? and \\d+ treated vertebrae without: at least 10 of each are"
                + " needed to fit even the intercept a .*Peduzzi.*about 100 of each for the slope b too \\(docs/MODEL.md,"
                + " Local recalibration\\).*"), p.message());
    }

    @Test
    void aFhirCohort_isReadThroughTheSameMapping() throws CohortException {
        List<SyntheticCohort.Row> rows = SyntheticCohort.generate(40, 0.5, 0.9, 7);
        Cohort cohort = Cohorts.read("cohort.ndjson", SyntheticCohort.ndjson(rows).getBytes(StandardCharsets.UTF_8), rules,
                CLOCK);
        assertEquals("FHIR", cohort.format());
        assertEquals(40, cohort.vertebrae());
        assertEquals(rows.stream().filter(SyntheticCohort.Row::refracture).count(), cohort.events());
        assertTrue(cohort.rows().get(0).facts().findings().stream().noneMatch(f -> f.getCode().equals("refracture-cemented-vertebra")));
    }

    @Test
    void aFhirVertebraWithoutItsRr_isRefused_namingWhatIsMissing() {
        List<SyntheticCohort.Row> rows = SyntheticCohort.generate(30, 0.5, 0.9, 8);
        String ndjson = SyntheticCohort.ndjson(rows).lines().filter(l -> !l.contains("\"id\":\"syn-00002-")
                || !l.contains("-rr\"")).reduce("", (a, b) -> a + b + "\n");
        String csv = SyntheticCohort.csv(rows);
        assertTrue(csv.contains("SYN-00002"));
        CohortException e = assertThrows(CohortException.class, () -> new Calibrator(rules).calibrate(
                Cohorts.read("cohort.ndjson", ndjson.getBytes(StandardCharsets.UTF_8), rules, CLOCK), "test",
                LocalDate.of(2026, 5, 1)));
        CohortProblem p = e.problems().get(0);
        assertEquals("PVP-C211", p.code(), e.problems().toString());
        assertTrue(p.where().startsWith("cohort.ndjson Patient/SYN-00002 "), p.where());
        assertTrue(p.message().startsWith("has no reduction rate"), p.message());
    }

    @Test
    void aFhirRefractureObservationThatCannotBeUsed_isRefused() {
        String ndjson = SyntheticCohort.ndjson(SyntheticCohort.generate(20, 0.5, 0.9, 9))
                .replaceFirst("(-refracture\",[^\\n]*)\"valueBoolean\":(true|false)", "$1\"valueString\":\"yes\"");
        CohortProblem p = assertThrows(CohortException.class, () -> Cohorts.read("cohort.ndjson",
                ndjson.getBytes(StandardCharsets.UTF_8), rules, CLOCK)).problems().get(0);
        assertEquals("PVP-C212", p.code());
        assertTrue(p.message().startsWith("the refracture Observation cannot be used: [PVP-E103]"), p.message());
    }

    @Test
    void fhirWithoutAnyRefractureObservation_isRefused() {
        String ndjson = SyntheticCohort.ndjson(SyntheticCohort.generate(20, 0.5, 0.9, 10)).lines()
                .filter(l -> !l.contains("refracture-cemented-vertebra")).reduce("", (a, b) -> a + b + "\n");
        CohortProblem p = assertThrows(CohortException.class, () -> Cohorts.read("cohort.ndjson",
                ndjson.getBytes(StandardCharsets.UTF_8), rules, CLOCK)).problems().get(0);
        assertEquals("PVP-C212", p.code());
        assertTrue(p.message().startsWith("holds no Observation with the code refracture-cemented-vertebra"), p.message());
    }
}
