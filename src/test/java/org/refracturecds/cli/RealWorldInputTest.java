package org.refracturecds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Input as real systems send it (issue "Never silently wrong"): every finding is used, or left
 * out and named with what that changes, or the input is refused with the field that is wrong.
 * Each case starts from the example patient with a cleft whose cement touches neither endplate
 * (examples/cleft-no-endplate-contact.json) and changes one thing.
 */
class RealWorldInputTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode example() throws IOException {
        return (ObjectNode) JSON.readTree(Files.readString(Path.of("examples/cleft-no-endplate-contact.json")));
    }

    private static ObjectNode resource(ObjectNode bundle, String id) {
        for (JsonNode entry : bundle.path("entry")) {
            if (entry.path("resource").path("id").asText().equals(id)) {
                return (ObjectNode) entry.path("resource");
            }
        }
        throw new AssertionError("no resource " + id);
    }

    private static CliRun explain(ObjectNode bundle) throws IOException {
        return CliRun.withStdin(JSON.writeValueAsString(bundle), "assess", "-", "--explain");
    }

    private static ObjectNode rr(ObjectNode bundle, String value, String unit) {
        ObjectNode quantity = (ObjectNode) resource(bundle, "cleft-rr").path("valueQuantity");
        quantity.set("value", JSON.getNodeFactory().numberNode(new java.math.BigDecimal(value)));
        quantity.put("unit", unit).put("code", unit);
        return bundle;
    }

    // ------------------------------------------------------------------ values

    @Test
    void negativeReductionRate_isEstimatedAtZero_notAsProtection() throws IOException {
        CliRun run = explain(rr(example(), "-50", "%"));

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("reduction-rate = -50%"), run.out());
        assertTrue(run.out().contains("RR: reduction rate -50% (estimated at 0%)"), run.out());
        String estimate = run.out().lines().filter(line -> line.contains("band ")).findFirst().orElseThrow();
        assertEquals(explain(rr(example(), "0", "%")).out().lines().filter(line -> line.contains("band ")).findFirst()
                .orElseThrow(), estimate, "the same estimate as at RR 0");
        assertTrue(run.out().contains("[PVP-A101] T11: RR -50% (Observation/cleft-rr) is outside the reduction rates of the study"), run.out());
        assertTrue(run.out().contains("[PVP-A102] T11: RR -50% is below 0: it means the vertebra lost height during PVP"), run.out());
    }

    @Test
    void aPvpOnRecord_makesTheVertebraItTreatedAfterPvp_withoutItsPostOpFindings_andOneNotDoneIsLeftOut() throws IOException {
        // given pre-operative findings of T12 alone, and a PVP of T12 on record, and another not done
        ObjectNode bundle = (ObjectNode) JSON.readTree(Files.readString(Path.of("examples/pre-op-only.json")));
        String before = explain(bundle).out();
        bundle.withArray("entry").add(JSON.readTree(pvp("preop-pvp", "completed")));
        bundle.withArray("entry").add(JSON.readTree(pvp("preop-cancelled", "not-done")));

        // when it is assessed
        CliRun run = explain(bundle);

        // then T12 is after PVP, said why, its estimate no longer the favourable technique's
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("[PVP-I111] T12: taken as after PVP: a PVP on record (Procedure/preop-pvp (2025-03-05))"
                + " treated it, but no post-operative finding of it was used"), run.out());
        assertTrue(run.out().contains("[PVP-I102] Procedure/preop-cancelled: left out: a PVP whose status is not-done"),
                run.out());
        assertTrue(before.contains("before PVP") && !before.contains("PVP-I111"), before);
        assertFalse(run.out().contains("before PVP"), run.out());
    }

    /** A PVP of T12 of Patient/preop, as an entry of a Bundle. */
    private static String pvp(String id, String status) {
        return pvp(id, status, "Patient/preop", "{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"280849005\"}]}");
    }

    /** A PVP of {@code subject}, its bodySite {@code site} (a CodeableConcept's JSON), as an entry of a Bundle. */
    private static String pvp(String id, String status, String subject, String site) {
        return "{\"fullUrl\":\"http://ehr.example.org/fhir/Procedure/" + id + "\",\"resource\":{\"resourceType\":"
                + "\"Procedure\",\"id\":\"" + id + "\",\"status\":\"" + status + "\",\"code\":{\"coding\":[{\"system\":"
                + "\"http://snomed.info/sct\",\"code\":\"392010000\"}]},\"subject\":{\"reference\":\"" + subject + "\"},"
                + "\"performedDateTime\":\"2025-03-05\",\"bodySite\":[" + site + "]}}";
    }

    @Test
    void aPvpWhoseVertebraCannotBeTold_makesEachVertebraAfterPvp_andIsNamed_andOneOfAnotherLevelOrPatientIsSaid()
            throws IOException {
        // given pre-operative findings of T12, a PVP whose bodySite names the lumbar spine, one planned, one of L1
        // (no finding of it), and one of a patient with no finding here
        ObjectNode bundle = (ObjectNode) JSON.readTree(Files.readString(Path.of("examples/pre-op-only.json")));
        bundle.withArray("entry").add(JSON.readTree(pvp("lumbar", "completed", "Patient/preop", "{\"text\":\"lumbar spine\"}")));
        bundle.withArray("entry").add(JSON.readTree(pvp("planned", "preparation")));
        bundle.withArray("entry").add(JSON.readTree(pvp("of-l1", "completed", "Patient/preop",
                "{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"61032001\"}]}")));
        bundle.withArray("entry").add(JSON.readTree(pvp("other", "completed", "Patient/P1",
                "{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"280849005\"}]}")));

        // when it is assessed
        CliRun run = explain(bundle);

        // then T12 is taken as after PVP, as the PVP of the lumbar spine may have treated it, and each PVP is named
        assertEquals(0, run.exit(), run.err());
        String out = run.out();
        assertTrue(out.contains("[PVP-W122] Procedure/lumbar (2025-03-05): does not say which vertebra it treated (its"
                + " bodySite text 'lumbar spine' names no vertebra this module knows)"), out);
        assertTrue(out.contains("[PVP-I111] T12: taken as after PVP: a PVP on record (Procedure/lumbar (2025-03-05)) may"
                + " have treated it (PVP-W122)"), out);
        assertTrue(out.contains("[PVP-I102] Procedure/planned: left out: a PVP whose status is preparation"), out);
        assertTrue(out.contains("[PVP-W123] Procedure/of-l1 (2025-03-05): treated L1, of which no finding is here"), out);
        assertTrue(run.err().contains("[PVP-I103] Procedure/other: left out: a PVP of a patient with no finding here"),
                run.err());
        assertFalse(out.contains("before PVP"), out);
    }

    @Test
    void aPvpDatedInTheFuture_isTakenAsDone_andTheDateIsNamed() throws IOException {
        // given pre-operative findings of T12 and a completed PVP of T12 dated years ahead
        ObjectNode bundle = (ObjectNode) JSON.readTree(Files.readString(Path.of("examples/pre-op-only.json")));
        ObjectNode ahead = (ObjectNode) JSON.readTree(pvp("ahead", "completed", "Patient/preop",
                "{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"280849005\"}]}"));
        ((ObjectNode) ahead.path("resource")).put("performedDateTime", "2099-01-01");
        bundle.withArray("entry").add(ahead);

        // when it is assessed
        CliRun run = explain(bundle);

        // then T12 is after PVP (the conservative reading of a completed PVP) and the date is named
        assertEquals(0, run.exit(), run.err());
        String out = run.out();
        assertTrue(out.contains("[PVP-W124] Procedure/ahead: is dated 2099-01-01, more than a day in the future, yet its"
                + " status is completed: it is taken as done"), out);
        assertTrue(out.contains("[PVP-I111] T12: taken as after PVP"), out);
        assertFalse(out.contains("before PVP"), out);
    }

    @Test
    void aUnitTextThatDisagreesWithItsCode_isSaid_theCodeIsRead() throws IOException {
        ObjectNode bundle = rr(example(), "12.5", "%");
        ((ObjectNode) resource(bundle, "cleft-rr").path("valueQuantity")).put("unit", "mm");

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("reduction-rate = 12.5%"), run.out());
        assertTrue(run.out().contains("[PVP-W114] Observation/cleft-rr valueQuantity.unit: is 'mm', but its code is '%'"),
                run.out());
        // a display that is the code's unit, or words for it, says nothing
        assertFalse(explain(rr(example(), "12.5", "%")).out().contains("PVP-W114"));
        ObjectNode inWords = rr(example(), "12.5", "%");
        ((ObjectNode) resource(inWords, "cleft-rr").path("valueQuantity")).put("unit", "percent");
        assertFalse(explain(inWords).out().contains("PVP-W114"));
    }

    @Test
    void reductionRateOfOneHundred_isUsedAndFlaggedOutsideTheStudy() throws IOException {
        CliRun run = explain(rr(example(), "100", "%"));

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("[PVP-A101] T11: RR 100%"), run.out());
    }

    @ParameterizedTest(name = "RR {0} {1} is left out: {2}")
    @CsvSource(delimiter = '|', value = {
        "500   | %  | [PVP-E116] valueQuantity.value: is 500 %, outside -100 to 100 %",
        "1e6   | %  | [PVP-E116] valueQuantity.value: is 1000000 %, outside -100 to 100 %",
        "-150  | %  | [PVP-E116] valueQuantity.value: is -150 %, outside -100 to 100 %",
        "5     | 1  | [PVP-E116] valueQuantity.value: is 5 1 (500 %), outside -100 to 100 %",
    })
    void impossibleReductionRate_isLeftOutNamedAndCountsAsNotReported(String value, String unit, String reason)
            throws IOException {
        CliRun run = explain(rr(example(), value.strip(), unit.strip()));

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("[PVP-W110] Observation/cleft-rr: reduction rate (RR) not used: " + reason.strip()),
                run.out());
        assertTrue(run.out().contains("It counts as not reported"), run.out());
        assertFalse(run.out().contains("reduction-rate = "), "RR is not among the inputs used: " + run.out());
        assertTrue(run.out().contains("scenario: reduction rate 5%"), "RR by technique scenario: " + run.out());
    }

    @Test
    void decimalOfNoMeasurement_isRefusedNotRoundedToZero() throws IOException {
        CliRun run = explain(rr(example(), "1e-400", "%"));

        assertEquals(2, run.exit());
        assertTrue(run.err().startsWith("error [PVP-E010] Bundle.entry[4].resource (Observation/cleft-rr).valueQuantity.value:"
                + " is a decimal with more than 30 digits"), run.err());
    }

    @Test
    void effectiveDateInTheFarFuture_isLeftOutAndNamed() throws IOException {
        ObjectNode bundle = example();
        resource(bundle, "cleft-ivc").put("effectiveDateTime", "9999-12-31");

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("[PVP-W110] Observation/cleft-ivc: intravertebral cleft (IVC) not used: [PVP-E114]"
                + " effective[x]: is 9999-12-31, more than a day in the future"), run.out());
        assertTrue(run.out().contains("[PVP-W301] T11: intravertebral cleft was not reported"), run.out());
    }

    @Test
    void postOperativeFindingsLeftOut_keepTheVertebraPostOperative() throws IOException {
        ObjectNode bundle = rr(example(), "500", "%");
        resource(bundle, "cleft-npec").put("effectiveDateTime", "9999-12-31");

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("Prediction for T11 (post-operative)"), run.out());
        assertTrue(run.out().contains("T11 (post-operative): High"), "after PVP the highest band: " + run.out());
        assertFalse(run.out().contains("is not known yet"), "they were measured, not unknown: " + run.out());
    }

    // ------------------------------------------------------------------ references

    @Test
    void subjectAsAbsoluteUrlOfTheBundlesServer_isTheSamePatient() throws IOException {
        ObjectNode bundle = example();
        resource(bundle, "cleft-rr").putObject("subject").put("reference", "http://ehr.example.org/fhir/Patient/cleft");

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertEquals(1, run.out().lines().filter(l -> l.startsWith("=== ")).count(), "one patient: " + run.out());
        assertTrue(run.out().contains("reduction-rate = 12.5%"), run.out());
    }

    @Test
    void versionedSubject_isTheSamePatient() throws IOException {
        ObjectNode bundle = example();
        resource(bundle, "cleft-rr").putObject("subject").put("reference", "Patient/cleft/_history/3");

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertEquals(1, run.out().lines().filter(l -> l.startsWith("=== ")).count(), "one patient: " + run.out());
    }

    @Test
    void subjectOnAnotherServer_isRefusedNamingTheField() throws IOException {
        ObjectNode bundle = example();
        resource(bundle, "cleft-rr").putObject("subject").put("reference", "http://other-hospital.example/fhir/Patient/cleft");

        CliRun run = explain(bundle);

        assertEquals(2, run.exit());
        assertTrue(run.err().startsWith("error [PVP-E110] Observation/cleft-rr subject: is"
                + " http://other-hospital.example/fhir/Patient/cleft, a record on http://other-hospital.example/fhir,"
                + " not on http://ehr.example.org/fhir"), run.err());
    }

    @Test
    void subjectByIdentifierOnly_isRefusedSayingWhatToSend() throws IOException {
        ObjectNode bundle = example();
        resource(bundle, "cleft-rr").putObject("subject").putObject("identifier").put("system", "urn:mrn").put("value", "42");

        CliRun run = explain(bundle);

        assertEquals(2, run.exit());
        assertTrue(run.err().startsWith("error [PVP-E111] Observation/cleft-rr subject: names the patient by identifier"
                + " only (urn:mrn|42): send subject.reference"), run.err());
    }

    // ------------------------------------------------------------------ body sites

    @Test
    void bodySiteAsText_isReadThroughTheVocabulary() throws IOException {
        ObjectNode bundle = example();
        resource(bundle, "cleft-rr").putObject("bodySite").put("text", "T11");

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("T11  reduction-rate = 12.5%"), run.out());
        assertFalse(run.out().contains("PVP-W110"), run.out());
    }

    @Test
    void bodySiteNoRowKnows_isLeftOutWithTheRightMessage() throws IOException {
        ObjectNode bundle = example();
        ObjectNode site = resource(bundle, "cleft-rr").putObject("bodySite");
        site.putArray("coding").addObject().put("system", "http://radlex.org").put("code", "RID7463");

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("[PVP-W110] Observation/cleft-rr: reduction rate (RR) not used: [PVP-E106] bodySite:"
                + " http://radlex.org|RID7463 names no vertebra this module knows"), run.out());
        assertFalse(run.out().contains("is not a vertebra from T4 to L5"), run.out());
    }

    // ------------------------------------------------------------------ shapes

    @Test
    void diagnosticReportWithContainedObservations_isRead() throws IOException {
        ObjectNode bundle = example();
        ObjectNode rr = resource(bundle, "cleft-rr").deepCopy();
        removeEntry(bundle, "cleft-rr");
        rr.put("id", "rr");
        rr.remove("subject");
        rr.remove("effectiveDateTime");
        ObjectNode report = addEntry(bundle, "DiagnosticReport", "report-1");
        report.put("status", "final").put("effectiveDateTime", "2025-03-06");
        report.putObject("code").put("text", "Post-op spine radiograph");
        report.putObject("subject").put("reference", "Patient/cleft");
        report.putArray("contained").add(rr);
        report.putArray("result").addObject().put("reference", "#rr");

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("T11  reduction-rate = 12.5%  (DiagnosticReport/report-1 (contained #rr), 2025-03-06)"),
                run.out());
    }

    @Test
    void diagnosticReportEnteredInError_takesItsResultsWithIt() throws IOException {
        ObjectNode bundle = example();
        ObjectNode report = addEntry(bundle, "DiagnosticReport", "report-1");
        report.put("status", "entered-in-error");
        report.putObject("code").put("text", "Post-op spine radiograph");
        report.putObject("subject").put("reference", "Patient/cleft");
        report.putArray("result").addObject().put("reference", "Observation/cleft-rr");

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("[PVP-I107] Observation/cleft-rr: left out: DiagnosticReport/report-1 is"
                + " entered-in-error, and its results with it"), run.out());
        assertFalse(run.out().contains("reduction-rate = "), run.out());
    }

    @Test
    void panelMembersWithoutSubject_takeThePanelsSubjectAndDate() throws IOException {
        ObjectNode bundle = example();
        ObjectNode ivc = resource(bundle, "cleft-ivc").deepCopy();
        removeEntry(bundle, "cleft-ivc");
        ivc.put("id", "ivc");
        ivc.remove("subject");
        ivc.remove("effectiveDateTime");
        ObjectNode panel = addEntry(bundle, "Observation", "mri-panel");
        panel.put("status", "final").put("effectiveDateTime", "2025-03-01");
        panel.putObject("code").put("text", "Pre-op spine MRI findings");
        panel.putObject("subject").put("reference", "Patient/cleft");
        panel.putArray("contained").add(ivc);
        panel.putArray("hasMember").addObject().put("reference", "#ivc");

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("T11  intravertebral-cleft = present  (Observation/mri-panel (contained #ivc), 2025-03-01)"),
                run.out());
    }

    @Test
    void componentsCodedWithFindingCodes_areRead() throws IOException {
        ObjectNode bundle = example();
        ObjectNode rr = resource(bundle, "cleft-rr");
        ObjectNode npec = resource(bundle, "cleft-npec");
        ObjectNode morphometry = addEntry(bundle, "Observation", "morphometry");
        morphometry.put("status", "final").put("effectiveDateTime", "2025-03-06");
        morphometry.putObject("code").put("text", "Post-op vertebral morphometry");
        morphometry.putObject("subject").put("reference", "Patient/cleft");
        morphometry.set("bodySite", rr.path("bodySite").deepCopy());
        ArrayNode components = morphometry.putArray("component");
        components.addObject().setAll(java.util.Map.of("code", rr.path("code").deepCopy(), "valueQuantity", rr.path("valueQuantity").deepCopy()));
        components.addObject().setAll(java.util.Map.of("code", npec.path("code").deepCopy(), "valueCodeableConcept", npec.path("valueCodeableConcept").deepCopy()));
        removeEntry(bundle, "cleft-rr");
        removeEntry(bundle, "cleft-npec");

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("T11  reduction-rate = 12.5%  (Observation/morphometry (component 1), 2025-03-06)"), run.out());
        assertTrue(run.out().contains("T11  npec-pattern = upper-and-lower  (Observation/morphometry (component 2), 2025-03-06)"), run.out());
    }

    @Test
    void panelListedAfterItsMembers_stillPassesOnItsSubjectAndItsEnteredInError() throws IOException {
        ObjectNode bundle = example();
        resource(bundle, "cleft-rr").remove("subject");
        ObjectNode panel = addEntry(bundle, "Observation", "post-op-panel");
        panel.put("status", "entered-in-error").put("effectiveDateTime", "2025-03-06");
        panel.putObject("code").put("text", "Post-op films");
        panel.putObject("subject").put("reference", "Patient/cleft");
        panel.putArray("hasMember").addObject().put("reference", "Observation/cleft-rr");

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("[PVP-I107] Observation/cleft-rr: left out: Observation/post-op-panel is"
                + " entered-in-error, and its results with it"), run.out());
        assertFalse(run.out().contains("reduction-rate = "), run.out());
    }

    @Test
    void theSameReductionRateAsAFractionAndInPercent_agree() throws IOException {
        ObjectNode bundle = rr(example(), "7", "%");
        ObjectNode fraction = resource(bundle, "cleft-rr").deepCopy().put("id", "cleft-rr-fraction");
        ((ObjectNode) fraction.path("valueQuantity")).put("value", new java.math.BigDecimal("0.07")).put("unit", "1").put("code", "1");
        ((ArrayNode) bundle.path("entry")).addObject().put("fullUrl", "http://ehr.example.org/fhir/Observation/cleft-rr-fraction")
                .set("resource", fraction);

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("reduction-rate = 7%"), run.out());
        assertFalse(run.out().contains("PVP-E107"), run.out());
    }

    @Test
    void reductionRateWithoutAUnit_isLeftOutNotGuessed() throws IOException {
        ObjectNode bundle = example();
        ObjectNode quantity = (ObjectNode) resource(bundle, "cleft-rr").path("valueQuantity");
        quantity.remove("unit");
        quantity.remove("code");
        quantity.remove("system");

        CliRun run = explain(bundle);

        assertTrue(run.out().contains("[PVP-W110] Observation/cleft-rr: reduction rate (RR) not used: [PVP-E104]"
                + " valueQuantity: has no unit"), run.out());
    }

    @Test
    void patientOfATransactionBundle_givesTheAge() throws IOException {
        ObjectNode bundle = example();
        for (JsonNode entry : bundle.path("entry")) {
            ObjectNode resource = (ObjectNode) entry.path("resource");
            if (resource.path("resourceType").asText().equals("Patient")) {
                ((ObjectNode) entry).put("fullUrl", "urn:uuid:8f0a3c2e-4b1d-4c55-9b8e-2d3f1a6b7c90");
                resource.put("birthDate", "1980-01-01");
            } else {
                resource.putObject("subject").put("reference", "urn:uuid:8f0a3c2e-4b1d-4c55-9b8e-2d3f1a6b7c90");
            }
        }

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("[PVP-A104]"), run.out());
    }

    // ------------------------------------------------------------------ what cannot be told

    @Test
    void codingsThatContradictEachOther_leaveTheFindingOut_whateverTheirOrder() throws IOException {
        for (boolean noneFirst : new boolean[] {true, false}) {
            ObjectNode bundle = example();
            ArrayNode npec = (ArrayNode) resource(bundle, "cleft-npec").path("valueCodeableConcept").path("coding");
            ObjectNode none = JSON.createObjectNode().put("system", "https://fhir.refracture-cds.org/CodeSystem/npec-pattern")
                    .put("code", "none");
            npec.insert(noneFirst ? 0 : 1, none);
            ObjectNode ivc = resource(bundle, "cleft-ivc");
            ivc.remove("valueBoolean");
            ArrayNode presence = ivc.putObject("valueCodeableConcept").putArray("coding");
            presence.addObject().put("system", "http://snomed.info/sct").put("code", noneFirst ? "2667000" : "52101004");
            presence.addObject().put("system", "http://snomed.info/sct").put("code", noneFirst ? "52101004" : "2667000");

            CliRun run = explain(bundle);

            assertEquals(0, run.exit(), run.err());
            assertTrue(run.out().contains("[PVP-W110] Observation/cleft-npec: cement-endplate contact (NPEC) not used: [PVP-E118]"
                    + " valueCodeableConcept: codes "), run.out());
            assertTrue(run.out().contains("say the patterns " + (noneFirst ? "none and upper-and-lower" : "upper-and-lower and none")
                    + " at once: the codings of one concept must mean the same"), run.out());
            assertTrue(run.out().contains("[PVP-W110] Observation/cleft-ivc: intravertebral cleft (IVC) not used: [PVP-E118]"
                    + " valueCodeableConcept: codes http://snomed.info/sct|"), run.out());
            assertTrue(run.out().contains("[PVP-W301] T11: intravertebral cleft was not reported"), run.out());
        }
    }

    @Test
    void aBodySiteNamingTwoVertebrae_orACodeNamingTwoFindings_leavesTheFindingOut() throws IOException {
        ObjectNode bundle = example();
        ((ArrayNode) resource(bundle, "cleft-ivc").path("bodySite").path("coding")).addObject()
                .put("system", "http://snomed.info/sct").put("code", "280849005");
        ((ArrayNode) resource(bundle, "cleft-epd").path("code").path("coding")).addObject()
                .put("system", "https://fhir.refracture-cds.org/CodeSystem/pvp-findings").put("code", "intravertebral-cleft");

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("[PVP-W110] Observation/cleft-ivc: intravertebral cleft (IVC) not used: [PVP-E118]"
                + " bodySite: codes http://snomed.info/sct|52120002, http://snomed.info/sct|280849005 say the vertebrae"
                + " T11 and T12 at once"), run.out());
        assertTrue(run.out().contains("Observation/cleft-epd: endplate cortical disruption (EPD) not used: [PVP-E118] code:"
                + " codes "), run.out());
    }

    @Test
    void aModifierExtensionThisModuleDoesNotKnow_leavesTheFindingOut() throws IOException {
        ObjectNode bundle = example();
        resource(bundle, "cleft-ivc").putArray("modifierExtension").addObject()
                .put("url", "http://example.org/refuted").put("valueBoolean", true);

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("[PVP-W110] Observation/cleft-ivc: intravertebral cleft (IVC) not used: [PVP-E119]"
                + " modifierExtension: is http://example.org/refuted, which this module does not know: a modifier"
                + " extension can change what the finding means"), run.out());
        assertTrue(run.out().contains("[PVP-W301] T11: intravertebral cleft was not reported"), run.out());
    }

    @Test
    void aValueBesideADataAbsentReason_isLeftOut() throws IOException {
        ObjectNode bundle = example();
        resource(bundle, "cleft-ivc").putObject("dataAbsentReason").putArray("coding").addObject()
                .put("system", "http://terminology.hl7.org/CodeSystem/data-absent-reason").put("code", "unknown");

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("[PVP-W110] Observation/cleft-ivc: intravertebral cleft (IVC) not used: [PVP-E103]"
                + " dataAbsentReason: is http://terminology.hl7.org/CodeSystem/data-absent-reason|unknown beside a value,"
                + " which FHIR R4 does not allow (obs-6)"), run.out());
    }

    @Test
    void twoFindingsThatDisagree_oneWithoutADate_neitherIsUsed() throws IOException {
        ObjectNode bundle = example();
        ObjectNode undated = resource(bundle, "cleft-ivc").deepCopy().put("id", "cleft-ivc-undated").put("valueBoolean", false);
        undated.remove("effectiveDateTime");
        ((ArrayNode) bundle.path("entry")).addObject().put("fullUrl", "http://ehr.example.org/fhir/Observation/cleft-ivc-undated")
                .set("resource", undated);

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertFalse(run.out().contains("PVP-W101"), "neither is the earlier: " + run.out());
        assertTrue(run.out().contains("Observation/cleft-ivc: intravertebral cleft (IVC) not used: [PVP-E107] says present"
                + " but Observation/cleft-ivc-undated (absent) says otherwise, and which is the later cannot be told"), run.out());
        assertTrue(run.out().contains("[PVP-W301] T11: intravertebral cleft was not reported"), run.out());
    }

    @Test
    void aDateAloneAndATimeOnThatDay_areNotOrdered_butADayBeforeIs() throws IOException {
        // given the IVC present at a time, and absent on the same day with the date alone
        ObjectNode bundle = example();
        ObjectNode timed = resource(bundle, "cleft-ivc").put("effectiveDateTime", "2025-03-06T10:00:00Z");
        ObjectNode dated = timed.deepCopy().put("id", "cleft-ivc-dated").put("valueBoolean", false)
                .put("effectiveDateTime", "2025-03-06");
        ((ArrayNode) bundle.path("entry")).addObject().put("fullUrl", "http://ehr.example.org/fhir/Observation/cleft-ivc-dated")
                .set("resource", dated);

        CliRun sameDay = explain(bundle);

        // then which is the later cannot be told, and neither is used
        assertEquals(0, sameDay.exit(), sameDay.err());
        assertFalse(sameDay.out().contains("PVP-W101"), "neither is the earlier: " + sameDay.out());
        assertTrue(sameDay.out().contains("[PVP-E107] says present but Observation/cleft-ivc-dated (absent) says otherwise,"
                + " and which is the later cannot be told (2025-03-06T10:00:00Z and 2025-03-06: a date alone is not ordered"
                + " against a time within it)"), sameDay.out());

        // when the date alone is the day before, or the day after in the time's own zone
        dated.put("effectiveDateTime", "2025-03-05");
        CliRun dayBefore = explain(bundle);
        timed.put("effectiveDateTime", "2025-03-06T23:30:00-05:00");
        dated.put("effectiveDateTime", "2025-03-07");
        CliRun dayAfter = explain(bundle);

        // when the one is timed to the millisecond as an instant, the other to the second: the same time
        timed.remove("effectiveDateTime");
        timed.put("effectiveInstant", "2025-03-06T10:00:00.000Z");
        dated.put("effectiveDateTime", "2025-03-06T10:00:00Z");
        CliRun sameTime = explain(bundle);
        // when a month alone holds the other's date
        timed.remove("effectiveInstant");
        timed.put("effectiveDateTime", "2025-03");
        dated.put("effectiveDateTime", "2025-03-06");
        CliRun month = explain(bundle);
        assertTrue(sameTime.out().contains("(absent) says otherwise with the same effective time"), sameTime.out());
        assertTrue(month.out().contains("and which is the later cannot be told (2025-03-06 and 2025-03: a year or a month"
                + " alone is not ordered against a month or a date within it)"), month.out());

        // then the later is used, and the earlier named
        assertTrue(dayBefore.out().contains("[PVP-W101] Observation/cleft-ivc: intravertebral-cleft is present here but"
                + " absent in the earlier Observation/cleft-ivc-dated"), dayBefore.out());
        assertTrue(dayAfter.out().contains("[PVP-W101] Observation/cleft-ivc-dated: intravertebral-cleft is absent here but"
                + " present in the earlier Observation/cleft-ivc"), dayAfter.out());
    }

    @Test
    void aRefractureOnRecord_isAfterPvp_andSaidToHaveHappened() throws IOException {
        // given only the outcome at T12: a refracture of the cemented vertebra (a finding of cement in it)
        ObjectNode refracture = (ObjectNode) JSON.readTree(Path.of("fhir-profiles/examples/Observation-refracture.json")
                .toFile());
        refracture.put("effectiveDateTime", "2025-10-02");
        CliRun run = explain(refracture);

        // then T12 is after PVP (not before, under the favourable technique), and the refracture is said
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("T12, after PVP: "), run.out());
        assertTrue(run.out().contains("[PVP-I113] T12: taken as after PVP: its findings are of cement in it"
                + " (refracture-cemented-vertebra, Observation/refracture)"), run.out());
        assertTrue(run.out().contains("[PVP-W126] T12: a refracture of the cemented vertebra is on record"
                + " (Observation/refracture): the outcome the model predicts has happened"), run.out());
    }

    @Test
    void aBirthDateNoLivingPersonHas_isNotUsedForTheAge() throws IOException {
        ObjectNode bundle = example();
        resource(bundle, "cleft").put("birthDate", "1800-01-01");

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("[PVP-W104] Patient/cleft birthDate: is 1800-01-01, an age of "), run.out());
        assertTrue(run.out().contains("years, which no living person has: the age is not used"), run.out());
        assertTrue(run.out().contains("[PVP-A107] patient: The patient's age was not known"), run.out());
    }

    @Test
    void oneObservationSentTwiceWithTwoValues_isNamedAsSentAgain() throws IOException {
        ObjectNode bundle = example();
        ObjectNode again = resource(bundle, "cleft-ivc").deepCopy().put("valueBoolean", false);
        ((ArrayNode) bundle.path("entry")).addObject().set("resource", again);

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("[PVP-E107] says present but the same Observation/cleft-ivc sent again (absent) says"
                + " otherwise with the same effective time"), run.out());
    }

    @Test
    void thePatientSentTwice_onceWithoutItsBirthDate_keepsTheAge() throws IOException {
        ObjectNode bundle = example();
        ObjectNode thinned = resource(bundle, "cleft").deepCopy();
        thinned.remove("birthDate");
        ((ArrayNode) bundle.path("entry")).insertObject(0).set("resource", thinned);

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertFalse(run.out().contains("PVP-A107"), "the age is known: " + run.out());
        assertFalse(run.out().contains("PVP-W104"), run.out());
    }

    @Test
    void thePatientSentTwiceWithTwoBirthDates_usesNeitherAndNamesBoth() throws IOException {
        ObjectNode bundle = example();
        ObjectNode again = resource(bundle, "cleft").deepCopy().put("birthDate", "1990-01-01");
        ((ArrayNode) bundle.path("entry")).addObject().set("resource", again);

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("[PVP-W104] Patient/cleft birthDate: is sent as 1944-05-02 and as 1990-01-01 (the"
                + " Patient more than once): the age is not used"), run.out());
        assertFalse(run.out().contains("PVP-A104"), "no age taken from either: " + run.out());
        assertTrue(run.out().contains("[PVP-A107] patient: The patient's age was not known"), run.out());
    }

    @Test
    void aTimeInADate_orAnIdFhirDoesNotAllow_isRefused() throws IOException {
        ObjectNode bundle = example();
        resource(bundle, "cleft").put("birthDate", "1944-05-02T10:00:00");
        CliRun run = explain(bundle);
        assertEquals(2, run.exit());
        assertTrue(run.err().contains("(Patient/cleft).birthDate: is \"1944-05-02T10:00:00\", but a date of FHIR R4 has"
                + " no time: send a date such as 2025-03-03"), run.err());

        ObjectNode badId = example();
        resource(badId, "cleft-ka").put("id", "bad id!");
        run = explain(badId);
        assertEquals(2, run.exit());
        assertTrue(run.err().contains(".id: is \"bad id!\", which is not an id of FHIR R4"), run.err());

        // an id longer than FHIR's 64, as some EHRs write them, is read
        ObjectNode longId = example();
        resource(longId, "cleft-ka").put("id", "e".repeat(80));
        assertEquals(0, explain(longId).exit());
    }

    // ------------------------------------------------------------------ applicability

    @Test
    void excludedConditionAndAge_areNamedWithThePapersNumbers() throws IOException {
        ObjectNode bundle = example();
        resource(bundle, "cleft").put("birthDate", "1970-06-01");
        ObjectNode condition = addEntry(bundle, "Condition", "hpt");
        condition.putObject("subject").put("reference", "Patient/cleft");
        condition.putObject("code").put("text", "Primary hyperparathyroidism").putArray("coding").addObject()
                .put("system", "http://hl7.org/fhir/sid/icd-10").put("code", "E21.0");

        CliRun run = explain(bundle);

        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("[PVP-A104] Patient/cleft (birthDate 1970-06-01): Age 55 years is far from the ages"
                + " of the study's patients (79.65 +/- 7.90 years with refracture, 78.29 +/- 7.21 without): few of them"), run.out());
        assertTrue(run.out().contains("[PVP-A105] Condition/hpt: 'Primary hyperparathyroidism' (hyperparathyroidism) is on"
                + " the record. The study excluded"), run.out());
        assertFalse(run.out().contains("PVP-A106"), "the conditions were sent: " + run.out());
    }

    @Test
    void conditionWithoutCoding_isNamedAsNotChecked() throws IOException {
        ObjectNode bundle = example();
        ObjectNode condition = addEntry(bundle, "Condition", "graves");
        condition.putObject("subject").put("reference", "Patient/cleft");
        condition.putObject("code").put("text", "Graves disease");

        CliRun run = explain(bundle);

        assertTrue(run.out().contains("[PVP-I108] Condition/graves: 'Graves disease' has no coding"), run.out());
    }

    @Test
    void withoutABirthDate_saysTheAgeWasNotChecked() throws IOException {
        ObjectNode bundle = example();
        resource(bundle, "cleft").remove("birthDate");

        CliRun run = explain(bundle);

        assertTrue(run.out().contains("[PVP-A107] patient: The patient's age was not known"), run.out());
    }

    @Test
    void withoutConditions_saysTheExclusionsWereNotChecked() throws IOException {
        CliRun run = explain(example());

        assertTrue(run.out().contains("[PVP-A106] patient: The patient's Conditions were not part of the input"), run.out());
    }

    private static void removeEntry(ObjectNode bundle, String id) {
        ArrayNode entries = (ArrayNode) bundle.path("entry");
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).path("resource").path("id").asText().equals(id)) {
                entries.remove(i);
                return;
            }
        }
    }

    private static ObjectNode addEntry(ObjectNode bundle, String type, String id) {
        ObjectNode entry = ((ArrayNode) bundle.path("entry")).addObject();
        entry.put("fullUrl", "http://ehr.example.org/fhir/" + type + "/" + id);
        return entry.putObject("resource").put("resourceType", type).put("id", id);
    }
}
