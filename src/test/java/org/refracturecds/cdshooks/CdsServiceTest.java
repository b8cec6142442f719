package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.refracturecds.store.Feedback;

import org.refracturecds.fhirin.Codes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The service over a real socket, with the bundled demo settings (no authentication) and prefetch. */
class CdsServiceTest {

    static final Path GOLDEN = Path.of("src/test/resources/golden/cds-hooks");

    @TempDir
    static Path dir;
    static RunningService service;
    static ServerSocket bystander;

    @BeforeAll
    static void start() throws Exception {
        bystander = new ServerSocket(0);
        bystander.setSoTimeout(300);
        service = new RunningService(dir, Map.of("maxBodyBytes", 65536));
    }

    @AfterAll
    static void stop() throws Exception {
        service.close();
        bystander.close();
    }

    @Test
    void discovery_listsEachServiceForEachHookWithItsPrefetch() throws Exception {
        RunningService.Reply reply = service.get("/cds-services");

        assertEquals(200, reply.status());
        String body = RunningService.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(reply.body()) + "\n";
        Path golden = GOLDEN.resolve("discovery.json");
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(GOLDEN);
            Files.writeString(golden, body);
        }
        assertEquals(Files.readString(golden), body);
    }

    @Test
    void orderSign_withPvpOrder_givesOneCardThatShowsItsBasis() throws Exception {
        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-preop", RunningService.example("order-sign.json"));

        assertEquals(200, reply.status(), reply.body().toString());
        JsonNode card = only(reply.body().path("cards"));
        assertEquals("PVP ordered: refracture risk T12 Moderate with favourable technique (19%), 19% to 85% across scenarios",
                card.path("summary").asText());
        assertEquals("warning", card.path("indicator").asText(),
                "the band is the favourable scenario's, Moderate; the unfavourable High is a what-if, never critical");
        String detail = card.path("detail").asText();
        for (String said : List.of("**T12, before PVP: Moderate with favourable technique.**",
                "Cement contacts both endplates, reduction rate 5%: 19%, Moderate (could be anywhere from 1.8% to 76%).",
                "Cement contacts neither endplate, reduction rate 15%: 85%, High (could be anywhere from 29% to 99%).",
                "Under the alternative NPEC order (none, upper, upper and lower, lower) this would be High,"
                        + " under an incidence of 10% High, not Moderate.",
                "**Consider** (3 of 5):\n\n- Consider aiming for cement contact with both endplates",
                "**Missing:** Conditions not sent", "*Limits:* One retrospective study of 93 patients")) {
            assertTrue(detail.contains(said), "the detail says " + said + ":\n" + detail);
        }
        JsonNode risk = card.at("/suggestions/0/actions/0/resource");
        assertTrue(risk.path("basis").toString().contains("Observation/preop-ivc"), "the RiskAssessment holds the basis");
        assertTrue(risk.at("/method/coding/0/version").asText().startsWith("2.0.0+rules."));
        assertEquals("preop/T12/xiong-2021-logistic", risk.at("/identifier/0/value").asText(), "the stable identifier");
        assertEquals("Encounter/enc-1", risk.at("/encounter/reference").asText(), "the hook's encounter");
        assertEquals("ServiceRequest/pvp-order-1", risk.at("/basedOn/reference").asText(), "the PVP order");
        assertEquals("#module", risk.at("/performer/reference").asText());
        assertEquals("Device", risk.at("/contained/0/resourceType").asText(), "the module, as the performer");
        assertUuid(card.path("uuid").asText());
        assertEquals("https://doi.org/10.1186/s12891-021-04355-w", card.path("source").path("url").asText());
        assertEquals("xiong-2021-logistic", card.path("source").path("topic").path("code").asText());
        assertEquals("absolute", card.path("links").path(0).path("type").asText());
        assertEquals("at-most-one", card.path("selectionBehavior").asText());
        JsonNode action = card.path("suggestions").path(0).path("actions").path(0);
        assertEquals("create", action.path("type").asText());
        assertFalse(action.path("description").asText().isEmpty());
        assertEquals("RiskAssessment", action.path("resource").path("resourceType").asText());
        assertUuid(action.path("resource").path("id").asText());
        assertEquals("preliminary", action.path("resource").path("status").asText());
        assertEquals(4, card.path("overrideReasons").size());
        assertFalse(card.path("overrideReasons").path(0).path("display").asText().isEmpty());
    }

    @Test
    void orderSign_withTheCleftNotReported_takesTheLowestFavourableBand_andShowsTheRange() throws Exception {
        ObjectNode request = RunningService.example("order-sign.json");
        ArrayNode entries = (ArrayNode) request.at("/prefetch/findings/entry");
        for (int i = entries.size() - 1; i >= 0; i--) {
            if (entries.get(i).at("/resource/id").asText().equals("preop-ivc")) {
                entries.remove(i);
            }
        }

        JsonNode card = only(service.post("/cds-services/pvp-refracture-preop", request).body().path("cards"));

        assertEquals("PVP ordered: refracture risk T12 Low with favourable technique (0.88% to 19%), 0.88% to 85% across scenarios",
                card.path("summary").asText());
        assertEquals("info", card.path("indicator").asText(), "the lowest band under the favourable scenario, without a cleft");
        assertTrue(card.path("detail").asText().contains("**T12, before PVP: Low with favourable technique.**"
                + " Cement contacts both endplates, reduction rate 5%: 0.88% to 19%, Low to Moderate"), card.path("detail").asText());
        assertTrue(card.path("detail").asText().contains("**Missing:** Intravertebral cleft not reported at T12: 0.88% without"
                + " it, 19% with it; the pre-operative MRI would settle which."), card.path("detail").asText());
    }

    @Test
    void orderSign_aboutTheOrderedLevel_whenFindingsOfAnotherAreOnRecordToo() throws Exception {
        ObjectNode request = withFindingAt("L1", "61032001");

        JsonNode card = only(service.post("/cds-services/pvp-refracture-preop", request).body().path("cards"));

        assertTrue(card.path("summary").asText().startsWith("PVP ordered: refracture risk T12 "), card.path("summary").asText());
        String detail = card.path("detail").asText();
        assertTrue(detail.contains("Ordered: ServiceRequest/pvp-order-1 (T12)."), detail);
        assertTrue(detail.contains("Findings of L1 are on record too; this card is about the level ordered."), detail);
        assertFalse(detail.contains("**L1,"), "L1 is not assessed");
        assertFalse(card.toString().contains("Observation/preop-ivc-l1"), "nor used as a basis");
    }

    @Test
    void orderSign_withoutBodySite_isAboutEveryLevelWithFindings() throws Exception {
        ObjectNode request = withFindingAt("L1", "61032001");
        ((ObjectNode) request.at("/context/draftOrders/entry/0/resource")).remove("bodySite");

        JsonNode card = only(service.post("/cds-services/pvp-refracture-preop", request).body().path("cards"));

        String detail = card.path("detail").asText();
        assertTrue(detail.contains("Ordered: ServiceRequest/pvp-order-1."), detail);
        assertTrue(detail.contains("**T12, before PVP: ") && detail.contains("**L1, before PVP: "), detail);
    }

    @Test
    void orderSign_forALevelWithoutFindings_saysSoInsteadOfAssessingAnother() throws Exception {
        ObjectNode request = RunningService.example("order-sign.json");
        ObjectNode coding = (ObjectNode) request.at("/context/draftOrders/entry/0/resource/bodySite/0/coding/0");
        coding.put("code", "53983007").put("display", "L2");

        JsonNode card = only(service.post("/cds-services/pvp-refracture-preop", request).body().path("cards"));

        assertEquals("info", card.path("indicator").asText());
        assertEquals("PVP ordered at L2: no imaging findings of that level on record", card.path("summary").asText());
        assertTrue(card.path("detail").asText().contains("The imaging findings on record are of T12 only"),
                card.path("detail").asText());
        assertTrue(card.path("suggestions").isMissingNode(), "nothing to file");
    }

    @Test
    void orderSign_ofTwoLevels_oneWithoutFindings_saysSoOnTheCardOfTheOther() throws Exception {
        // given an order of T12 and L2, and findings of T12 alone
        ObjectNode request = RunningService.example("order-sign.json");
        ArrayNode sites = (ArrayNode) request.at("/context/draftOrders/entry/0/resource/bodySite");
        sites.addObject().putArray("coding").addObject().put("system", "http://snomed.info/sct").put("code", "53983007");

        JsonNode card = only(service.post("/cds-services/pvp-refracture-preop", request).body().path("cards"));

        // then the card of T12 says that no risk of L2 is estimated, rather than leave it out unsaid
        String detail = card.path("detail").asText();
        assertTrue(detail.contains("L2 ordered, but no imaging finding of it is on record: no refracture risk of L2 is"
                + " estimated."), detail);
    }

    /** The order-sign example with its IVC Observation repeated at another level. */
    static ObjectNode withFindingAt(String level, String snomed) throws Exception {
        ObjectNode request = RunningService.example("order-sign.json");
        ArrayNode entries = (ArrayNode) request.at("/prefetch/findings/entry");
        ObjectNode copy = entries.get(0).deepCopy();
        ObjectNode observation = (ObjectNode) copy.path("resource");
        observation.put("id", "preop-ivc-" + level.toLowerCase());
        ((ObjectNode) observation.at("/bodySite/coding/0")).put("code", snomed).put("display", level);
        copy.put("fullUrl", copy.path("fullUrl").asText() + "-" + level.toLowerCase());
        entries.add(copy);
        return request;
    }

    @Test
    void orderSign_withoutPvpOrder_givesNoCard() throws Exception {
        ObjectNode request = RunningService.example("order-sign.json");
        ObjectNode order = (ObjectNode) request.at("/context/draftOrders/entry/0/resource");
        order.putObject("code").putArray("coding").addObject().put("system", "http://snomed.info/sct").put("code", "71388002");

        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-preop", request);

        assertEquals(200, reply.status());
        assertEquals("{\"cards\":[]}", reply.body().toString());
    }

    @Test
    void orderSelect_answersOnlyWhenThePvpOrderIsAmongTheSelections() throws Exception {
        ObjectNode request = RunningService.example("order-sign.json").put("hook", "order-select");
        // another draft order, not a PVP, selected alone
        ObjectNode other = request.at("/context/draftOrders/entry/0").deepCopy();
        ((ObjectNode) other.path("resource")).put("id", "other").putObject("code").put("text", "Physiotherapy");
        other.remove("fullUrl");
        ((ArrayNode) request.at("/context/draftOrders/entry")).add(other);
        ((ObjectNode) request.get("context")).putArray("selections").add("ServiceRequest/other");

        assertEquals(0, service.post("/cds-services/pvp-refracture-preop-order-select", request).body().path("cards").size());

        ((ArrayNode) request.at("/context/selections")).add("ServiceRequest/pvp-order-1");
        assertEquals(1, service.post("/cds-services/pvp-refracture-preop-order-select", request).body().path("cards").size());

        // a selection that is none of the draft orders would get no card without a word
        ((ArrayNode) request.at("/context/selections")).add("ServiceRequest/nowhere");
        RunningService.Reply refused = service.post("/cds-services/pvp-refracture-preop-order-select", request);
        assertEquals(400, refused.status());
        assertEquals("context.selections[2]", refused.body().at("/issue/0/expression/0").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"order-select", "order-sign"})
    void draftOrderWithAUrnFullUrl_getsItsCard_basedOnTheOrdersOwnId(String hook) throws Exception {
        // given the PVP order in a Bundle entry whose fullUrl is a urn:uuid, as EHRs send draft orders
        ObjectNode request = RunningService.example("order-sign.json").put("hook", hook);
        ((ObjectNode) request.at("/context/draftOrders/entry/0")).put("fullUrl", "urn:uuid:" + UUID.randomUUID());
        if (hook.equals("order-select")) {
            ((ObjectNode) request.get("context")).putArray("selections").add("ServiceRequest/pvp-order-1");
        }

        // when the hook is called
        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-preop"
                + (hook.equals("order-select") ? "-order-select" : ""), request);

        // then the order gets its card, which names the order by its own id, not by the urn
        assertEquals(200, reply.status(), reply.body().toString());
        JsonNode card = only(reply.body().path("cards"));
        assertTrue(card.path("detail").asText().contains("Ordered: ServiceRequest/pvp-order-1 (T12)."), card.path("detail").asText());
        assertEquals("ServiceRequest/pvp-order-1", card.at("/suggestions/0/actions/0/resource/basedOn/reference").asText(),
                "the RiskAssessment is based on the draft order by its id");
    }

    @ParameterizedTest
    @ValueSource(strings = {"urn:uuid:", ""})
    void orderSign_aPvpOrderWithoutAnId_getsItsCard_namedAsSuch_andBasedOnNothing(String fullUrl) throws Exception {
        // given the PVP draft order without an id, in an entry with a urn:uuid fullUrl or none
        ObjectNode request = RunningService.example("order-sign.json");
        ObjectNode entry = (ObjectNode) request.at("/context/draftOrders/entry/0");
        ((ObjectNode) entry.path("resource")).remove("id");
        if (fullUrl.isEmpty()) {
            entry.remove("fullUrl");
        } else {
            entry.put("fullUrl", fullUrl + UUID.randomUUID());
        }

        // when the surgeon signs it
        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-preop", request);

        // then the card shows the risk and names the order as one without an id, and the RiskAssessment references no order
        assertEquals(200, reply.status(), reply.body().toString());
        JsonNode card = only(reply.body().path("cards"));
        String detail = card.path("detail").asText();
        assertTrue(detail.contains("Ordered: the draft PVP order without an id (T12)."), detail);
        assertFalse(detail.contains("null") || detail.contains("urn:"), detail);
        JsonNode risk = card.at("/suggestions/0/actions/0/resource");
        assertEquals("RiskAssessment", risk.path("resourceType").asText());
        assertTrue(risk.path("basedOn").isMissingNode(), risk.path("basedOn").toString());
    }

    @Test
    void anOrderWithoutAnIdButWithAnAbsoluteFullUrl_isNamedAlike_byOrderSignAndOrderSelect() throws Exception {
        // given the PVP draft order without an id, in an entry whose fullUrl names it on the EHR's server
        ObjectNode request = RunningService.example("order-sign.json");
        ObjectNode entry = (ObjectNode) request.at("/context/draftOrders/entry/0");
        ((ObjectNode) entry.path("resource")).remove("id");
        entry.put("fullUrl", "http://ehr.example.org/fhir/ServiceRequest/by-url-1");

        // when it is signed, and when it is selected by that id
        RunningService.Reply signed = service.post("/cds-services/pvp-refracture-preop", request);
        request.put("hook", "order-select");
        ((ObjectNode) request.get("context")).putArray("selections").add("ServiceRequest/by-url-1");
        RunningService.Reply selected = service.post("/cds-services/pvp-refracture-preop-order-select", request);

        // then both name the order by the id its fullUrl gives it
        assertEquals(200, signed.status(), signed.body().toString());
        assertEquals(200, selected.status(), selected.body().toString());
        for (RunningService.Reply reply : List.of(signed, selected)) {
            assertEquals("ServiceRequest/by-url-1",
                    only(reply.body().path("cards")).at("/suggestions/0/actions/0/resource/basedOn/reference").asText());
        }
    }

    @Test
    void orderSelect_aSelectionWithoutAnId_is400NamingIt() throws Exception {
        // given the PVP draft order without an id, and the selection of its type alone
        ObjectNode request = RunningService.example("order-sign.json").put("hook", "order-select");
        ((ObjectNode) request.at("/context/draftOrders/entry/0/resource")).remove("id");
        ((ObjectNode) request.get("context")).putArray("selections").add("ServiceRequest/");

        // when the order is selected
        RunningService.Reply refused = service.post("/cds-services/pvp-refracture-preop-order-select", request);

        // then the selection is refused, as one that is none of the draft orders is
        assertEquals(400, refused.status(), refused.body().toString());
        assertEquals("PVP-H107", refused.errorCode());
        assertEquals("context.selections[0]", refused.body().at("/issue/0/expression/0").asText());
    }

    @Test
    void anEntrysResourceSentAsNull_is400WithItsPath_notA500() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        ((ArrayNode) request.at("/prefetch/findings/entry")).addObject().putNull("resource");

        RunningService.Reply refused = service.post("/cds-services/pvp-refracture-risk", request);

        assertEquals(400, refused.status(), refused.body().toString());
        assertEquals("PVP-E010", refused.errorCode());
        assertTrue(refused.body().at("/issue/0/expression/0").asText().startsWith("prefetch.findings.entry["),
                refused.body().toString());
    }

    @Test
    void aFieldNamedButForItsCase_is400NamingTheFieldMeant() throws Exception {
        // given the findings under "Findings", and the whole prefetch under "Prefetch"
        ObjectNode findings = RunningService.example("patient-view.json");
        ObjectNode prefetch = (ObjectNode) findings.get("prefetch");
        prefetch.set("Findings", prefetch.remove("findings"));
        ObjectNode whole = RunningService.example("patient-view.json");
        whole.set("Prefetch", whole.remove("prefetch"));

        for (ObjectNode request : List.of(findings, whole)) {
            RunningService.Reply refused = service.post("/cds-services/pvp-refracture-risk", request);

            // then neither is passed over (the findings fetched or said missing): each is refused by its name
            assertEquals(400, refused.status(), refused.body().toString());
            assertEquals("PVP-H100", refused.errorCode());
        }
        ObjectNode context = RunningService.example("patient-view.json");
        ((ObjectNode) context.get("context")).set("patient_id", ((ObjectNode) context.get("context")).remove("patientId"));
        RunningService.Reply misnamed = service.post("/cds-services/pvp-refracture-risk", context);
        assertEquals("PVP-H100", misnamed.errorCode(), misnamed.body().toString());
        assertEquals("context.patient_id", misnamed.body().at("/issue/0/expression/0").asText());
        // a field the service does not read is left alone, however named (draftOrders on patient-view)
        ObjectNode unread = RunningService.example("patient-view.json");
        ((ObjectNode) unread.get("context")).putObject("draft_orders");
        assertEquals(200, service.post("/cds-services/pvp-refracture-risk", unread).status());

        RunningService.Reply refused = service.post("/cds-services/pvp-refracture-risk", findings);
        assertEquals("prefetch.Findings", refused.body().at("/issue/0/expression/0").asText());
        assertTrue(refused.body().at("/issue/0/details/text").asText().endsWith("send it as prefetch.findings"),
                refused.body().toString());
    }

    @Test
    void patientView_afterPvp_givesTheFullAssessment() throws Exception {
        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk", RunningService.example("patient-view.json"));

        JsonNode card = only(reply.body().path("cards"));
        assertEquals("After PVP: refracture risk T11 57% (High)", card.path("summary").asText());
        assertEquals("critical", card.path("indicator").asText(), "an observed High");
        assertEquals("final", card.at("/suggestions/0/actions/0/resource/status").asText());
        assertTrue(card.path("detail").asText().contains("**T11, after PVP: 57%, High.** Could be anywhere from 10% to 94%."),
                card.path("detail").asText());
        assertTrue(card.at("/suggestions/0/actions/0/resource/basis").toString().contains("Observation/cleft-npec"));
    }

    @Test
    void patientView_highOnlyWithAnAssumedCleft_isAWarningNotCritical() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        ArrayNode entries = (ArrayNode) request.at("/prefetch/findings/entry");
        for (int i = entries.size() - 1; i >= 0; i--) {
            if (entries.get(i).at("/resource/id").asText().equals("cleft-ivc")) {
                entries.remove(i);
            }
        }

        JsonNode card = only(service.post("/cds-services/pvp-refracture-risk", request).body().path("cards"));

        assertEquals("After PVP: refracture risk T11 4.6% to 57% (up to High)", card.path("summary").asText());
        assertEquals("warning", card.path("indicator").asText(), "High only if the unreported cleft is present");
    }

    @Test
    void patientView_reductionRateOutsideTheStudy_saysSoAtTheEndOfTheSummary_andWhyInTheDetail() throws Exception {
        // given after PVP with the vertebra 50 percentage points lower than before (PVP-A101, PVP-A102)
        ObjectNode request = RunningService.example("patient-view.json");
        for (JsonNode entry : request.at("/prefetch/findings/entry")) {
            if (entry.at("/resource/id").asText().equals("cleft-rr")) {
                ((ObjectNode) entry.at("/resource/valueQuantity")).put("value", -50);
            }
        }

        JsonNode card = only(service.post("/cds-services/pvp-refracture-risk", request).body().path("cards"));

        String summary = card.path("summary").asText();
        // estimated at RR 0, not followed down the model's straight line into a Low (rules/pipeline.drl)
        assertEquals("After PVP: refracture risk T11 25% (High) (outside the study: see detail)", summary);
        assertTrue(summary.length() < 140);
        String firstParagraph = card.path("detail").asText().split("\n\n")[0];
        assertTrue(firstParagraph.endsWith(" **Less certain than its interval says:** the input is outside the study's"
                + " patients (PVP-A101 T11, PVP-A102 T11)."), firstParagraph);
    }

    @Test
    void patientView_pvpOnRecordWithoutPostOperativeFindings_isBandedAfterPvp_notAtTheFavourableTechnique()
            throws Exception {
        // given a PVP on record, no cleft, no endplate disruption, and no post-operative film read yet
        ObjectNode request = RunningService.example("patient-view.json");
        ArrayNode entries = (ArrayNode) request.at("/prefetch/findings/entry");
        for (int i = entries.size() - 1; i >= 0; i--) {
            String id = entries.get(i).at("/resource/id").asText();
            if (id.equals("cleft-ivc")) {
                ((ObjectNode) entries.get(i).path("resource")).put("valueBoolean", false);
            } else if (!id.equals("cleft-epd")) {
                entries.remove(i);
            }
        }

        JsonNode card = only(service.post("/cds-services/pvp-refracture-risk", request).body().path("cards"));

        // then the band is the highest of the technique scenarios (the cement is in), and no advice on technique
        String detail = card.path("detail").asText();
        assertTrue(card.path("summary").asText().contains("(up to Moderate)"), card.path("summary").asText());
        assertEquals("warning", card.path("indicator").asText());
        assertTrue(detail.contains("T11, after PVP"), detail);
        assertFalse(detail.contains("favourable technique"), detail);
        assertFalse(detail.contains("aim for"), detail);
        assertTrue(detail.contains("Procedure/pvp-1 (2025-03-05)"), detail);
    }

    @Test
    void patientView_pvpOnRecordWithoutFindings_saysWhatIsMissing() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        ObjectNode findings = (ObjectNode) request.at("/prefetch/findings");
        findings.putArray("entry");
        findings.put("total", 0);

        JsonNode card = only(service.post("/cds-services/pvp-refracture-risk", request).body().path("cards"));

        assertEquals("info", card.path("indicator").asText());
        assertTrue(card.path("summary").asText().contains("Procedure/pvp-1 (2025-03-05)"), card.path("summary").asText());
        assertTrue(card.path("detail").asText().contains("intravertebral cleft"));
        assertTrue(card.path("suggestions").isMissingNode(), "nothing to file");
    }

    @Test
    void patientView_aPvpOfALevelWithoutFindings_doesNotCallTheOtherLevelAfterPvp() throws Exception {
        // given pre-operative findings of T11 only, and the PVP on record of L1
        ObjectNode request = RunningService.example("patient-view.json");
        ((ArrayNode) request.at("/prefetch/findings/entry")).removeIf(entry -> entry.at("/resource/id").asText()
                .matches("cleft-(npec|rr)"));
        ((ObjectNode) request.at("/prefetch/procedures/entry/0/resource")).putArray("bodySite").addObject()
                .putArray("coding").addObject().put("system", "http://snomed.info/sct").put("code", "61032001");

        JsonNode card = only(service.post("/cds-services/pvp-refracture-risk", request).body().path("cards"));

        // then the card says the treated level has no findings, and gives T11 no after-PVP estimate
        assertEquals("info", card.path("indicator").asText());
        assertEquals("PVP on record of a level without imaging findings: no refracture risk of it estimated",
                card.path("summary").asText());
        String detail = card.path("detail").asText();
        assertTrue(detail.startsWith("PVP on record: Procedure/pvp-1 (2025-03-05) treated L1, of which no finding is"
                + " here"), detail);
        assertTrue(detail.contains("The imaging findings on record are of T11, which no PVP on record treated."), detail);
        assertFalse(detail.contains("After PVP"), detail);
    }

    @Test
    void orderSign_ofTwoLevels_oneWithoutFindings_isOutsideTheStudy() throws Exception {
        // given the PVP order of T12 and L1, with findings of T12 only
        ObjectNode request = RunningService.example("order-sign.json");
        ((ArrayNode) request.at("/context/draftOrders/entry/0/resource/bodySite")).addObject().putArray("coding").addObject()
                .put("system", "http://snomed.info/sct").put("code", "61032001");

        JsonNode card = only(service.post("/cds-services/pvp-refracture-preop", request).body().path("cards"));

        // then the card is about T12, says L1 has no findings, and that a two-level PVP is outside the study
        assertTrue(card.path("summary").asText().endsWith(CardWriter.OUTSIDE_STUDY), card.path("summary").asText());
        String detail = card.path("detail").asText();
        assertTrue(detail.contains("L1 ordered, but no imaging finding of it is on record"), detail);
        assertTrue(detail.contains("PVP-A103"), detail);
        String notes = card.at("/suggestions/0/actions/0/resource/note").toString();
        assertTrue(notes.contains("[PVP-A103] patient: PVP at L1, T12.") || notes.contains("[PVP-A103] patient: PVP at T12, L1."),
                notes);
    }

    @Test
    void orderSign_atALevelAPvpOnRecordTreated_saysItWasTreatedBefore() throws Exception {
        // given the PVP order of T12, pre-operative findings of T12, and a PVP of T12 already on record
        ObjectNode request = RunningService.example("order-sign.json");
        ObjectNode procedure = (ObjectNode) RunningService.example("patient-view.json").at("/prefetch/procedures").deepCopy();
        ObjectNode done = (ObjectNode) procedure.at("/entry/0/resource");
        done.putObject("subject").put("reference", "Patient/preop");
        done.set("bodySite", request.at("/context/draftOrders/entry/0/resource/bodySite").deepCopy());
        ((ObjectNode) request.get("prefetch")).set("procedures", procedure);

        JsonNode card = only(service.post("/cds-services/pvp-refracture-preop", request).body().path("cards"));

        // then the card says T12 was treated before, and assesses it as after PVP
        assertTrue(card.path("summary").asText().startsWith("PVP ordered at a level treated before: refracture risk T12"),
                card.path("summary").asText());
        assertTrue(card.path("detail").asText().contains("T12 was treated by PVP before"), card.path("detail").asText());
        assertTrue(card.at("/suggestions/0/actions/0/resource/note").toString().contains("[PVP-I111] T12"),
                card.at("/suggestions/0/actions/0/resource/note").toString());
    }

    @Test
    void orderSign_atALevelWithPostOperativeFindings_saysItWasTreatedBefore() throws Exception {
        // given the PVP order of T12, and post-operative findings of T12 already on record (a repeat PVP)
        ObjectNode request = RunningService.example("order-sign.json");
        ArrayNode findings = (ArrayNode) request.at("/prefetch/findings/entry");
        JsonNode site = findings.get(0).at("/resource/bodySite");
        for (JsonNode entry : RunningService.example("patient-view.json").at("/prefetch/findings/entry")) {
            ObjectNode resource = (ObjectNode) entry.path("resource");
            String id = resource.path("id").asText();
            if (id.equals("cleft-npec") || id.equals("cleft-rr")) {
                resource.put("id", id.replace("cleft", "preop")).set("bodySite", site.deepCopy());
                resource.putObject("subject").put("reference", "Patient/preop");
                findings.addObject().put("fullUrl", "https://ehr.example.org/fhir/Observation/" + resource.path("id").asText())
                        .set("resource", resource);
            }
        }

        JsonNode card = only(service.post("/cds-services/pvp-refracture-preop", request).body().path("cards"));

        // then the card says the level was treated before, and that its estimate is of that cement
        assertTrue(card.path("summary").asText().startsWith("PVP ordered at a level treated before: refracture risk T12"),
                card.path("summary").asText());
        String detail = card.path("detail").asText();
        assertTrue(detail.contains("T12 was treated by PVP before: its estimate is of the earlier cement, not of the PVP"
                + " ordered, and the study enrolled no patient with a PVP before (PVP-A108)."), detail);
        assertTrue(card.path("summary").asText().endsWith(CardWriter.OUTSIDE_STUDY), card.path("summary").asText());
        assertTrue(card.at("/suggestions/0/actions/0/resource/note").toString().contains("[PVP-A108] T12: was treated by PVP"
                + " before (its post-operative findings, findings of cement in it, or a PVP on record of it)"), card.at("/suggestions/0/actions/0/resource/note").toString());
    }

    @Test
    void patientView_manyUnusableFindings_giveAShortCard_thatNamesThePvpOnRecord() throws Exception {
        // given 45 findings, none of a vertebra the module knows ("T 11"), and the PVP on record
        ObjectNode request = RunningService.example("patient-view.json");
        ArrayNode entries = (ArrayNode) request.at("/prefetch/findings/entry");
        List<JsonNode> originals = new ArrayList<>();
        entries.forEach(originals::add);
        entries.removeAll();
        for (int i = 0; i < 9; i++) {
            for (JsonNode original : originals) {
                ObjectNode resource = (ObjectNode) original.path("resource").deepCopy();
                resource.put("id", resource.path("id").asText() + "-" + i);
                resource.putObject("bodySite").put("text", "T 11");
                entries.addObject().put("fullUrl", "https://ehr.example.org/fhir/Observation/" + resource.path("id").asText())
                        .set("resource", resource);
            }
        }

        JsonNode card = only(service.post("/cds-services/pvp-refracture-risk", request).body().path("cards"));

        // then the card says why in a length a sidebar shows, and names the PVP on record
        assertEquals("Refracture risk not assessed: the imaging findings on record could not be used",
                card.path("summary").asText());
        String detail = card.path("detail").asText();
        assertTrue(detail.length() <= 1500, detail.length() + ": " + detail);
        assertTrue(detail.startsWith("A PVP is on record (Procedure/pvp-1 (2025-03-05)). The patient "), detail);
        assertTrue(detail.contains("; and others left out alike."), detail);
    }

    @Test
    void patientView_noPvpAndNoFindings_givesNoCard() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        ((ObjectNode) request.at("/prefetch/findings")).putArray("entry");
        ((ObjectNode) request.at("/prefetch/procedures")).putArray("entry");

        assertEquals("{\"cards\":[]}", service.post("/cds-services/pvp-refracture-risk", request).body().toString());
    }

    @Test
    void malformedJson_is400WithLineAndColumn() throws Exception {
        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk", "{\"hook\": \"patient-view\",\n  oops}");

        assertEquals(400, reply.status());
        assertEquals("OperationOutcome", reply.body().path("resourceType").asText());
        assertEquals("PVP-H101", reply.errorCode());
        assertTrue(reply.body().at("/issue/0/expression/0").asText().startsWith("line 2, column"));
    }

    @Test
    void wrongHook_is400NamingTheHooksServed() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json").put("hook", "order-sign");

        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk", request);

        assertEquals(400, reply.status());
        assertEquals("PVP-H102", reply.errorCode());
        assertTrue(reply.body().at("/issue/0/details/text").asText().contains("patient-view and encounter-discharge"));
    }

    @Test
    void hostileFields_are400WithTheirPath() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        ((ObjectNode) request.get("context")).put("patientId", "cleft/../../admin?x=1");
        assertEquals("context.patientId", service.post("/cds-services/pvp-refracture-risk", request).body().at("/issue/0/expression/0").asText());

        request = RunningService.example("patient-view.json").put("hookInstance", "<script>");
        assertEquals("PVP-H103", service.post("/cds-services/pvp-refracture-risk", request).errorCode());

        request = RunningService.example("patient-view.json");
        request.putObject("fhirAuthorization").put("access_token", "secret").put("token_type", "Bearer");
        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk", request);
        assertEquals("fhirServer", reply.body().at("/issue/0/expression/0").asText());
        assertFalse(reply.raw().body().contains("secret"), "the token is never echoed");

        // a token that would end the header it is sent in, or fields of the wrong type
        request = RunningService.example("patient-view.json").put("fhirServer", "https://ehr.example.org/fhir");
        request.putObject("fhirAuthorization").put("access_token", "abc\r\nX-Evil: injected").put("token_type", "Bearer");
        assertEquals("fhirAuthorization.access_token", service.post("/cds-services/pvp-refracture-risk", request)
                .body().at("/issue/0/expression/0").asText());
        request.putObject("fhirAuthorization").put("access_token", "abc").put("token_type", "Bearer").put("expires_in", "300");
        assertEquals("fhirAuthorization.expires_in", service.post("/cds-services/pvp-refracture-risk", request)
                .body().at("/issue/0/expression/0").asText());
    }

    @Test
    void anotherPatientsObservation_isRefused() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        ((ObjectNode) request.at("/prefetch/findings/entry/0/resource/subject")).put("reference", "Patient/someone-else");

        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk", request);

        assertEquals(400, reply.status());
        assertEquals("PVP-H109", reply.errorCode());
        assertTrue(reply.body().at("/issue/0/expression/0").asText().startsWith("prefetch.findings.entry[0]"));
    }

    @Test
    void hugeBody_is413() throws Exception {
        String huge = "{\"hook\":\"patient-view\",\"pad\":\"" + "x".repeat(70_000) + "\"}";

        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk", huge);

        assertEquals(413, reply.status());
        assertEquals("PVP-H413", reply.errorCode());
    }

    @Test
    void unknownService_is404() throws Exception {
        RunningService.Reply reply = service.post("/cds-services/no-such-service", RunningService.example("patient-view.json"));

        assertEquals(404, reply.status());
        assertEquals("OperationOutcome", reply.body().path("resourceType").asText());
    }

    @Test
    void missingPrefetchWithoutFhirServer_is412() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        ((ObjectNode) request.get("prefetch")).putNull("findings");

        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk", request);

        assertEquals(412, reply.status());
        assertEquals("prefetch.findings", reply.body().at("/issue/0/expression/0").asText());
    }

    @Test
    void prefetchComplete_withAFhirServerNotAllowlisted_givesTheCard() throws Exception {
        // given the bundled settings (no fhirServers) and a call as EHRs send it: fhirServer with its
        // token, and the prefetch complete (conditions, optional, left out)
        ObjectNode request = RunningService.example("patient-view.json");
        request.put("fhirServer", "https://ehr.example.org/fhir");
        request.putObject("fhirAuthorization").put("access_token", "t").put("token_type", "Bearer");

        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk", request);

        // then nothing needs fetching, so nothing is refused
        assertEquals(200, reply.status(), reply.body().toString());
        assertEquals("After PVP: refracture risk T11 57% (High)", only(reply.body().path("cards")).path("summary").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:%d/fhir", "http://localhost:%d", "http://169.254.169.254/latest/meta-data",
            "file:///etc/passwd", "http://[::1]:%d/", "gopher://127.0.0.1:%d/"})
    void fhirServerNotOnTheAllowlist_isRefusedWithoutConnecting(String target) throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        ((ObjectNode) request.get("prefetch")).remove("findings");
        request.put("fhirServer", target.formatted(bystander.getLocalPort()));
        request.putObject("fhirAuthorization").put("access_token", "t").put("token_type", "Bearer");

        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk", request);

        assertEquals(403, reply.status());
        assertEquals("PVP-H301", reply.errorCode());
        try {
            bystander.accept().close();
            throw new AssertionError("the service connected to " + target);
        } catch (SocketTimeoutException expected) {
            // no connection was made
        }
    }

    @Test
    void feedback_isValidatedAndStored() throws Exception {
        String card = UUID.randomUUID().toString();
        ObjectNode body = RunningService.JSON.createObjectNode();
        ObjectNode item = body.putArray("feedback").addObject().put("card", card).put("outcome", "overridden")
                .put("outcomeTimestamp", "2026-01-15T09:30:00Z");
        item.putObject("overrideReason").put("userComment", "MRI from last year")
                .putObject("reason").put("system", CardWriter.OVERRIDE_REASONS).put("code", "findings-outdated");

        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk/feedback", body);

        assertEquals(200, reply.status(), reply.body().toString());
        assertTrue(service.server.feedback().read("pvp-refracture-risk").stream().anyMatch(f -> f.card().equals(card)
                && f.overrideCode().equals("findings-outdated")));

        item.put("outcome", "maybe");
        RunningService.Reply bad = service.post("/cds-services/pvp-refracture-risk/feedback", body);
        assertEquals(400, bad.status());
        assertEquals("feedback[0].outcome", bad.body().at("/issue/0/expression/0").asText());

        // an outcome no clinician can have had: years ahead, or before any CDS Hooks card
        item.put("outcome", "overridden");
        for (String when : new String[] {"+99999-03-03T10:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"}) {
            item.put("outcomeTimestamp", when);
            RunningService.Reply impossible = service.post("/cds-services/pvp-refracture-risk/feedback", body);
            assertEquals(400, impossible.status(), when);
            assertTrue(impossible.body().at("/issue/0/details/text").asText().startsWith("[PVP-H605]"
                    + " feedback[0].outcomeTimestamp: is "), impossible.body().toString());
        }
    }

    @Test
    void feedbackWithMoreThan108AcceptedSuggestions_isStored_notA500() throws Exception {
        String card = UUID.randomUUID().toString();
        ObjectNode body = RunningService.JSON.createObjectNode();
        ArrayNode suggestions = body.putArray("feedback").addObject().put("card", card).put("outcome", "accepted")
                .put("outcomeTimestamp", "2026-01-15T09:30:00Z").putArray("acceptedSuggestions");
        for (int i = 0; i < 500; i++) {
            suggestions.addObject().put("id", UUID.randomUUID().toString());
        }

        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk/feedback", body);

        assertEquals(200, reply.status(), reply.body().toString());
        assertTrue(service.server.feedback().read("pvp-refracture-risk").stream()
                .anyMatch(f -> f.card().equals(card) && f.acceptedSuggestions().size() == 500));
    }

    @Test
    void feedbackComment_isMeasuredInCharacters_notUtf16Units() throws Exception {
        // given comments of 2,000 and 2,001 characters outside the Basic Multilingual Plane (two UTF-16 units each)
        String bone = new String(Character.toChars(0x1F9B4));
        ObjectNode body = RunningService.JSON.createObjectNode();
        ObjectNode item = body.putArray("feedback").addObject().put("card", UUID.randomUUID().toString())
                .put("outcome", "overridden").put("outcomeTimestamp", "2026-01-15T09:30:00Z");
        ObjectNode reason = item.putObject("overrideReason");
        reason.putObject("reason").put("system", CardWriter.OVERRIDE_REASONS).put("code", "not-applicable");

        // when
        reason.put("userComment", bone.repeat(2000));
        RunningService.Reply accepted = service.post("/cds-services/pvp-refracture-risk/feedback", body);
        reason.put("userComment", bone.repeat(2001));
        RunningService.Reply refused = service.post("/cds-services/pvp-refracture-risk/feedback", body);

        // then
        assertEquals(200, accepted.status(), accepted.body().toString());
        assertEquals(400, refused.status());
        assertEquals("[PVP-H604] feedback[0].overrideReason.userComment: must be text of at most 2000 characters",
                refused.body().at("/issue/0/details/text").asText());
    }

    @Test
    void unknownServiceWithALongName_isCutBetweenCharacters() throws Exception {
        // given a service id of "a" and 100 characters of two UTF-16 units each: a cut at 80 units splits one
        String id = "a" + new String(Character.toChars(0x1F9B4)).repeat(100);

        RunningService.Reply reply = service.post("/cds-services/" + java.net.URLEncoder.encode(id, "UTF-8"),
                RunningService.example("patient-view.json"));

        assertEquals(404, reply.status());
        String text = reply.body().at("/issue/0/details/text").asText();
        assertTrue(text.contains("'" + id.substring(0, id.offsetByCodePoints(0, 80)) + "...'"), text);
    }

    @Test
    void summary_isShortenedByCharacters_notUtf16Units() {
        String bone = new String(Character.toChars(0x1F9B4));

        assertEquals(bone.repeat(139), CardWriter.shorten(bone.repeat(139)), "139 characters fit");
        assertEquals(bone.repeat(138) + "\u2026", CardWriter.shorten(bone.repeat(140)));
    }

    @Test
    void npecCodingWithoutCode_isLeftOutAndNamed_neverA500() throws Exception {
        // given the NPEC Observation whose coding has a system but no code
        ObjectNode request = RunningService.example("patient-view.json");
        for (JsonNode entry : request.at("/prefetch/findings/entry")) {
            if (entry.at("/resource/id").asText().equals("cleft-npec")) {
                ((ObjectNode) entry.at("/resource/valueCodeableConcept/coding/0")).remove("code");
            }
        }

        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk", request);

        assertEquals(200, reply.status(), reply.body().toString());
        JsonNode card = only(reply.body().path("cards"));
        String notes = card.at("/suggestions/0/actions/0/resource/note").toString();
        assertTrue(notes.contains("Observation/cleft-npec") && notes.contains("is not an NPEC pattern")
                && notes.contains(Codes.NPEC_PATTERN + "|(no code)"), notes);
        assertTrue(card.path("detail").asText().contains("Cement-endplate contact (NPEC) not used (Observation/cleft-npec, PVP-E105)."),
                card.path("detail").asText());
    }

    @Test
    void npecCodingWithAnEmptyCode_is400() throws Exception {
        ObjectNode request = RunningService.example("patient-view.json");
        for (JsonNode entry : request.at("/prefetch/findings/entry")) {
            if (entry.at("/resource/id").asText().equals("cleft-npec")) {
                ((ObjectNode) entry.at("/resource/valueCodeableConcept/coding/0")).put("code", "");
            }
        }

        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk", request);

        assertEquals(400, reply.status(), reply.body().toString());
        assertEquals("PVP-E002", reply.errorCode());
    }

    @Test
    void feedback_isStillThereAfterARestart(@TempDir Path own) throws Exception {
        String card = UUID.randomUUID().toString();
        ObjectNode body = RunningService.JSON.createObjectNode();
        body.putArray("feedback").addObject().put("card", card).put("outcome", "accepted")
                .put("outcomeTimestamp", "2026-01-15T09:30:00+01:00")
                .putArray("acceptedSuggestions").addObject().put("id", UUID.randomUUID().toString());
        try (RunningService first = new RunningService(own, Map.of())) {
            assertEquals(200, first.post("/cds-services/pvp-refracture-preop/feedback", body).status());
        }

        try (RunningService second = new RunningService(own, Map.of())) {
            List<Feedback> stored = second.server.feedback().read("pvp-refracture-preop");
            assertEquals(1, stored.size());
            assertEquals(card, stored.get(0).card());
            assertEquals("accepted", stored.get(0).outcome());
            assertEquals(1, stored.get(0).acceptedSuggestions().size());
        }
    }

    @Test
    void corsPreflight_isAnswered() throws Exception {
        RunningService.Reply reply = service.send(HttpRequest.newBuilder(URI.create(service.base + "/cds-services/pvp-refracture-risk"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://ehr.example.org")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type"));

        assertEquals(200, reply.status());
        assertNotNull(reply.header("Access-Control-Allow-Origin"));
    }

    static JsonNode only(JsonNode cards) {
        assertEquals(1, cards.size(), cards.toString());
        return cards.get(0);
    }

    static void assertUuid(String text) {
        assertEquals(text, UUID.fromString(text).toString());
    }
}
