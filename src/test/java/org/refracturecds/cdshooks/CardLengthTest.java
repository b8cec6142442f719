package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Every example patient sent to both services, each card measured ({@link CardChecks}, which
 * checks every card of every test): before PVP for every level with findings, and after PVP.
 */
class CardLengthTest {

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

    @ParameterizedTest
    @ValueSource(strings = {"cleft-no-endplate-contact.json", "no-risk-factors.json", "pre-op-only.json",
            "rr-from-compression-ratios.json", "several-levels.json"})
    void eachExamplePatient_getsShortPlainCards_fromBothServices(String example) throws Exception {
        ObjectNode findings = (ObjectNode) RunningService.JSON.readTree(Files.readString(Path.of("examples", example)));
        String patient = findings.findValues("subject").stream().map(s -> s.path("reference").asText())
                .filter(r -> r.startsWith("Patient/")).findFirst().orElseThrow().substring("Patient/".length());

        JsonNode preop = card(service.post("/cds-services/pvp-refracture-preop", orderSign(patient, findings)));
        ObjectNode risk = RunningService.example("patient-view.json");
        risk.with("context").put("patientId", patient);
        risk.with("prefetch").set("findings", findings);
        risk.with("prefetch").remove("patient");
        risk.with("prefetch").putObject("procedures").put("resourceType", "Bundle").put("type", "searchset").putArray("entry");
        RunningService.Reply afterPvp = service.post("/cds-services/pvp-refracture-risk", risk);
        assertEquals(200, afterPvp.status(), afterPvp.body().toString());

        assertTrue(CardChecks.length(preop) <= CardChecks.ONE_LEVEL + CardChecks.EACH_MORE_LEVEL * (CardChecks.levels(preop) - 1));
        assertTrue(CardChecks.levels(preop) >= 1, preop.path("detail").asText());
        System.out.printf("card length %-34s before PVP %4d characters, %d level(s)%n", example, CardChecks.length(preop),
                CardChecks.levels(preop));
        for (JsonNode card : afterPvp.body().path("cards")) {
            System.out.printf("card length %-34s after PVP  %4d characters, %d level(s)%n", example, CardChecks.length(card),
                    CardChecks.levels(card));
        }
        assertFalse(preop.path("detail").asText().contains("| Factor |"), "no log-odds table on the card");
    }

    @Test
    void aLongDisplayInTheInput_isCutOnTheCard_notSpentOfItsLength() throws Exception {
        // given the bundled order-sign call with a second PVP order whose site is 20,000 characters of words
        ObjectNode request = RunningService.example("order-sign.json");
        ArrayNode orders = (ArrayNode) request.at("/context/draftOrders/entry");
        ObjectNode second = orders.get(0).deepCopy();
        ObjectNode order = (ObjectNode) second.path("resource");
        order.put("id", "pvp-order-2");
        String words = "T12 ".repeat(5000);
        order.putArray("bodySite").addObject().put("text", words).putArray("coding").addObject()
                .put("system", "http://example.org/sites").put("code", "x").put("display", words);
        if (second.has("fullUrl")) {
            second.put("fullUrl", second.path("fullUrl").asText().replace("pvp-order-1", "pvp-order-2"));
        }
        orders.add(second);

        JsonNode card = card(service.post("/cds-services/pvp-refracture-preop", request));

        assertTrue(CardChecks.length(card) <= CardChecks.ONE_LEVEL + CardChecks.EACH_MORE_LEVEL * (CardChecks.levels(card) - 1),
                CardChecks.length(card) + " characters");
        assertTrue(card.path("detail").asText().contains("\u2026"), card.path("detail").asText());
    }

    /** The bundled order-sign request for {@code patient}, its PVP order naming no level, with {@code findings}. */
    private static ObjectNode orderSign(String patient, ObjectNode findings) throws IOException {
        ObjectNode request = RunningService.example("order-sign.json");
        request.with("context").put("patientId", patient);
        ObjectNode order = (ObjectNode) request.at("/context/draftOrders/entry/0/resource");
        order.remove("bodySite");
        order.with("subject").put("reference", "Patient/" + patient);
        request.with("prefetch").remove("patient");
        request.with("prefetch").set("findings", findings);
        return request;
    }

    private static JsonNode card(RunningService.Reply reply) {
        assertEquals(200, reply.status(), reply.body().toString());
        ArrayNode cards = (ArrayNode) reply.body().path("cards");
        assertEquals(1, cards.size(), cards.toString());
        return cards.get(0);
    }
}
