package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * CDS Hooks calls as real EHRs send them (issue "Never silently wrong"): one odd Observation does
 * not block the card but is named on it; references in every form a server writes are read as one
 * patient; another patient's data or order is refused with its JSON path.
 */
class RealWorldHooksTest {

    /** The patient-view example as sent, whitespace and all, for changes made on the text. */
    static final String JSON_TEXT = readExample();

    private static String readExample() {
        try {
            return java.nio.file.Files.readString(Path.of("examples/cds-hooks/patient-view.json"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @TempDir
    static Path dir;
    static RunningService service;

    @BeforeAll
    static void start() throws Exception {
        service = new RunningService(dir, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        service.close();
    }

    private static ObjectNode finding(ObjectNode request, String id) {
        return (ObjectNode) StreamSupport.stream(request.at("/prefetch/findings/entry").spliterator(), false)
                .map(e -> e.path("resource")).filter(r -> r.path("id").asText().equals(id)).findFirst().orElseThrow();
    }

    private static JsonNode card(RunningService.Reply reply) {
        assertEquals(200, reply.status(), reply.body().toString());
        assertEquals(1, reply.body().path("cards").size(), reply.body().toString());
        return reply.body().path("cards").get(0);
    }

    /** The notes of the RiskAssessment the card's suggestion would file. */
    private static String riskAssessmentNotes(JsonNode card) {
        return card.at("/suggestions/0/actions/0/resource/note").toString();
    }

    @Test
    void aPrefetchThatIsOnlyPartOfTheFindings_isNotAssessedAsIfWhole() throws Exception {
        // given one page of a search, and no fhirServer to read the next from
        ObjectNode paged = RunningService.example("patient-view.json");
        paged.remove("fhirServer");
        paged.remove("fhirAuthorization");
        ((ObjectNode) paged.at("/prefetch/findings")).put("total", 10).putArray("link").addObject()
                .put("relation", "next").put("url", "https://ehr.example.org/fhir/Observation?page=2");
        // and a server's word that something was left out of the search
        ObjectNode outcome = RunningService.example("patient-view.json");
        outcome.remove("fhirServer");
        outcome.remove("fhirAuthorization");
        ObjectNode entry = ((ArrayNode) outcome.at("/prefetch/findings/entry")).addObject();
        entry.putObject("search").put("mode", "outcome");
        entry.putObject("resource").put("resourceType", "OperationOutcome").putArray("issue").addObject()
                .put("severity", "warning").put("code", "incomplete").put("diagnostics", "[x](javascript:alert(1))");

        JsonNode pagedCard = card(service.post("/cds-services/pvp-refracture-risk", paged));
        JsonNode outcomeCard = card(service.post("/cds-services/pvp-refracture-risk", outcome));

        assertEquals("Refracture risk not assessed: what the EHR sent is incomplete", pagedCard.path("summary").asText());
        assertTrue(pagedCard.path("detail").asText().contains("prefetch.findings is one page of a search: its next page"
                + " (link next) was not sent"), pagedCard.toString());
        assertEquals("Refracture risk not assessed: what the EHR sent is incomplete", outcomeCard.path("summary").asText());
        String detail = outcomeCard.path("detail").asText();
        assertTrue(detail.contains("prefetch.findings holds an OperationOutcome of the server saying warning incomplete"),
                detail);
        assertFalse(detail.contains("javascript"), "the server's words are not repeated: " + detail);
    }

    @Test
    void aPrefetchThatIsOnlyPartOfThePvps_isNotAssessedAsIfWhole() throws Exception {
        // given the PVPs on record as a page of a search whose next page was not sent, and no fhirServer
        ObjectNode paged = RunningService.example("patient-view.json");
        paged.remove("fhirServer");
        paged.remove("fhirAuthorization");
        ((ObjectNode) paged.at("/prefetch/procedures")).putArray("link").addObject()
                .put("relation", "next").put("url", "https://ehr.example.org/fhir/Procedure?page=2");

        JsonNode card = card(service.post("/cds-services/pvp-refracture-risk", paged));

        // then no estimate is given from them as if they were all
        assertEquals("Refracture risk not assessed: what the EHR sent is incomplete", card.path("summary").asText());
        assertTrue(card.path("detail").asText().contains("prefetch.procedures is one page of a search"), card.toString());
    }

    @Test
    void cementLeakageWithoutPostOperativeFindings_isAfterPvp_withoutAPvpOnRecord() throws Exception {
        // given the pre-operative findings of T11 and its cement leakage, no NPEC or RR, and no PVP on record
        ObjectNode request = RunningService.example("patient-view.json");
        ObjectNode leakage = finding(request, "cleft-npec");
        leakage.remove("valueCodeableConcept");
        ((ObjectNode) leakage.at("/code/coding/0")).put("code", "cement-leakage");
        leakage.put("id", "cleft-leak").put("valueBoolean", true);
        ((ArrayNode) request.at("/prefetch/findings/entry")).removeIf(e -> e.at("/resource/id").asText().equals("cleft-rr"));
        ((ObjectNode) request.at("/prefetch/procedures")).put("total", 0).putArray("entry");

        JsonNode card = card(service.post("/cds-services/pvp-refracture-risk", request));

        // then the cement is in: T11 is after PVP, under every technique scenario, and the card says why
        assertTrue(riskAssessmentNotes(card).contains("[PVP-I113] T11: taken as after PVP: its findings are of cement in"
                + " it (cement-leakage, Observation/cleft-leak)"), riskAssessmentNotes(card));
        assertTrue(card.path("summary").asText().contains("T11"), card.path("summary").asText());
    }

    @Test
    void badFindingAmongGoodOnes_isLeftOutAndNamedOnTheCardAndInTheRiskAssessment() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        ((ObjectNode) finding(request, "cleft-rr").path("valueQuantity")).put("code", "mm").put("unit", "mm");

        JsonNode card = card(service.post("/cds-services/pvp-refracture-risk", request));

        String named = "[PVP-W110] Observation/cleft-rr: reduction rate (RR) not used: [PVP-E104] valueQuantity.code:"
                + " unit 'mm' is not accepted";
        assertTrue(card.path("detail").asText().contains("Reduction rate (RR) not used (Observation/cleft-rr, PVP-E104)."),
                card.path("detail").asText());
        assertTrue(riskAssessmentNotes(card).contains(named), riskAssessmentNotes(card));
        assertTrue(card.path("summary").asText().contains("37% to 63%"), "RR counts as not reported, so the estimate"
                + " is given under each technique scenario's RR: " + card.path("summary").asText());
    }

    @Test
    void bodySiteFetchedAsRadLexOnly_doesNotBlockTheCard() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        finding(request, "cleft-epd").putObject("bodySite").putArray("coding").addObject()
                .put("system", "http://radlex.org").put("code", "RID7463");

        JsonNode card = card(service.post("/cds-services/pvp-refracture-risk", request));

        assertTrue(riskAssessmentNotes(card).contains("[PVP-W110] Observation/cleft-epd: endplate cortical disruption"
                + " (EPD) not used: [PVP-E106] bodySite: http://radlex.org|RID7463 names no vertebra this module knows"),
                riskAssessmentNotes(card));
        assertTrue(card.path("detail").asText().contains("Endplate cortical disruption (EPD) not used (Observation/cleft-epd, PVP-E106)."),
                card.path("detail").asText());
    }

    @Test
    void bodySiteAsTextT11_isRead() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        finding(request, "cleft-epd").putObject("bodySite").put("text", "T11");

        JsonNode card = card(service.post("/cds-services/pvp-refracture-risk", request));

        assertFalse(card.path("detail").asText().contains("PVP-W110"), card.path("detail").asText());
        assertFalse(card.path("detail").asText().contains("was not reported"), card.path("detail").asText());
    }

    @Test
    void subjectAsAbsoluteUrlOfTheEhrsServer_isThisPatient() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        finding(request, "cleft-rr").putObject("subject").put("reference", "https://ehr.example.org/fhir/Patient/cleft");
        ObjectNode plain = RunningService.example("patient-view.json");

        JsonNode card = card(service.post("/cds-services/pvp-refracture-risk", request));
        JsonNode expected = card(service.post("/cds-services/pvp-refracture-risk", plain));

        assertEquals(expected.path("summary").asText(), card.path("summary").asText());
        assertFalse(card.path("detail").asText().contains("is not known yet"), card.path("detail").asText());
    }

    @Test
    void absoluteSubjectWithNoServerToCompare_is400SayingWhatToSend() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        finding(request, "cleft-rr").putObject("subject").put("reference", "https://ehr.example.org/fhir/Patient/cleft");
        ((ArrayNode) request.at("/prefetch/findings/entry")).forEach(e -> ((ObjectNode) e).remove("fullUrl"));

        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk", request);

        assertEquals(400, reply.status());
        assertEquals("PVP-H115", reply.errorCode());
        assertTrue(reply.body().at("/issue/0/expression/0").asText().endsWith(".resource (Observation/cleft-rr).subject"),
                reply.body().toString());
    }

    @Test
    void versionedSubject_isThisPatient() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        finding(request, "cleft-rr").putObject("subject").put("reference", "Patient/cleft/_history/1");

        card(service.post("/cds-services/pvp-refracture-risk", request));
    }

    @Test
    void subjectOnAnotherServer_is400WithItsPath() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        finding(request, "cleft-rr").putObject("subject").put("reference", "http://other-hospital.example/fhir/Patient/cleft");

        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk", request);

        assertEquals(400, reply.status());
        assertEquals("PVP-E110", reply.errorCode());
        assertTrue(reply.body().at("/issue/0/expression/0").asText().startsWith("prefetch.findings.entry["),
                reply.body().toString());
    }

    @Test
    void subjectByIdentifierOnly_is400SayingWhatToSend() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        finding(request, "cleft-rr").putObject("subject").putObject("identifier").put("system", "urn:mrn").put("value", "42");

        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk", request);

        assertEquals(400, reply.status());
        assertEquals("PVP-E111", reply.errorCode());
        assertTrue(reply.body().at("/issue/0/details/text").asText().contains("names the patient by identifier only"),
                reply.body().toString());
    }

    @Test
    void pvpOrderForAnotherPatient_is400() throws Exception {
        ObjectNode request = RunningService.example("order-sign.json");
        ((ObjectNode) request.at("/context/draftOrders/entry/0/resource/subject")).put("reference", "Patient/other");

        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-preop", request);

        assertEquals(400, reply.status());
        assertEquals("PVP-H109", reply.errorCode());
        assertEquals("context.draftOrders.entry[0].resource (ServiceRequest/pvp-order-1).subject",
                reply.body().at("/issue/0/expression/0").asText());
    }

    @Test
    void malformedDraftOrders_is400NotA500() throws Exception {
        ObjectNode request = RunningService.example("order-sign.json");
        ((ObjectNode) request.at("/context/draftOrders")).putObject("entry").putObject("resource");

        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-preop", request);

        assertEquals(400, reply.status(), reply.body().toString());
        assertTrue(reply.body().at("/issue/0/expression/0").asText().startsWith("context.draftOrders"), reply.body().toString());
    }

    @Test
    void decimalWithAHugeExponent_is400NotA500() throws Exception {
        String body = JSON_TEXT.replace("\"value\": 12.5", "\"value\": 1e999999999");
        assertTrue(body.contains("1e999999999"));

        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk", body);

        assertEquals(400, reply.status(), reply.body().toString());
        assertEquals("PVP-E010", reply.errorCode());
    }

    @Test
    void subjectOnTheServerOfItsFullUrlButNotOnTheRequestsServer_is400() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        request.put("fhirServer", "https://ehr.example.org/fhir");
        ((ObjectNode) request.at("/prefetch/findings/entry/0")).put("fullUrl", "http://other-hospital.example/fhir/Observation/cleft-ivc");
        finding(request, "cleft-ivc").putObject("subject").put("reference", "http://other-hospital.example/fhir/Patient/cleft");

        try (RunningService allowing = new RunningService(dir.resolve("allowing"),
                Map.of("fhirServers", java.util.List.of("https://ehr.example.org/fhir")))) {
            RunningService.Reply reply = allowing.post("/cds-services/pvp-refracture-risk", request);

            assertEquals(400, reply.status(), reply.body().toString());
            assertEquals("PVP-E110", reply.errorCode());
        }
    }

    @Test
    void pvpOrderAtALevelOutsideT4ToL5_getsAnInfoCardNamingTheSite() throws Exception {
        ObjectNode request = RunningService.example("order-sign.json");
        ObjectNode order = (ObjectNode) request.at("/context/draftOrders/entry/0/resource");
        order.putArray("bodySite").addObject().put("text", "C1");

        JsonNode card = card(service.post("/cds-services/pvp-refracture-preop", request));

        assertEquals("info", card.path("indicator").asText());
        assertTrue(card.path("summary").asText().contains("a site this module cannot assess"), card.path("summary").asText());
        assertTrue(card.path("detail").asText().contains("ServiceRequest/pvp-order-1 names bodySite text 'C1': not a vertebra"
                + " this module knows"), card.path("detail").asText());
        assertFalse(card.path("detail").asText().contains("T12"), "no card about another level: " + card.path("detail").asText());
    }

    @Test
    void conditionsInThePrefetch_areCheckedAgainstTheStudysExclusions() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        ObjectNode conditions = request.with("prefetch").putObject("conditions").put("resourceType", "Bundle").put("type", "searchset");
        ObjectNode condition = conditions.putArray("entry").addObject().putObject("resource")
                .put("resourceType", "Condition").put("id", "thyro");
        condition.putObject("subject").put("reference", "Patient/cleft");
        condition.putObject("code").putArray("coding").addObject().put("system", "http://hl7.org/fhir/sid/icd-10")
                .put("code", "E05.0").put("display", "Thyrotoxicosis with diffuse goitre");

        JsonNode card = card(service.post("/cds-services/pvp-refracture-risk", request));

        assertTrue(riskAssessmentNotes(card).contains("[PVP-A105] Condition/thyro: 'Thyrotoxicosis with diffuse goitre'"
                + " (hyperthyroidism) is on the record. The study excluded"), riskAssessmentNotes(card));
        assertTrue(card.path("detail").asText().contains("**Less certain than its interval says:** the input is outside the"
                + " study's patients (PVP-A105 Condition/thyro)."), card.path("detail").asText());
        assertFalse(card.path("detail").asText().contains("Conditions not sent"), card.path("detail").asText());
    }

    @Test
    void withoutConditions_theCardSaysTheExclusionsWereNotChecked() throws Exception {
        JsonNode card = card(service.post("/cds-services/pvp-refracture-risk", RunningService.example("patient-view.json")));

        assertTrue(card.path("detail").asText().contains("**Missing:** Conditions not sent: the study's exclusions"),
                card.path("detail").asText());
    }
}
