package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

class OverrideReasonsTest {

    @Test
    void publishedCodeSystem_matchesTheReasonsTheCardsOffer() throws Exception {
        JsonNode codeSystem = RunningService.JSON.readTree(Files.readString(Path.of("fhir-profiles/CodeSystem-override-reasons.json")));
        Map<String, String> published = new LinkedHashMap<>();
        codeSystem.path("concept").forEach(c -> published.put(c.path("code").asText(), c.path("display").asText()));

        assertEquals(CardWriter.OVERRIDE_REASONS, codeSystem.path("url").asText());
        assertEquals(CardWriter.OVERRIDE_REASON_CODES, published);
    }
}
