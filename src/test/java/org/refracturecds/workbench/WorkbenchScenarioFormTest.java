package org.refracturecds.workbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A draft's scenarios changed from the page's form over HTTP: one opened in clinical terms,
 * changed so that it fails with the reason, changed back; a new one added from a blank form and
 * deleted; a bad value refused with PVP-H831 naming the field.
 */
class WorkbenchScenarioFormTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String CLEFT_ALONE = "Cleft alone, cement on both endplates, small restoration";

    @TempDir
    static Path dir;
    static WorkbenchService service;

    @BeforeAll
    static void start() throws Exception {
        service = new WorkbenchService(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        service.close();
    }

    record Author(WorkbenchClient browser, String csrf, String draft) {

        JsonNode get(String path) throws Exception {
            HttpResponse<String> answer = browser.get(service.base + "/workbench/api/drafts/" + draft + path);
            assertEquals(200, answer.statusCode(), answer.body());
            return JSON.readTree(answer.body());
        }

        HttpResponse<String> post(String path, JsonNode body) throws Exception {
            return browser.postJson(service.base + "/workbench/api/drafts/" + draft + path, body.toString(), csrf);
        }

        JsonNode checked(String path, JsonNode body) throws Exception {
            HttpResponse<String> answer = post(path, body);
            assertEquals(200, answer.statusCode(), answer.body());
            return JSON.readTree(answer.body());
        }
    }

    static Author draft(String note) throws Exception {
        WorkbenchClient browser = new WorkbenchClient();
        String csrf = WorkbenchClient.hidden(browser.signInLocally(service.base, "ann", WorkbenchService.PASSWORD).body(), "csrf");
        HttpResponse<String> made = browser.postForm(service.base + "/workbench/drafts", java.util.Map.of("note", note, "csrf", csrf));
        String location = made.headers().firstValue("Location").orElseThrow();
        return new Author(browser, csrf, location.substring(location.lastIndexOf('/') + 1));
    }

    static JsonNode scenario(JsonNode check, String name) {
        for (JsonNode scenario : check.path("scenarios")) {
            if (scenario.path("name").asText().equals(name)) {
                return scenario;
            }
        }
        return null;
    }

    @Test
    void aScenario_openedInTheForm_changedToFail_showsWhy_andChangedBack_passes() throws Exception {
        Author ann = draft("Scenario in the form");
        String where = scenario(ann.get("/check"), CLEFT_ALONE).path("where").asText();

        ObjectNode form = (ObjectNode) ann.get("/scenario?where=" + URLEncoder.encode(where, StandardCharsets.UTF_8));

        assertEquals(where, form.path("where").asText());
        assertEquals("present", form.path("IVC").asText());
        assertEquals("none", form.path("NPEC").asText());
        assertEquals("3", form.path("RR").asText());
        assertEquals("moderate", form.path("band").asText());

        JsonNode failing = ann.checked("/scenario", form.deepCopy().put("band", "high"));
        JsonNode changed = scenario(failing, CLEFT_ALONE);
        assertFalse(changed.path("passed").asBoolean(), changed.toString());
        assertTrue(changed.path("failures").toString().contains("band was Moderate, expected high"), changed.toString());
        assertEquals(where, changed.path("where").asText(), "it stays where it was");
        assertFalse(failing.path("publishable").asBoolean());
        assertTrue(failing.path("changes").toString().contains("tests/after-pvp.yaml"), failing.path("changes").toString());

        JsonNode mended = ann.checked("/scenario", form.deepCopy().put("name", "A cleft alone, with good cement contact"));
        assertTrue(scenario(mended, "A cleft alone, with good cement contact").path("passed").asBoolean());
        assertEquals(null, scenario(mended, CLEFT_ALONE));
        assertTrue(mended.path("publishable").asBoolean(), mended.path("problems").toString());
    }

    @Test
    void aNewScenario_fromABlankForm_isAddedAndChecked_thenDeleted() throws Exception {
        Author ann = draft("A new scenario");
        int before = ann.get("/check").path("scenarios").size();
        ObjectNode blank = JSON.createObjectNode().put("name", "Every factor after PVP at T11").put("level", "T11")
                .put("phase", "post-operative").put("IVC", "present").put("EPD", "present").put("NPEC", "upper-and-lower")
                .put("RR", "15").put("band", "high").put("indicator", "critical").put("guidance", "G-FOLLOW-UP");

        JsonNode added = ann.checked("/scenario", blank);

        JsonNode scenario = scenario(added, "Every factor after PVP at T11");
        assertEquals(before + 1, added.path("scenarios").size());
        assertTrue(scenario.path("passed").asBoolean(), scenario.toString());
        assertTrue(scenario.path("before").isNull(), "new");
        assertTrue(scenario.path("where").asText().startsWith("tests/workbench.yaml:"), scenario.toString());

        JsonNode deleted = ann.checked("/scenario/delete", JSON.createObjectNode().put("where", scenario.path("where").asText()));
        assertEquals(before, deleted.path("scenarios").size());
        assertEquals(null, scenario(deleted, "Every factor after PVP at T11"));
    }

    @Test
    void aBadValue_isRefusedWithItsCode_namingTheField_andNothingIsSaved() throws Exception {
        Author ann = draft("Bad values");
        ObjectNode form = JSON.createObjectNode().put("name", "x").put("level", "T12").put("phase", "post-operative")
                .put("IVC", "present").put("EPD", "absent").put("NPEC", "none").put("RR", "4 mm").put("band", "low");

        HttpResponse<String> refused = ann.post("/scenario", form);

        assertEquals(400, refused.statusCode());
        JsonNode issue = JSON.readTree(refused.body()).path("issue").get(0);
        assertEquals("PVP-H831", issue.path("details").path("coding").get(0).path("code").asText(), refused.body());
        assertEquals("RR", issue.path("expression").get(0).asText());
        assertTrue(issue.path("details").path("text").asText().contains("percentage points"), refused.body());

        HttpResponse<String> unknown = ann.post("/scenario", form.put("RR", "4").put("guidance", "G-NOT-A-RULE"));
        assertEquals(400, unknown.statusCode());
        assertTrue(unknown.body().contains("G-NOT-A-RULE") && unknown.body().contains("\"guidance\""), unknown.body());

        HttpResponse<String> gone = ann.post("/scenario", form.put("guidance", "").put("where", "tests/after-pvp.yaml:2"));
        assertEquals(409, gone.statusCode(), gone.body());
        assertTrue(ann.get("/check").path("changes").isEmpty(), "nothing was saved");
    }
}
