package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationDefinition;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.fhirin.CannedFhirServer;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/**
 * The FHIR face over a real socket, called with HAPI's generic client: its CapabilityStatement,
 * $pvp-refracture-risk on a Patient (read from the EHR's FHIR server, a real HAPI RestfulServer)
 * equal to the CDS Hooks card's RiskAssessment for the same data, at type level equal to
 * {@code assess} on the same file, and bad input answered with the PVP codes. (It lives beside the
 * CDS Hooks tests because it compares with their cards and runs on their harness.)
 */
class FhirOperationTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();

    @TempDir
    static Path dir;
    static EhrServer ehr;
    static RunningService service;
    static IGenericClient client;

    @BeforeAll
    static void start() throws Exception {
        ehr = new EhrServer(0, 0);
        service = new RunningService(dir, Map.of("fhirServers", List.of(ehr.base), "fetchTimeoutMillis", 3000,
                "fhirServer", Map.of("url", ehr.base)));
        FHIR.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        client = FHIR.newRestfulGenericClient(service.base + "/fhir");
    }

    @AfterAll
    static void stop() throws Exception {
        service.close();
        ehr.close();
    }

    /** The resource as JSON without what differs from one computation to the next: its id and when. */
    private static JsonNode comparable(String json) throws Exception {
        ObjectNode node = (ObjectNode) RunningService.JSON.readTree(json);
        node.remove("id");
        node.remove("occurrenceDateTime");
        return node;
    }

    @Test
    void metadata_namesTheModuleAndTheOperationByItsOperationDefinition() {
        CapabilityStatement statement = client.capabilities().ofType(CapabilityStatement.class).execute();

        assertEquals("pvp-refracture-cds", statement.getSoftware().getName());
        assertEquals("PvpRefractureCds", statement.getName());
        assertEquals("pvp-refracture-cds", statement.getPublisher());
        // the formats it reads a body in (it answers in XML too, to a client that asks)
        assertEquals(List.of("application/fhir+json", "json"), statement.getFormat().stream()
                .map(org.hl7.fhir.r4.model.CodeType::getValue).toList());
        assertTrue(statement.getRest().get(0).getResource().stream()
                .filter(r -> r.getType().equals("Patient"))
                .flatMap(r -> r.getOperation().stream())
                .anyMatch(o -> o.getName().equals("pvp-refracture-risk")
                        && o.getDefinition().equals("https://fhir.refracture-cds.org/OperationDefinition/pvp-refracture-risk")),
                FHIR.newJsonParser().encodeResourceToString(statement));
        assertTrue(statement.getRest().get(0).getResource().stream().allMatch(r -> r.getSearchInclude().isEmpty()),
                "no search, so no include: " + FHIR.newJsonParser().encodeResourceToString(statement));
    }

    @Test
    void theRequestId_isTheServicesAsOnTheCdsHooksRoutes_notOneOfHapisOwn() throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(service.base
                + "/fhir/metadata")).GET().build(), HttpResponse.BodyHandlers.ofString());

        // one X-Request-ID, the service's (a UUID, the one its log and audit trail hold), not HAPI's 16 letters
        List<String> ids = answer.headers().allValues("X-Request-ID");
        assertEquals(1, ids.size(), ids.toString());
        assertTrue(ids.get(0).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), ids.get(0));
    }

    @Test
    void theOperationDefinition_isTheOperationServed() throws Exception {
        OperationDefinition definition = FHIR.newJsonParser().parseResource(OperationDefinition.class,
                Files.readString(Path.of("fhir-profiles/OperationDefinition-pvp-refracture-risk.json")));

        assertEquals("https://fhir.refracture-cds.org/OperationDefinition/pvp-refracture-risk", definition.getUrl());
        assertEquals("pvp-refracture-risk", definition.getCode());
        assertEquals("Patient", definition.getResource().get(0).getValue());
        assertTrue(definition.getType() && definition.getInstance() && !definition.getSystem());
        assertEquals(List.of("findings", "return"), definition.getParameter().stream().map(p -> p.getName()).toList());
    }

    @Test
    void onAPatient_givesTheRiskAssessmentOfTheCdsHooksCard() throws Exception {
        // given the EHR's FHIR server holding patient cleft's findings and PVP procedure
        ObjectNode hook = RunningService.example("patient-view.json");
        hook.remove("prefetch");
        hook.put("fhirServer", ehr.base);

        // when the card is asked for, and the operation is called on the patient, with GET and with POST
        RunningService.Reply card = service.post("/cds-services/pvp-refracture-risk", hook);
        RiskAssessment byGet = client.operation().onInstance(new IdType("Patient", "cleft")).named("$pvp-refracture-risk")
                .withNoParameters(Parameters.class).returnResourceType(RiskAssessment.class).useHttpGet().execute();
        RiskAssessment byPost = client.operation().onInstance(new IdType("Patient", "cleft")).named("$pvp-refracture-risk")
                .withNoParameters(Parameters.class).returnResourceType(RiskAssessment.class).execute();

        // then the operation's RiskAssessment is the card's
        assertEquals(200, card.status(), card.body().toString());
        JsonNode filed = card.body().at("/cards/0/suggestions/0/actions/0/resource");
        assertEquals(comparable(filed.toString()), comparable(FHIR.newJsonParser().encodeResourceToString(byGet)));
        assertEquals(comparable(filed.toString()), comparable(FHIR.newJsonParser().encodeResourceToString(byPost)));
        assertEquals("cleft/T11/xiong-2021-logistic", byGet.getIdentifierFirstRep().getValue());
    }

    @Test
    void onAPatientWhosePvpIsOnRecord_withoutPostOpFindings_isAfterPvp_asTheCardSays() throws Exception {
        // given the EHR's FHIR server holding a PVP of the patient, and of its vertebra the pre-operative findings alone
        ObjectNode hook = RunningService.example("patient-view.json");
        hook.remove("prefetch");
        hook.put("fhirServer", ehr.base);
        ((ObjectNode) hook.get("context")).put("patientId", EhrServer.TREATED);

        // when the card is asked for, and the operation is called on the patient
        RunningService.Reply card = service.post("/cds-services/pvp-refracture-risk", hook);
        RiskAssessment risk = client.operation().onInstance(new IdType("Patient", EhrServer.TREATED))
                .named("$pvp-refracture-risk").withNoParameters(Parameters.class).returnResourceType(RiskAssessment.class)
                .execute();

        // then both assess the vertebra as after PVP (the cement is in), not as before it with the favourable technique
        assertEquals(200, card.status(), card.body().toString());
        assertTrue(card.body().at("/cards/0/detail").asText().startsWith("After PVP, post-op findings missing"),
                card.body().toString());
        JsonNode filed = card.body().at("/cards/0/suggestions/0/actions/0/resource");
        assertEquals(comparable(filed.toString()), comparable(FHIR.newJsonParser().encodeResourceToString(risk)));
        String notes = notes(risk);
        assertTrue(notes.contains("[PVP-I111] T11: taken as after PVP: a PVP on record (Procedure/treated-pvp"
                + " (2025-03-05)) treated it"), notes);
    }

    @Test
    void atTypeLevel_givesWhatAssessGivesForTheSameFile() throws Exception {
        // given an example file, and what the command line's assess writes for it (ExamplesTest keeps it so)
        Path file = Path.of("examples/cleft-no-endplate-contact.json");
        String assessed = Files.readString(Path.of("src/test/resources/golden/cleft-no-endplate-contact.json"));
        Bundle findings = FHIR.newJsonParser().parseResource(Bundle.class, Files.readString(file));

        // when the findings are sent inline
        RiskAssessment risk = client.operation().onType(Patient.class).named("$pvp-refracture-risk")
                .withParameter(Parameters.class, "findings", findings).returnResourceType(RiskAssessment.class).execute();

        // then the RiskAssessment is assess's
        assertEquals(comparable(assessed), comparable(FHIR.newJsonParser().encodeResourceToString(risk)));
    }

    @Test
    void badInput_isAnOperationOutcomeWithItsCodeAndPath() throws Exception {
        // a finding whose valueBoolean is a string: 400 with the JSON path, as the CDS Hooks service answers
        String body = Files.readString(Path.of("examples/cleft-no-endplate-contact.json"))
                .replaceFirst("\"valueBoolean\": true", "\"valueBoolean\": \"true\"");
        HttpResponse<String> wrongType = post("/fhir/Patient/$pvp-refracture-risk",
                "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"findings\",\"resource\":" + body + "}]}");
        assertOutcome(wrongType, 400, "PVP-E010", "Parameters.parameter[0].resource.entry[");

        // a page of a search, its next page not sent: refused, not read as if whole
        String page = Files.readString(Path.of("examples/cleft-no-endplate-contact.json")).replaceFirst("\\{",
                "{\"link\": [{\"relation\": \"next\", \"url\": \"http://ehr.example/fhir?page=2\"}],");
        assertOutcome(post("/fhir/Patient/$pvp-refracture-risk", page), 400, "PVP-E013", "Bundle");

        assertOutcome(post("/fhir/Patient/$pvp-refracture-risk", "{\"resourceType\":\"Parameters\"}"), 400,
                "PVP-H120", "Parameters.parameter");
        assertOutcome(post("/fhir/Patient/$pvp-refracture-risk", "{\"resourceType\": \"Parameters\"}}"), 400,
                "PVP-H111", null);
        assertOutcome(post("/fhir/Patient/$pvp-refracture-risk", ""), 400, "PVP-H101", null);
        String two = Files.readString(Path.of("examples/two-patients.json"));
        assertOutcome(post("/fhir/Patient/$pvp-refracture-risk", two), 400, "PVP-H121", "Bundle");
        assertOutcome(post("/fhir/Patient/$pvp-refracture-risk", Files.readString(Path.of("src/test/resources/bad/null-resource.json"))),
                400, "PVP-E010", "Bundle.entry[4].resource");
        assertOutcome(post("/fhir/Patient/$pvp-refracture-risk?_format=json&_format=xml",
                Files.readString(Path.of("examples/cleft-no-endplate-contact.json"))), 400, "PVP-H124", "_format");
        // a Patient beside another patient's findings: its birthDate is no one's age here, and it is not passed over
        String otherPatient = Files.readString(Path.of("examples/cleft-no-endplate-contact.json"))
                .replaceFirst("\"id\": \"cleft\"", "\"id\": \"other\"");
        HttpResponse<String> other = post("/fhir/Patient/$pvp-refracture-risk", otherPatient);
        assertOutcome(other, 400, "PVP-H109", "Bundle");
        assertTrue(other.body().contains("holds Patient/other, of which no finding is here: the findings are of Patient/cleft"),
                other.body());
        HttpResponse<String> nobody = post("/fhir/Patient/nobody/$pvp-refracture-risk", "");
        assertOutcome(nobody, 422, "PVP-E109", "fetched findings");
        assertTrue(nobody.body().contains("and the FHIR server holds no Patient of that id: check the patient's id"),
                nobody.body());
        // findings sent with a call on a Patient, which reads them from the server: refused, not left unused
        assertOutcome(post("/fhir/Patient/cleft/$pvp-refracture-risk", two), 400, "PVP-H123", "Bundle");
        assertOutcome(post("/fhir/Patient/cleft/$pvp-refracture-risk", "{\"resourceType\":\"Parameters\","
                + "\"parameter\":[{\"name\":\"findings\",\"resource\":" + two + "}]}"), 400, "PVP-H123",
                "Parameters.parameter");
        // a path the face does not serve (HAPI's "does not know how to handle GET operation"): 404, as any other
        HttpResponse<String> read = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(service.base
                + "/fhir/Patient/cleft")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertOutcome(read, 404, "PVP-H404", "path");
        // HAPI writes an error after resetting the response and adding its headers back: one Date still
        assertEquals(1, read.headers().allValues("Date").size(), read.headers().toString());
        // a method the operation does not take: 405, with what it takes
        HttpResponse<String> delete = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(service.base
                + "/fhir/Patient/cleft/$pvp-refracture-risk")).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertOutcome(delete, 405, "PVP-H405", "method");
        assertEquals("GET, POST", delete.headers().firstValue("Allow").orElse(null));
        assertTrue(delete.body().contains("[PVP-H405] method: DELETE is not served on /fhir/Patient/cleft/$pvp-refracture-risk:"
                + " the operation takes GET or POST"), delete.body());
        // at type level the findings are a Bundle, which only a POST carries: GET there is 405, naming what to do
        HttpResponse<String> typeGet = get("/fhir/Patient/$pvp-refracture-risk", "application/fhir+json");
        assertOutcome(typeGet, 405, "PVP-H405", "method");
        assertEquals("POST", typeGet.headers().firstValue("Allow").orElse(null));
        assertTrue(typeGet.body().contains("only a POST body carries"), typeGet.body());
        HttpResponse<String> typeDelete = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(service.base
                + "/fhir/Patient/$pvp-refracture-risk")).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertOutcome(typeDelete, 405, "PVP-H405", "method");
        assertEquals("POST", typeDelete.headers().firstValue("Allow").orElse(null));
        HttpResponse<String> postMetadata = post("/fhir/metadata", "{}");
        assertOutcome(postMetadata, 405, "PVP-H405", "method");
        assertEquals("GET", postMetadata.headers().firstValue("Allow").orElse(null));
        HttpResponse<String> nothing = post("/fhir/Nothing/x/$pvp-refracture-risk", "");
        assertOutcome(nothing, 404, "PVP-H404", "path");
        assertTrue(nothing.body().contains("[PVP-H404] path: nothing at /fhir/Nothing/x/$pvp-refracture-risk: GET"
                + " /fhir/metadata lists what this FHIR face serves"), nothing.body());
    }

    @Test
    void whatTheOperationDoesNotTake_inTheBody_isRefusedWithItsPath_notLeftUnused() throws Exception {
        String bundle = Files.readString(Path.of("examples/cleft-no-endplate-contact.json"));
        String findings = "{\"name\":\"findings\",\"resource\":" + bundle + "}";
        String op = "/fhir/Patient/$pvp-refracture-risk";

        // a parameter the operation does not take, named with what it takes
        HttpResponse<String> extra = post(op, "{\"resourceType\":\"Parameters\",\"parameter\":[" + findings
                + ",{\"name\":\"incidence\",\"valueDecimal\":0.1}]}");
        assertOutcome(extra, 400, "PVP-H120", "Parameters.parameter[1]");
        assertTrue(extra.body().contains("[PVP-H120] Parameters.parameter[1]: is 'incidence', not a parameter of"
                + " $pvp-refracture-risk, which takes one parameter, findings, a Bundle"), extra.body());
        // findings twice, with a value beside its resource, with no name, or parameter not an array
        assertOutcome(post(op, "{\"resourceType\":\"Parameters\",\"parameter\":[" + findings + "," + findings + "]}"),
                400, "PVP-H120", "Parameters.parameter[1]");
        assertOutcome(post(op, "{\"resourceType\":\"Parameters\",\"parameter\":[" + findings.replaceFirst("^\\{",
                "{\"valueString\":\"x\",") + "]}"), 400, "PVP-H120", "Parameters.parameter[0].valueString");
        HttpResponse<String> noName = post(op, "{\"resourceType\":\"Parameters\",\"parameter\":[{\"resource\":" + bundle
                + "}]}");
        assertOutcome(noName, 400, "PVP-H120", "Parameters.parameter[0]");
        assertTrue(noName.body().contains("[PVP-H120] Parameters.parameter[0]: has no name: $pvp-refracture-risk takes one"
                + " parameter, findings, a Bundle"), noName.body());
        assertOutcome(post(op, "{\"resourceType\":\"Parameters\",\"parameter\":" + findings + "}"), 400, "PVP-H120",
                "Parameters.parameter");
        assertOutcome(post(op, "{\"resourceType\":\"Parameters\",\"language\":\"de\",\"parameter\":[" + findings
                + "]}"), 400, "PVP-H120", "Parameters.language");
        // the same on a Patient, which takes no parameter
        assertOutcome(post("/fhir/Patient/cleft/$pvp-refracture-risk", "{\"resourceType\":\"Parameters\",\"parameter\":"
                + "[{\"name\":\"incidence\",\"valueDecimal\":0.1}]}"), 400, "PVP-H120", "Parameters.parameter[0]");
        assertOutcome(post("/fhir/Patient/cleft/$pvp-refracture-risk", "{\"resourceType\":\"Observation\"}"), 400,
                "PVP-H120", "resourceType");
        // a JSON array, or another JSON value, said as such
        for (String notAResource : List.of("[" + bundle + "]", "\"Parameters\"")) {
            HttpResponse<String> array = post(op, notAResource);
            assertOutcome(array, 400, "PVP-H120", null);
            assertTrue(array.body().contains("[PVP-H120] the body is a JSON " + (notAResource.startsWith("[") ? "array"
                    : "value (string)") + ", not a FHIR resource: send a Parameters resource whose parameter findings"
                    + " is a Bundle of the patient's findings, or that Bundle alone"), array.body());
        }
    }

    @Test
    void anErrorsPath_isOnePath_inABundleAsInParameters_forAValueAsForAKeyTwice() throws Exception {
        String bundle = Files.readString(Path.of("examples/cleft-no-endplate-contact.json"));
        String wrongType = bundle.replaceFirst("\"valueBoolean\": true", "\"valueBoolean\": \"true\"");
        String twice = bundle.replaceFirst("\"valueBoolean\": true", "\"valueBoolean\": true, \"valueBoolean\": true");
        String op = "/fhir/Patient/$pvp-refracture-risk";
        String value = ".entry[1].resource (Observation/cleft-ivc).valueBoolean";

        for (String[] sent : List.of(new String[] {wrongType, "PVP-E010"}, new String[] {twice, "PVP-H112"})) {
            HttpResponse<String> alone = post(op, sent[0]);
            HttpResponse<String> inParameters = post(op, "{\"resourceType\":\"Parameters\",\"parameter\":"
                    + "[{\"name\":\"findings\",\"resource\":" + sent[0] + "}]}");

            assertOutcome(alone, 400, sent[1], null);
            assertEquals("Bundle" + value, expression(alone), alone.body());
            assertOutcome(inParameters, 400, sent[1], null);
            assertEquals("Parameters.parameter[0].resource" + value, expression(inParameters), inParameters.body());
        }
    }

    private static String expression(HttpResponse<String> answer) throws Exception {
        return RunningService.JSON.readTree(answer.body()).at("/issue/0/expression/0").asText();
    }

    @Test
    void aBodyNotDeclaredFhirJson_is415_aCallOnAPatientWithoutBodyIsNot() throws Exception {
        String body = "{\"resourceType\":\"Parameters\"}";
        java.util.List<String> types = java.util.Arrays.asList("text/plain", "application/x-www-form-urlencoded",
                "application/fhir+xml", null);
        for (String type : types) {
            HttpRequest.Builder post = HttpRequest.newBuilder(URI.create(service.base + "/fhir/Patient/$pvp-refracture-risk"))
                    .header("Accept", "application/fhir+json").POST(HttpRequest.BodyPublishers.ofString(body));
            if (type != null) {
                post.header("Content-Type", type);
            }

            HttpResponse<String> answer = HttpClient.newHttpClient().send(post.build(), HttpResponse.BodyHandlers.ofString());

            assertOutcome(answer, 415, "PVP-H415", "Content-Type");
        }
        HttpResponse<String> noBody = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(service.base
                + "/fhir/Patient/nobody/$pvp-refracture-risk")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertOutcome(noBody, 422, "PVP-E109", "fetched findings");
        HttpResponse<String> upperCase = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(service.base
                + "/fhir/Patient/$pvp-refracture-risk")).header("Content-Type", "Application/FHIR+JSON; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertOutcome(upperCase, 400, "PVP-H120", "Parameters.parameter");
    }

    @Test
    void requestsHapisServerWouldFailOn_areRefusedWithACode() throws Exception {
        // a form's body (curl's default Content-Type) with a % in it, which the servlet would decode first
        HttpResponse<String> form = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(service.base
                + "/fhir/Patient/$pvp-refracture-risk")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("{\"unit\": \"100%\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertOutcome(form, 415, "PVP-H415", "Content-Type");
        // a slash hidden in the path, and a query whose percent-encoding is broken
        assertOutcome(get("/fhir/Patient/a%2Fb/$pvp-refracture-risk", "application/fhir+json"), 400, "PVP-H400", "path");
        String broken = raw("GET /fhir/metadata?_format=%zz HTTP/1.1");
        assertTrue(broken.startsWith("HTTP/1.1 400 "), broken);
        assertTrue(broken.contains("\"code\":\"PVP-H400\"") && broken.contains("not percent-encoded"), broken);
        // a query parameter the operation does not take, which would be silently unused
        assertOutcome(get("/fhir/Patient/cleft/$pvp-refracture-risk?findings=x", "application/fhir+json"), 400,
                "PVP-H124", "findings");
        assertOutcome(get("/fhir/Patient/$pvp-refracture-risk?_pretty=true&foo=bar", "application/fhir+json"), 400,
                "PVP-H124", "foo");
        // an answer in RDF, which HAPI's server would try to write without its library
        assertOutcome(get("/fhir/metadata", "text/turtle"), 406, "PVP-H406", "Accept");
        assertOutcome(get("/fhir/metadata?_format=ttl", "application/fhir+json"), 406, "PVP-H406", "_format");
        HttpResponse<String> twoHeaders = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(service.base
                + "/fhir/metadata")).header("Accept", "application/fhir+json").header("Accept", "text/turtle").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, twoHeaders.statusCode(), twoHeaders.body());
        HttpResponse<String> either = get("/fhir/metadata", "text/turtle, application/fhir+json;q=0.9");
        assertEquals(200, either.statusCode(), either.body());
        assertTrue(either.body().startsWith("{"), either.body());
    }

    @Test
    void aQueryParameterForPartOfTheAnswer_isRefused_forTheRiskAssessmentIsOnlyMeaningfulWhole() throws Exception {
        String findings = Files.readString(Path.of("examples/cleft-no-endplate-contact.json"));
        for (String name : List.of("_summary=true", "_summary=data", "_elements=status", "_elements:exclude=prediction")) {
            HttpResponse<String> part = post("/fhir/Patient/$pvp-refracture-risk?" + name, findings);

            String parameter = name.substring(0, name.indexOf('='));
            assertOutcome(part, 400, "PVP-H124", parameter);
            assertTrue(part.body().contains("only meaningful whole, with its limits and basis: leave " + parameter
                    + " out"), part.body());
        }
        assertOutcome(get("/fhir/Patient/cleft/$pvp-refracture-risk?_summary=true", "application/fhir+json"), 400,
                "PVP-H124", "_summary");
        // the answer's format is taken, and said only as FHIR says it
        HttpResponse<String> pretty = post("/fhir/Patient/$pvp-refracture-risk?_pretty=true", findings);
        assertEquals(200, pretty.statusCode(), pretty.body());
        assertTrue(pretty.body().startsWith("{\n"), pretty.body());
        assertOutcome(post("/fhir/Patient/$pvp-refracture-risk?_pretty=yes", findings), 400, "PVP-H124", "_pretty");
        HttpResponse<String> xml = post("/fhir/Patient/$pvp-refracture-risk?_format=xml", findings);
        assertEquals(200, xml.statusCode(), xml.body());
        assertTrue(xml.body().startsWith("<RiskAssessment"), xml.body());
        for (String format : List.of("junk", "ndjson", "html")) {
            assertOutcome(post("/fhir/Patient/$pvp-refracture-risk?_format=" + format, findings), 406, "PVP-H406",
                    "_format");
        }
    }

    @Test
    void theBaseAndPathsNotServed_areTheFacesOwn404_withoutAWarningLoggedForEach() throws Exception {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        Logger hapi = (Logger) LoggerFactory.getLogger("ca.uhn.fhir");
        log.start();
        hapi.addAppender(log);
        try {
            // the base, with or without its slash, and whatever the method
            for (String base : List.of("/fhir/", "/fhir")) {
                HttpResponse<String> answer = get(base, "application/fhir+json");
                assertOutcome(answer, 404, "PVP-H404", "path");
                assertTrue(answer.body().contains("[PVP-H404] path: nothing at /fhir/, the FHIR base: this face serves"
                        + " no search, history or batch; GET /fhir/metadata is its CapabilityStatement"), answer.body());
            }
            assertOutcome(post("/fhir/", "{\"resourceType\":\"Bundle\",\"type\":\"batch\"}"), 404, "PVP-H404", "path");
            // paths HAPI has no method for, the operation at system level, and after metadata
            for (String path : List.of("/fhir/Patient", "/fhir/_history", "/fhir/Patient/cleft/_history/1",
                    "/fhir/$pvp-refracture-risk", "/fhir/metadata/x")) {
                assertOutcome(get(path, "application/fhir+json"), 404, "PVP-H404", "path");
            }
            HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(service.base
                    + "/fhir/Patient/cleft/$pvp-refracture-risk")).method("PUT", HttpRequest.BodyPublishers.ofString("{}"))
                    .header("Content-Type", "application/fhir+json").build(), HttpResponse.BodyHandlers.ofString());
            assertOutcome(put, 405, "PVP-H405", "method");
            assertEquals("GET, POST", put.headers().firstValue("Allow").orElse(null));
            assertOutcome(post("/fhir/metadata", "{}"), 405, "PVP-H405", "method");
            assertEquals(200, get("/fhir/metadata", "application/fhir+json").statusCode());

            // a client's mistakes are answered, not logged: any client could otherwise fill the log
            assertEquals(List.of(), log.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(ILoggingEvent::getFormattedMessage).toList());
        } finally {
            hapi.detachAppender(log);
        }
    }

    @Test
    void theOperationsDefinition_isReadAtTheIdOfTheCanonicalTheCapabilityStatementNames() throws Exception {
        CapabilityStatement capabilities = FHIR.newRestfulGenericClient(service.base + "/fhir").capabilities()
                .ofType(CapabilityStatement.class).execute();
        String canonical = capabilities.getRestFirstRep().getResource().stream().flatMap(r -> r.getOperation().stream())
                .filter(o -> o.getName().equals("pvp-refracture-risk")).findFirst().orElseThrow().getDefinition();

        HttpResponse<String> read = get("/fhir/OperationDefinition/" + canonical.substring(canonical.lastIndexOf('/') + 1),
                "application/fhir+json");

        assertEquals(200, read.statusCode(), read.body());
        OperationDefinition definition = FHIR.newJsonParser().parseResource(OperationDefinition.class, read.body());
        assertEquals(canonical, definition.getUrl());
        assertEquals(List.of("findings", "return"), definition.getParameter().stream().map(p -> p.getName()).toList());
        assertEquals(Files.readString(Path.of("fhir-profiles/OperationDefinition-pvp-refracture-risk.json")), read.body());
        HttpResponse<String> xml = get("/fhir/OperationDefinition/pvp-refracture-risk?_format=xml", "*/*");
        assertEquals(canonical, FHIR.newXmlParser().parseResource(OperationDefinition.class, xml.body()).getUrl());
        HttpResponse<String> delete = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(service.base
                + "/fhir/OperationDefinition/pvp-refracture-risk")).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertOutcome(delete, 405, "PVP-H405", "method");
        assertEquals("GET, HEAD", delete.headers().firstValue("Allow").orElse(null));
        // HAPI's own, parameterless definition of the same operation is not served beside it
        for (String other : List.of("/fhir/OperationDefinition/Patient-it-pvp-refracture-risk", "/fhir/OperationDefinition")) {
            HttpResponse<String> none = get(other, "application/fhir+json");
            assertOutcome(none, 404, "PVP-H404", "path");
            assertTrue(none.body().contains("is read at /fhir/OperationDefinition/pvp-refracture-risk"), none.body());
        }
    }

    private static HttpResponse<String> get(String path, String accept) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(service.base + path))
                .header("Accept", accept).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The answer to a request line Java's client would not send, read to its end. */
    private static String raw(String requestLine) throws Exception {
        URI base = URI.create(service.base);
        try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
            socket.getOutputStream().write((requestLine + "\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** The operation on Patient/{@code patient} by a service of its own, whose FHIR server is {@code canned}. */
    private static RiskAssessment operationOn(CannedFhirServer canned, String patient, String folder) throws Exception {
        try (RunningService other = new RunningService(dir.resolve(folder), Map.of("fetchTimeoutMillis", 3000,
                "fhirServer", Map.of("url", canned.base)))) {
            return FHIR.newRestfulGenericClient(other.base + "/fhir").operation().onInstance(new IdType("Patient", patient))
                    .named("$pvp-refracture-risk").withNoParameters(Parameters.class)
                    .returnResourceType(RiskAssessment.class).execute();
        }
    }

    private static String notes(RiskAssessment risk) {
        return risk.getNote().stream().map(n -> n.getText()).collect(java.util.stream.Collectors.joining("\n"));
    }

    @Test
    void procedures403_andPatient403_areSaid_asTheTokensScope() throws Exception {
        // given a FHIR server whose answer to the Procedure search, or to the Patient's, is 403 (the module's token
        // lacks that scope)
        try (CannedFhirServer canned = new CannedFhirServer();
             RunningService service = new RunningService(dir.resolve("scopes"), Map.of("fetchTimeoutMillis", 3000,
                     "fhirServer", Map.of("url", canned.base)))) {
            IGenericClient client = FHIR.newRestfulGenericClient(service.base + "/fhir");
            String noProcedures = notes(client.operation().onInstance(new IdType("Patient", "noprocedures"))
                    .named("$pvp-refracture-risk").withNoParameters(Parameters.class)
                    .returnResourceType(RiskAssessment.class).execute());
            String noPatient = notes(client.operation().onInstance(new IdType("Patient", "nopatient"))
                    .named("$pvp-refracture-risk").withNoParameters(Parameters.class)
                    .returnResourceType(RiskAssessment.class).execute());

            // then the assessment names the PVPs not read and why, in words that fit the module's own token
            assertTrue(noProcedures.contains("[PVP-W121] fhirServer: Patient/noprocedures's PVPs on record (Procedure) could"
                    + " not be read: Procedure of Patient/noprocedures: the FHIR server answered HTTP 403 (the access token"
                    + " does not allow reading Procedure: check its scope)"), noProcedures);
            assertFalse(noProcedures.contains("fhirAuthorization"), noProcedures);
            // and the Patient not read is named with why, not only as an age not known
            assertTrue(noPatient.contains("[PVP-W125] fhirServer: Patient/nopatient could not be read: Patient of"
                    + " Patient/nopatient: the FHIR server answered HTTP 403 (the access token does not allow reading"
                    + " Patient: check its scope). Its age is not known"), noPatient);
            assertTrue(noPatient.contains("PVP-A107"), noPatient);
        }
    }

    @Test
    void ordersThatCannotBeRead_areSaid_andThePatientsAgeIsRead() throws Exception {
        // given a FHIR server that holds the findings, the Conditions and the Patient, and answers 404 to the
        // ServiceRequest search (no such resource type there)
        try (CannedFhirServer canned = new CannedFhirServer()) {
            RiskAssessment risk = operationOn(canned, "p1", "orders");

            // then the assessment says that it is of every vertebra, for want of the orders
            String notes = notes(risk);
            assertTrue(notes.contains("[PVP-W120] fhirServer: Patient/p1's PVP orders (ServiceRequest) could not be read"),
                    notes);
            assertFalse(risk.hasBasedOn());
            // and the Patient was read (Patient?_id=p1), so the age is known
            assertTrue(canned.received.stream().anyMatch(r -> r.startsWith("GET /Patient?_id=p1")), canned.received.toString());
            assertFalse(notes.contains("PVP-A107"), notes);
        }
    }

    @Test
    void aServerThatIsNotThere_is412WithTheHooksCode() throws Exception {
        try (RunningService unreachable = new RunningService(dir.resolve("other"), Map.of(
                "fhirServer", Map.of("url", "http://127.0.0.1:9/fhir")))) {
            IGenericClient other = FHIR.newRestfulGenericClient(unreachable.base + "/fhir");

            BaseServerResponseException e = assertThrows(BaseServerResponseException.class, () -> other.operation()
                    .onInstance(new IdType("Patient", "cleft")).named("$pvp-refracture-risk")
                    .withNoParameters(Parameters.class).returnResourceType(RiskAssessment.class).execute());

            assertEquals(412, e.getStatusCode());
            OperationOutcome outcome = (OperationOutcome) e.getOperationOutcome();
            assertEquals("PVP-H303", outcome.getIssueFirstRep().getDetails().getCodingFirstRep().getCode());
            assertFalse(outcome.getIssueFirstRep().getDetails().getText().contains("Exception"));
        }
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(service.base + path))
                .header("Content-Type", "application/fhir+json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertOutcome(HttpResponse<String> answer, int status, String code, String where) throws Exception {
        JsonNode outcome = RunningService.JSON.readTree(answer.body());
        assertEquals(status, answer.statusCode(), answer.body());
        assertEquals("OperationOutcome", outcome.path("resourceType").asText(), answer.body());
        assertEquals(code, outcome.at("/issue/0/details/coding/0/code").asText(), answer.body());
        if (where != null) {
            assertTrue(outcome.at("/issue/0/expression/0").asText().startsWith(where), answer.body());
        }
        assertFalse(answer.body().contains("Exception") || answer.body().contains("at org."), answer.body());
    }
}
