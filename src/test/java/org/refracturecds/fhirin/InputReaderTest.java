package org.refracturecds.fhirin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Practitioner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What the reader accepts (valid FHIR R4 JSON as real systems write it, extensions and all) and
 * what it refuses (JSON that FHIR R4 does not allow, which HAPI alone would read differently from
 * what was sent), each refusal with its path.
 */
class InputReaderTest {

    static final FhirContext FHIR = FhirContext.forR4Cached();
    static final ObjectMapper JSON = new ObjectMapper();
    static final InputReader READER = new InputReader(FHIR);

    static Stream<Path> shippedExamples() throws IOException {
        try (Stream<Path> patients = Files.list(Path.of("examples"));
             Stream<Path> profiles = Files.list(Path.of("fhir-profiles/examples"))) {
            return Stream.concat(patients.toList().stream(), profiles.toList().stream())
                    .filter(file -> file.toString().endsWith(".json") && !file.endsWith("manifest.json"))
                    .sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("shippedExamples")
    void everyExampleTheProjectShips_isRead(Path example) throws Exception {
        assertFalse(READER.read(Files.readAllBytes(example)).isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"order-sign.json", "patient-view.json"})
    void everyResourceOfTheCdsHooksExamples_isRead(String example) throws Exception {
        JsonNode request = JSON.readTree(Path.of("examples/cds-hooks", example).toFile());

        for (JsonNode resource : request.path("prefetch")) {
            assertFalse(READER.read(resource).isEmpty(), resource.path("resourceType").asText());
        }
        if (request.at("/context/draftOrders").isObject()) {
            assertFalse(READER.read(request.at("/context/draftOrders")).isEmpty());
        }
    }

    @Test
    void fhirR4sOwnJson_isRead() throws Exception {
        // the R4 specification's search parameters: 1,375 resources as the spec writes them in JSON
        assertEquals(1375, READER.read(resource("org/hl7/fhir/r4/model/sp/search-parameters.json")).size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"profile/profiles-types.xml", "extension/extension-definitions.xml"})
    void fhirR4sDefinitionsAsHapiWritesThemInJson_areRead(String file) throws Exception {
        // given StructureDefinitions, thick with extensions and primitive extensions, turned to JSON by HAPI
        IBaseResource bundle = FHIR.newXmlParser().parseResource(
                new String(resource("org/hl7/fhir/r4/model/" + file), StandardCharsets.UTF_8));

        assertFalse(READER.read(FHIR.newJsonParser().encodeResourceToString(bundle)).isEmpty());
    }

    @Test
    void oneDocument_isABundleOrAResource_notNdjson() throws Exception {
        String patient = "{\"resourceType\":\"Patient\",\"id\":\"p1\"}";
        String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":" + patient
                + "},{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p2\"}}]}";

        assertTrue(InputReader.oneDocument(READER.read(patient)));
        assertTrue(InputReader.oneDocument(READER.read(bundle)));
        assertFalse(InputReader.oneDocument(READER.read(patient + "\n" + patient.replace("p1", "p2"))), "NDJSON");
        assertFalse(InputReader.oneDocument(READER.read(bundle + "\n" + patient)), "NDJSON with a Bundle");
    }

    @Test
    void aBundleThatIsPartOfASearch_isRefused_notReadAsIfWhole() throws Exception {
        InputReader whole = InputReader.ofWholeInput(FHIR);
        String finding = "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\","
                + "\"code\":{\"text\":\"x\"}}}";
        String outcome = "{\"resource\":{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"%s\","
                + "\"code\":\"%s\"}]},\"search\":{\"mode\":\"outcome\"}}";
        String page = "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",%s\"entry\":[" + finding + "%s]}";
        String nextLink = "\"link\":[{\"relation\":\"next\",\"url\":\"http://h/fhir?page=2\"}],";

        // a next link, an OperationOutcome saying incomplete, too-costly or an error, also in a Bundle within, or on a line
        for (String[] partial : List.of(
                new String[] {page.formatted(nextLink, ""), "Bundle", "is one page of a search: its next page"},
                new String[] {page.formatted("", "," + outcome.formatted("warning", "incomplete")), "Bundle",
                        "saying warning incomplete"},
                new String[] {page.formatted("", "," + outcome.formatted("information", "too-costly")), "Bundle",
                        "saying information too-costly"},
                new String[] {page.formatted("", "," + outcome.formatted("error", "exception")), "Bundle",
                        "saying error exception"},
                new String[] {"{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":"
                        + page.formatted(nextLink, "") + "}]}", "Bundle", "is one page of a search"},
                new String[] {"{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n" + page.formatted(nextLink, ""),
                        "line 2: Bundle", "is one page of a search"})) {
            InputException refused = assertThrows(InputException.class, () -> whole.read(partial[0]), partial[0]);
            assertEquals("PVP-E013", refused.code(), partial[0]);
            assertEquals(partial[1], refused.where(), partial[0]);
            assertTrue(refused.getMessage().contains(partial[2]) && refused.getMessage().contains("send every page"),
                    refused.getMessage());
            if (!partial[0].contains("\n")) {
                assertEquals("PVP-E013", assertThrows(InputException.class, () -> whole.read(StrictJson.one(partial[0])))
                        .code(), "as the operation reads its findings");
                // a server's page, whose next page the fetch reads in turn, is read
                assertFalse(READER.read(StrictJson.one(partial[0])).isEmpty(), "a server's answer");
            }
        }

        // an OperationOutcome that says nothing was left out, and a previous link, leave the page read
        String informational = page.formatted("\"link\":[{\"relation\":\"previous\",\"url\":\"http://h/fhir?p=1\"}],",
                "," + outcome.formatted("information", "informational"));
        assertEquals(2, whole.read(informational).size());
        // nor does an OperationOutcome kept in a collection, which is a record, not a search's word on itself
        assertEquals(2, whole.read(page.formatted("", "," + outcome.formatted("error", "exception")
                .replace(",\"search\":{\"mode\":\"outcome\"}", "")).replace("searchset", "collection")).size());
    }

    @Test
    void aBundleEntryWithoutItsResource_isRefused_notPassedOver() {
        String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":"
                + "{\"resourceType\":\"Patient\",\"id\":\"p1\"}},{\"fullUrl\":\"http://h/fhir/Observation/o1\"}]}";

        InputException refused = assertThrows(InputException.class, () -> READER.read(bundle));

        assertEquals("PVP-E002", refused.code());
        assertEquals("Bundle.entry[1]", refused.where());
        assertTrue(refused.getMessage().contains("has no resource"), refused.getMessage());
    }

    /** Each resource with its id as HAPI holds it (a Bundle entry's fullUrl may become its id), as HAPI encodes it. */
    private static List<String> described(List<InputReader.Entry> entries) {
        return entries.stream().map(entry -> entry.where() + " " + entry.fullUrl() + " "
                + entry.resource().getIdElement().getValue() + " "
                + FHIR.newJsonParser().encodeResourceToString(entry.resource())).toList();
    }

    private static void assertReadAsHapiParsesTheText(String json) throws Exception {
        JsonNode tree = StrictJson.one(json);
        JsonNode before = tree.deepCopy();
        List<InputReader.Entry> fromText = InputReader.entries(
                (org.hl7.fhir.r4.model.Resource) FHIR.newJsonParser().parseResource(json), "the input");

        assertEquals(described(fromText), described(READER.read(json)));
        assertEquals(described(fromText), described(READER.read(tree)));
        assertEquals(before, tree, "HAPI's parse leaves the tree as it was read");
    }

    @ParameterizedTest
    @MethodSource("shippedExamples")
    void hapisParseOfTheTreeAlreadyRead_isItsParseOfTheText(Path example) throws Exception {
        assertReadAsHapiParsesTheText(Files.readString(example));
    }

    @Test
    void hapisParseOfFhirR4sOwnJsonAsATree_isItsParseOfTheText() throws Exception {
        assertReadAsHapiParsesTheText(new String(resource("org/hl7/fhir/r4/model/sp/search-parameters.json"),
                StandardCharsets.UTF_8));
        IBaseResource definitions = FHIR.newXmlParser().parseResource(new String(
                resource("org/hl7/fhir/r4/model/extension/extension-definitions.xml"), StandardCharsets.UTF_8));
        assertReadAsHapiParsesTheText(FHIR.newJsonParser().encodeResourceToString(definitions));
    }

    @Test
    void bundleEntryFullUrlsAsATree_becomeIdsAsHapiMakesThemOfTheText() throws Exception {
        // given entries whose fullUrl is a urn, an absolute URL of the same id or of another, or the only id
        String entry = "{\"fullUrl\": \"%s\", \"resource\": {\"resourceType\": \"Observation\", %s\"status\":"
                + " \"final\", \"code\": {\"text\": \"IVC\"}, \"valueQuantity\": {\"value\": 12.50}}}";
        String bundle = "{\"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": ["
                + String.join(", ", entry.formatted("urn:uuid:0c3a5b5e-3c1b-4c5e-9d3c-1f2e3d4c5b6a", ""),
                entry.formatted("urn:uuid:1c3a5b5e-3c1b-4c5e-9d3c-1f2e3d4c5b6a", "\"id\": \"1c3a5b5e-3c1b-4c5e-9d3c-1f2e3d4c5b6a\", "),
                entry.formatted("https://ehr.example.org/fhir/Observation/a", "\"id\": \"a\", "),
                entry.formatted("https://ehr.example.org/fhir/Observation/b", "\"id\": \"c\", "),
                entry.formatted("https://ehr.example.org/fhir/Observation/d/_history/2", "\"id\": \"d\", "),
                entry.formatted("https://ehr.example.org/fhir/Observation/e", "")) + "]}";

        assertReadAsHapiParsesTheText(bundle);
    }

    @Test
    void extensionsContainedResourcesAndPrimitiveExtensions_areReadWhole() throws Exception {
        List<InputReader.Entry> entries = READER.read(Files.readAllBytes(
                Path.of("src/test/resources/good/observation-with-extensions.json")));

        Observation observation = (Observation) entries.get(0).resource();
        assertEquals(1, entries.size());
        assertTrue(observation.getValueBooleanType().booleanValue());
        assertEquals(1, observation.getValueBooleanType().getExtension().size());
        assertEquals(1, observation.getStatusElement().getExtension().size());
        assertEquals("when", observation.getEffectiveDateTimeType().getId());
        assertEquals(1, observation.getModifierExtension().size());
        assertEquals(4, observation.getExtension().get(0).getExtension().size());
        Practitioner reader = (Practitioner) observation.getContained().get(0);
        assertEquals("CL", reader.getNameFirstRep().getGiven().get(1).getExtension().get(0).getValue().primitiveValue());
        assertEquals("4.50", observation.getComponentFirstRep().getValueQuantity().getValueElement().getValueAsString(),
                "the decimal as sent, with its precision");
    }

    @Test
    void aDecimalInARequest_keepsItsPrecision() throws Exception {
        // given a prefetched Observation as the service reads it, with 12.50 and a 20-digit decimal
        JsonNode observation = StrictJson.one(OBSERVATION.formatted("\"component\": [{\"code\": {\"text\": \"a\"},"
                + " \"valueQuantity\": {\"value\": 12.50}}, {\"code\": {\"text\": \"b\"}, \"valueQuantity\":"
                + " {\"value\": 0.12345678901234567890}}]"));

        Observation read = (Observation) READER.read(observation).get(0).resource();

        assertEquals("12.50", read.getComponent().get(0).getValueQuantity().getValueElement().getValueAsString());
        assertEquals("0.12345678901234567890", read.getComponent().get(1).getValueQuantity().getValueElement()
                .getValueAsString());
    }

    @Test
    void ndjsonWithBlankLinesAndWindowsLineEnds_isRead() throws Exception {
        String a = "{\"resourceType\":\"Observation\",\"id\":\"a\",\"code\":{\"text\":\"IVC\"}}";
        String b = "{\"resourceType\":\"Observation\",\"id\":\"b\",\"code\":{\"text\":\"EPD\"}}";

        List<InputReader.Entry> entries = READER.read(a + "\r\n\r\n" + b + "\r\n");

        assertEquals(List.of("line 1", "line 3"), entries.stream().map(InputReader.Entry::where).toList());
    }

    private static List<InputReader.Entry> readBytes(String text) throws InputException {
        return READER.read(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void ndjsonWithACarriageReturnInsideALine_countsItAsALineBreak_asJsonDoes() {
        String a = "{\"resourceType\":\"Observation\",\"id\":\"a\",\r\"code\":{\"text\":\"IVC\"}}";
        String b = "{\"resourceType\":\"Observation\",\"id\":\"b\",\"code\":{\"text\":\"EPD\"}}";
        String c = "{\"resourceType\":\"Observation\",\"id\":\"c\",\"code\":{\"text\":\"RR\"}}";

        InputException refused = assertThrows(InputException.class, () -> readBytes(b + "\n" + a + "\n" + c));

        assertEquals("[PVP-E006] line 2, column 1: a JSON document spread over lines 2-3 follows another; that is not"
                + " NDJSON, which has each resource on a line of its own: put each resource on a line of its own, or"
                + " send them in a Bundle", refused.render());
    }

    @Test
    void aWordAfterTheDocument_isPointedAtWhereItStarts() {
        String bundle = "{\"resourceType\": \"Bundle\", \"type\": \"collection\"}";

        InputException sameLine = assertThrows(InputException.class, () -> readBytes(bundle + "  garbage\n"));
        InputException lineAfter = assertThrows(InputException.class, () -> readBytes(bundle + "\r\n\r\n \tend"));
        InputException formFeed = assertThrows(InputException.class, () -> readBytes(bundle + " \f"));

        assertTrue(sameLine.render().startsWith("[PVP-E005] line 1, column " + (bundle.length() + 3)
                + ": unexpected content after the end of the JSON document, which ends at line 1, column "
                + bundle.length()), sameLine.render());
        assertTrue(lineAfter.render().startsWith("[PVP-E005] line 3, column 3: "), lineAfter.render());
        // a form feed is no white space in JSON: it is the stray character
        assertTrue(formFeed.render().startsWith("[PVP-E005] line 1, column " + (bundle.length() + 2) + ": "),
                formFeed.render());
        // after NDJSON (two documents or more, a line each), a line that is no JSON is that line's malformed JSON
        InputException ndjsonLine = assertThrows(InputException.class, () -> readBytes(bundle + "\n" + bundle
                + "\nthis is not json\n"));
        assertTrue(ndjsonLine.render().startsWith("[PVP-E001] line 3, column 5: malformed JSON: Unrecognized token 'this'"),
                ndjsonLine.render());
    }

    @Test
    void ndjsonWithAFhirProblemBeforeAJsonProblem_namesTheJsonProblem_asTheWholeTextIsReadAsJsonFirst() {
        String good = "{\"resourceType\": \"Observation\", \"id\": \"a\"}";
        String notFhir = "{\"resourceType\": \"Observation\", \"id\": \"b\", \"valueBoolean\": \"true\"}";
        String notJson = "{\"resourceType\": \"Observation\", \"id\": \"c\",}";

        InputException refused = assertThrows(InputException.class,
                () -> readBytes(good + "\n" + notFhir + "\n" + notJson + "\n"));
        InputException refusedFhir = assertThrows(InputException.class,
                () -> readBytes(good + "\n" + notFhir + "\n" + good.replace("\"a\"", "\"c\"") + "\n"));

        assertEquals("PVP-E001", refused.code());
        assertTrue(refused.render().startsWith("[PVP-E001] line 3, column "), refused.render());
        assertTrue(refusedFhir.render().startsWith("[PVP-E010] line 2, Observation (Observation/b).valueBoolean: is the"
                + " string \"true\""), refusedFhir.render());
    }

    @Test
    void ndjsonWithSeveralLinesRefused_namesTheFirst_andWhichOthers() {
        String good = "{\"resourceType\": \"Observation\", \"id\": \"a\"}";
        String notFhir = "{\"resourceType\": \"Observation\", \"id\": \"b\", \"valueBoolean\": \"true\"}";

        InputException refused = assertThrows(InputException.class,
                () -> readBytes(good + "\n" + notFhir + "\n" + good + "\n" + notFhir + "\n" + notFhir + "\n"));

        assertTrue(refused.render().startsWith("[PVP-E010] line 2, Observation (Observation/b).valueBoolean: is the"
                + " string \"true\""), refused.render());
        assertTrue(refused.render().endsWith(" (2 more refused: line 4 [PVP-E010], line 5 [PVP-E010])"), refused.render());
    }

    @Test
    void ndjsonWithALineCutShort_orLeftUnclosed_saysWhatThatLooksLike() {
        String a = "{\"resourceType\": \"Observation\", \"id\": \"a\", \"status\": \"final\"}";
        String b = "{\"resourceType\": \"Observation\", \"id\": \"b\", \"status\": \"final\"}";

        InputException cut = assertThrows(InputException.class, () -> readBytes(a + "\n" + b.substring(0, 50) + "\n" + a));
        InputException unclosed = assertThrows(InputException.class, () -> readBytes(a + "\n" + b.replace("}", "") + "\n" + a));

        assertTrue(cut.render().startsWith("[PVP-E001] line 2, column "), cut.render());
        assertTrue(cut.render().endsWith("; the line ends inside a string: it was cut short, or a line break in a text is"
                + " not written as \\n"), cut.render());
        assertTrue(unclosed.render().startsWith("[PVP-E001] line 3, column 1: "), unclosed.render());
        assertTrue(unclosed.render().endsWith("; line 2 may end before its object or array is closed"),
                unclosed.render());
    }

    @Test
    void ndjsonWithALineThatIsNotUtf8_isRefusedNamingTheByte_asTheWholeTextIsDecodedFirst() {
        byte[] good = "{\"resourceType\": \"Observation\", \"id\": \"a\"}\n".getBytes(StandardCharsets.UTF_8);
        byte[] bad = "{\"resourceType\": \"Observation\", \"id\": \"b\", \"note\": [{\"text\": \"x\"}]}\n"
                .getBytes(StandardCharsets.UTF_8);
        bad[bad.length - 6] = (byte) 0xF6; // the x
        byte[] input = new byte[good.length + bad.length];
        System.arraycopy(good, 0, input, 0, good.length);
        System.arraycopy(bad, 0, input, good.length, bad.length);

        InputException refused = assertThrows(InputException.class, () -> READER.read(input));

        assertEquals("[PVP-E009] line 2: byte 0xF6 (offset " + (input.length - 6) + ") is not UTF-8: FHIR JSON is UTF-8;"
                + " send the input encoded as UTF-8", refused.render());
    }

    @Test
    void aReplacementCharacterSent_isKept_andABadByteAfterItIsStillNamed() throws Exception {
        // given an Observation whose note holds U+FFFD as sent, in UTF-8
        String sent = "{\"resourceType\": \"Observation\", \"id\": \"a\", \"note\": [{\"text\": \"x\uFFFDy\"}]}\n";
        byte[] input = sent.getBytes(StandardCharsets.UTF_8);

        // then it is read as sent
        Observation read = (Observation) READER.read(input).get(0).resource();
        assertEquals("x\uFFFDy", read.getNoteFirstRep().getText());

        // and with a byte that is not UTF-8 after it, that byte is named where it is
        byte[] bad = (sent + sent.replace("\"a\"", "\"b\"").replace("y\"", "z\"")).getBytes(StandardCharsets.UTF_8);
        int z = bad.length - 6;
        assertEquals('z', bad[z]);
        bad[z] = (byte) 0xF6;
        InputException refused = assertThrows(InputException.class, () -> READER.read(bad));
        assertEquals("[PVP-E009] line 2: byte 0xF6 (offset " + z + ") is not UTF-8: FHIR JSON is UTF-8; send the input"
                + " encoded as UTF-8", refused.render());
    }

    @Test
    void ndjsonOfManyLines_isReadInTheInputsOrder_withEachLinesNumber_aByteOrderMarkLeftOut() throws Exception {
        StringBuilder text = new StringBuilder("\uFEFF");
        for (int i = 1; i <= 2000; i++) {
            text.append(i % 7 == 0 ? "  \t\n" : "").append("{\"resourceType\":\"Observation\",\"id\":\"o")
                    .append(i).append("\",\"code\":{\"text\":\"é ≥ 5%\"}}\n");
        }

        List<InputReader.Entry> entries = readBytes(text.toString());

        assertEquals(2000, entries.size());
        assertNotNull(StrictJson.ndjsonLines(text.substring(1)), "read line by line");
        assertEquals("é ≥ 5%", ((Observation) entries.get(1999).resource()).getCode().getText());
        int line = 0;
        for (int i = 1; i <= 2000; i++) {
            line += i % 7 == 0 ? 2 : 1;
            assertEquals("o" + i, entries.get(i - 1).resource().getIdElement().getIdPart());
            assertEquals("line " + line, entries.get(i - 1).where());
        }
    }

    static final String OBSERVATION = "{\"resourceType\": \"Observation\", \"id\": \"x\", \"code\": {\"text\": \"IVC\"}, %s}";

    private static final String NO_ZONE = ", a time without a time zone, which FHIR R4 requires with a time (HAPI"
            + " would read it in this machine's zone, which can change which of two findings is the later): send ";

    static Stream<Arguments> notFhirR4Json() {
        return Stream.of(
            Arguments.of("\"bodysite\": {\"text\": \"T11\"}", "[PVP-E012] Observation (Observation/x).bodysite: is not"
                    + " an element of Observation in FHIR R4 (did you mean bodySite?): check the name, or send the data"
                    + " as an extension"),
            Arguments.of("\"bodySite\": [{\"text\": \"T11\"}]", "[PVP-E010] Observation (Observation/x).bodySite: is an"
                    + " array, but bodySite does not repeat: send one value, not an array"),
            Arguments.of("\"category\": {\"text\": \"imaging\"}", "[PVP-E010] Observation (Observation/x).category: is"
                    + " an object, but category repeats, so FHIR R4 JSON has it as an array: send it inside [ ]"),
            Arguments.of("\"subject\": \"Patient/cleft\"", "[PVP-E010] Observation (Observation/x).subject: is the"
                    + " string \"Patient/cleft\", but FHIR R4 JSON has a Reference as an object: send an object"),
            Arguments.of("\"effectiveDateTime\": \"2025-13-45\"", "[PVP-E010] Observation (Observation/x)"
                    + ".effectiveDateTime: is \"2025-13-45\", which is not a dateTime of FHIR R4 (Invalid date/time"
                    + " format: \"2025-13-45\"): send a dateTime such as 2025-03-03 or 2025-03-03T10:15:00+01:00"),
            Arguments.of("\"effectiveDateTime\": \"2025-03-03T10:15:00\"", "[PVP-E010] Observation (Observation/x)"
                    + ".effectiveDateTime: is \"2025-03-03T10:15:00\"" + NO_ZONE + "a dateTime such as 2025-03-03 or"
                    + " 2025-03-03T10:15:00+01:00"),
            Arguments.of("\"effectivePeriod\": {\"start\": \"2025-03-03T10:15:00.5\"}", "[PVP-E010] Observation"
                    + " (Observation/x).effectivePeriod.start: is \"2025-03-03T10:15:00.5\"" + NO_ZONE + "a dateTime such"
                    + " as 2025-03-03 or 2025-03-03T10:15:00+01:00"),
            // wrong in another way than its zone: HAPI's reading says what; without seconds, the zone is still missing
            Arguments.of("\"effectiveDateTime\": \"2025-13-03T10:15:00\"", "[PVP-E010] Observation (Observation/x)"
                    + ".effectiveDateTime: is \"2025-13-03T10:15:00\", which is not a dateTime of FHIR R4 (Invalid"
                    + " date/time format: \"2025-13-03T10:15:00\"): send a dateTime such as 2025-03-03 or"
                    + " 2025-03-03T10:15:00+01:00"),
            Arguments.of("\"effectiveDateTime\": \"2025-03-03T10:15\"", "[PVP-E010] Observation (Observation/x)"
                    + ".effectiveDateTime: is \"2025-03-03T10:15\"" + NO_ZONE + "a dateTime such as 2025-03-03 or"
                    + " 2025-03-03T10:15:00+01:00"),
            Arguments.of("\"issued\": \"2025-03-03T10:15:00\"", "[PVP-E010] Observation (Observation/x).issued: is"
                    + " \"2025-03-03T10:15:00\"" + NO_ZONE + "an instant such as 2025-03-03T10:15:00Z"),
            Arguments.of("\"status\": \"done\"", "[PVP-E010] Observation (Observation/x).status: is \"done\", which is"
                    + " not a code of FHIR R4 (Unknown ObservationStatus code 'done'): send a code FHIR R4 allows here"),
            Arguments.of("\"valueInteger\": 1.5", "[PVP-E010] Observation (Observation/x).valueInteger: is the number"
                    + " 1.5, but FHIR R4 JSON has an integer as a whole number, without quotes: send a whole number"),
            Arguments.of("\"valueInteger\": 3000000000", "[PVP-E010] Observation (Observation/x).valueInteger: is"
                    + " \"3000000000\", which is not an integer of FHIR R4 (For input string: \"3000000000\"): send an"
                    + " integer within its range"),
            Arguments.of("\"component\": [{\"code\": {\"text\": \"height\"}, \"valueQuantity\": {\"value\": \"4.5\"}}]",
                    "[PVP-E010] Observation (Observation/x).component[0].valueQuantity.value: is the string \"4.5\", but"
                    + " FHIR R4 JSON has a decimal as a number, without quotes: send 4.5"),
            Arguments.of("\"text\": {\"status\": \"generated\", \"div\": \"<div>unclosed\"}", "[PVP-E010] Observation"
                    + " (Observation/x).text.div: is \"<div>unclosed\", which is not XHTML (String does not"
                    + " appear to be valid XML/XHTML (error is \"Unexpected EOF; was expecting a close tag for element"
                    + " <div> at [row,col {unknown-source}]: [1,13]\"): <div>unclosed): send XHTML in a <div"
                    + " xmlns=\"http://www.w3.org/1999/xhtml\">"),
            Arguments.of("\"extension\": [{\"valueString\": \"a\"}]", "[PVP-E002] Observation (Observation/x)"
                    + ".extension[0]: has no url, but every FHIR R4 extension has one: send the url that defines it"),
            Arguments.of("\"extension\": [{\"url\": \"http://example.org/a\", \"valueString\": \"a\", \"valueBoolean\":"
                    + " true}]", "[PVP-E011] Observation (Observation/x).extension[0].valueBoolean: is a second"
                    + " value[x] beside valueString, but Extension has one value[x]: send only the one meant"),
            Arguments.of("\"extension\": [{\"url\": \"http://example.org/a\", \"valueString\": \"a\", \"extension\":"
                    + " [{\"url\": \"b\", \"valueString\": \"b\"}]}]", "[PVP-E002] Observation (Observation/x)"
                    + ".extension[0]: has both a value[x] and nested extensions, but a FHIR R4 extension has one or the"
                    + " other (ext-1): send one"),
            Arguments.of("\"extension\": {\"url\": \"http://example.org/a\", \"valueString\": \"a\"}", "[PVP-E010]"
                    + " Observation (Observation/x).extension: is an object, but extensions repeat, so FHIR R4 JSON has"
                    + " them as an array: send them inside [ ]"),
            Arguments.of("\"contained\": [{\"resourceType\": \"Patient\"}]", "[PVP-E002] Observation (Observation/x)"
                    + ".contained[0] (Patient): has no id, but FHIR R4 gives each contained resource an id, which the"
                    + " resource refers to as \"#id\": send the id"),
            Arguments.of("\"contained\": [{\"resourceType\": \"Patient\", \"id\": \"p\", \"gender\": 1}]", "[PVP-E010]"
                    + " Observation (Observation/x).contained[0] (Patient/p).gender: is the number 1, but FHIR R4 JSON"
                    + " has a code as a string: send \"1\""),
            Arguments.of("\"valueBoolean\": true, \"_valueBoolean\": \"certain\"", "[PVP-E010] Observation"
                    + " (Observation/x)._valueBoolean: is the string \"certain\", but FHIR R4 JSON has a primitive's id"
                    + " and extensions as an object: send an object"),
            Arguments.of("\"valueBoolean\": true, \"_valueBoolean\": {\"text\": \"certain\"}", "[PVP-E012] Observation"
                    + " (Observation/x)._valueBoolean.text: is not an element of a primitive's extensions in FHIR R4,"
                    + " which hold an id and extensions: check the name, or send the data as an extension"),
            Arguments.of("\"note\": [{\"text\": \"x\", \"authorString\": \"a\", \"authorReference\": {\"reference\":"
                    + " \"Practitioner/p\"}}]", "[PVP-E011] Observation (Observation/x).note[0].authorReference: is a"
                    + " second author[x] beside authorString, but Annotation has one author[x]: send only the one"
                    + " meant"));
    }

    @ParameterizedTest
    @MethodSource("notFhirR4Json")
    void jsonThatFhirR4DoesNotAllow_isRefusedWithItsPath(String elements, String expected) {
        InputException refused = assertThrows(InputException.class, () -> READER.read(OBSERVATION.formatted(elements)));

        assertEquals(expected, refused.render());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2025", "2025-03", "2025-03-03", "2025-03-03T10:15:00Z", "2025-03-03T10:15:00-05:00",
        "2025-03-03T10:15:00.123+01:00"})
    void aDateTimeOfFhirR4_withOrWithoutATimeAndItsZone_isRead(String when) throws Exception {
        Observation read = (Observation) READER.read(OBSERVATION.formatted("\"effectiveDateTime\": \"" + when + "\""))
                .get(0).resource();

        assertEquals(when, read.getEffectiveDateTimeType().getValueAsString());
    }

    @Test
    void aFile_isReadWhole_emptyOrOfManyMegabytes(@TempDir Path dir) throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.ndjson"));
        byte[] large = new byte[5 * (1 << 19) + 7]; // two and a half megabytes: read in three parts
        new java.util.Random(3).nextBytes(large);
        Path file = Files.write(dir.resolve("large.bin"), large);

        assertEquals(0, InputReader.fileBytes(empty).length);
        assertTrue(java.util.Arrays.equals(large, InputReader.fileBytes(file)));
        InputException refused = assertThrows(InputException.class, () -> READER.read(InputReader.fileBytes(empty)));
        assertTrue(refused.render().startsWith("[PVP-E001] the input: is empty"), refused.render());
    }

    @Test
    void aResourceTypeR4DoesNotHave_isRefused() {
        InputException refused = assertThrows(InputException.class,
                () -> READER.read("{\"resourceType\": \"Observatoin\", \"id\": \"x\"}"));

        assertEquals("[PVP-E012] Observatoin (Observatoin/x).resourceType: is \"Observatoin\", which is not a resource"
                + " type of FHIR R4: send FHIR R4 resources", refused.render());
    }

    @Test
    void aKeyTwiceOnTheSecondLineOfNdjson_isNamedWithItsResource() {
        String ndjson = "{\"resourceType\": \"Observation\", \"id\": \"a\", \"valueBoolean\": true}\n"
                + "{\"resourceType\": \"Observation\", \"id\": \"b\", \"valueBoolean\": true, \"valueBoolean\": false}\n";

        InputException refused = assertThrows(InputException.class, () -> READER.read(ndjson));

        assertEquals("[PVP-E007] Observation (Observation/b).valueBoolean: the key \"valueBoolean\" appears twice in"
                + " one JSON object (again on line 2): send it once, with the value meant", refused.render());
    }

    @Test
    void aJsonDocumentSpreadOverLinesAfterNdjson_isRefused() {
        String text = "{\"resourceType\": \"Observation\", \"id\": \"a\"}\n{\"resourceType\": \"Observation\",\n"
                + " \"id\": \"b\"}\n";

        InputException refused = assertThrows(InputException.class, () -> READER.read(text));

        assertEquals("[PVP-E006] line 2, column 1: a JSON document spread over lines 2-3 follows another; that is not"
                + " NDJSON, which has each resource on a line of its own: put each resource on a line of its own, or"
                + " send them in a Bundle", refused.render());
    }

    @Test
    void jacksonsHintsAtItsJavaApi_areNotShown() {
        InputException refused = assertThrows(InputException.class,
                () -> READER.read("{\"resourceType\": \"Observation\", \"valueDecimal\": NaN}"));

        assertEquals("[PVP-E001] line 1, column 52: malformed JSON: Non-standard token 'NaN'", refused.render());
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = InputReaderTest.class.getClassLoader().getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }
}
