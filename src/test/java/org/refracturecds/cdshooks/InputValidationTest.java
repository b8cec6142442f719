package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The setting validation: warn lists profile problems in the card, strict refuses the input, off ignores them. */
class InputValidationTest {

    @TempDir
    Path dir;

    /** order-sign whose IVC Observation also carries a code the findings CodeSystem does not define. */
    static ObjectNode withUnknownCode() throws Exception {
        ObjectNode request = RunningService.example("order-sign.json");
        ArrayNode codings = (ArrayNode) request.at("/prefetch/findings/entry/0/resource/code/coding");
        codings.addObject().put("system", "https://fhir.refracture-cds.org/CodeSystem/pvp-findings").put("code", "ivc-old");
        return request;
    }

    private RunningService.Reply post(String validation, ObjectNode request) throws Exception {
        try (RunningService service = new RunningService(dir.resolve(validation), Map.of("validation", validation))) {
            return service.post("/cds-services/pvp-refracture-preop", request);
        }
    }

    @Test
    void warn_listsTheProblemInTheCard_andStillAssesses() throws Exception {
        RunningService.Reply reply = post("warn", withUnknownCode());

        assertEquals(200, reply.status(), reply.body().toString());
        JsonNode card = CdsServiceTest.only(reply.body().path("cards"));
        String detail = card.path("detail").asText();
        assertTrue(detail.contains("**Check:** ") && detail.contains("ivc-old") && detail.contains(": does not conform to its"
                + " profile"), detail);
        assertTrue(card.path("summary").asText().startsWith("PVP ordered: refracture risk T12"));
    }

    @Test
    void strict_refusesTheInputWith422SayingWhereAndWhat() throws Exception {
        RunningService.Reply reply = post("strict", withUnknownCode());

        assertEquals(422, reply.status(), reply.body().toString());
        assertEquals("PVP-H110", reply.errorCode());
        assertTrue(reply.body().at("/issue/0/expression/0").asText().startsWith("prefetch.findings.entry[0]"),
                reply.body().toString());
        assertTrue(reply.body().at("/issue/0/details/text").asText().contains("ivc-old"), reply.body().toString());
    }

    @Test
    void conformingInput_givesNoValidationNotice_evenWhenStrict() throws Exception {
        RunningService.Reply reply = post("strict", RunningService.example("order-sign.json"));

        assertEquals(200, reply.status(), reply.body().toString());
        assertFalse(CdsServiceTest.only(reply.body().path("cards")).path("detail").asText().contains("PVP-V101"));
    }

    @Test
    void off_doesNotLookAtTheProfiles() throws Exception {
        RunningService.Reply reply = post("off", withUnknownCode());

        assertEquals(200, reply.status());
        assertFalse(CdsServiceTest.only(reply.body().path("cards")).path("detail").asText().contains("PVP-V101"));
    }
}
