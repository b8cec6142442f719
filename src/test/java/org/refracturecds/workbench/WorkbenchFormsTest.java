package org.refracturecds.workbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.store.Database;
import org.refracturecds.store.WorkbenchDrafts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The page's forms over HTTP. A draft's scenarios: one opened in clinical terms, changed so that
 * it fails with the reason, changed back; a new one added from a blank form and deleted; one added
 * to another scenario file of the draft; a bad value refused with PVP-H831 naming the field. A table's rows: a guidance row added (its Source
 * then required), filled and removed again; none where the model fixes the rows.
 */
class WorkbenchFormsTest {

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
    void aNewScenario_addedToAnotherFileOfTheDraft_landsThere_theRestByteForByte_andRuns() throws Exception {
        // given a draft, whose form offers its scenario files, tests/workbench.yaml first chosen
        Author ann = draft("A scenario beside the other guidance scenarios");
        JsonNode data = ann.get("");
        List<String> offered = new java.util.ArrayList<>();
        data.path("scenarioFiles").forEach(path -> offered.add(path.asText()));
        assertEquals(List.of("tests/after-pvp.yaml", "tests/applicability-and-input.yaml", "tests/before-pvp.yaml",
                "tests/guidance.yaml", "tests/sensitivity-and-urgency.yaml", "tests/workbench.yaml"), offered);
        assertEquals("tests/workbench.yaml", data.path("newScenarioFile").asText());
        Map<String, byte[]> before = files(ann);
        String name = "Endplate disruption not reported before PVP asks for the MRI";
        ObjectNode form = JSON.createObjectNode().put("name", name).put("level", "T12").put("phase", "pre-operative")
                .put("IVC", "absent").put("EPD", "not reported").put("guidance", "G-MRI-EPD")
                .put("no guidance", "G-MRI-IVC").put("notes", "Methods (endplate cortical disruption)")
                .put("file", "tests/guidance.yaml");

        // when it is added to tests/guidance.yaml
        JsonNode added = ann.checked("/scenario", form);

        // then it is there, and runs, and passes
        JsonNode scenario = scenario(added, name);
        assertTrue(scenario.path("where").asText().startsWith("tests/guidance.yaml:"), scenario.toString());
        assertTrue(scenario.path("passed").asBoolean(), scenario.toString());
        assertTrue(scenario.path("before").isNull(), "new");
        // and the file is what it was with the scenario's lines put in one place, every other file as it was
        Map<String, byte[]> after = files(ann);
        String was = new String(before.get("tests/guidance.yaml"), StandardCharsets.UTF_8);
        String is = new String(after.get("tests/guidance.yaml"), StandardCharsets.UTF_8);
        int same = 0;
        while (same < was.length() && was.charAt(same) == is.charAt(same)) {
            same++;
        }
        int sameEnd = 0;
        while (same + sameEnd < was.length() && was.charAt(was.length() - 1 - sameEnd) == is.charAt(is.length() - 1 - sameEnd)) {
            sameEnd++;
        }
        assertEquals(was.length(), same + sameEnd, "only lines put in:\n" + is);
        String put = is.substring(same, is.length() - sameEnd);
        assertTrue(put.contains("- name: " + name) && put.contains("G-MRI-EPD"), put);
        before.keySet().stream().filter(path -> !path.equals("tests/guidance.yaml"))
                .forEach(path -> assertTrue(java.util.Arrays.equals(before.get(path), after.get(path)), path));
        assertEquals(before.keySet(), after.keySet(), "no tests/workbench.yaml made");
    }

    @Test
    void aNewScenario_forAFileTheDraftDoesNotHave_isRefusedNamingTheField() throws Exception {
        Author ann = draft("A scenario for a file of its own");
        ObjectNode form = JSON.createObjectNode().put("name", "x").put("level", "T12").put("phase", "pre-operative")
                .put("IVC", "absent").put("EPD", "absent");

        for (String file : List.of("tests/mine.yaml", "guidance.drl.csv", "tests/../guidance.drl.csv")) {
            HttpResponse<String> refused = ann.post("/scenario", form.put("file", file));

            assertEquals(400, refused.statusCode(), refused.body());
            JsonNode issue = JSON.readTree(refused.body()).path("issue").get(0);
            assertEquals("PVP-H831", issue.path("details").path("coding").get(0).path("code").asText(), refused.body());
            assertEquals("file", issue.path("expression").get(0).asText(), refused.body());
            assertTrue(issue.path("details").path("text").asText().contains("tests/guidance.yaml"), refused.body());
        }
        assertTrue(ann.get("/check").path("changes").isEmpty(), "nothing was saved");
    }

    /** The draft's files as the database keeps them. */
    static Map<String, byte[]> files(Author author) throws Exception {
        try (Database database = Database.open(new Database.Settings("jdbc:h2:" + dir.toAbsolutePath().resolve("pvp"),
                null, null, 2))) {
            return new WorkbenchDrafts(database, Clock.systemUTC()).files(Long.parseLong(author.draft()));
        }
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

    static JsonNode table(JsonNode files, String path, String name) {
        for (JsonNode file : files) {
            for (JsonNode table : file.path("tables")) {
                if (file.path("path").asText().equals(path) && table.path("name").asText().equals(name)) {
                    return table;
                }
            }
        }
        throw new AssertionError("no table " + name + " in " + path);
    }

    static ArrayNode rows(JsonNode files, String path) {
        for (JsonNode file : files) {
            if (file.path("path").asText().equals(path)) {
                return (ArrayNode) file.path("rows").deepCopy();
            }
        }
        throw new AssertionError("no file " + path);
    }

    @Test
    void aGuidanceRow_addedAsACopy_asksForItsSource_andRemovedAgain_leavesTheLiveRules() throws Exception {
        Author ann = draft("A new piece of guidance");
        JsonNode guidance = table(ann.get("").path("files"), "guidance.drl.csv", "Guidance");
        assertTrue(guidance.path("fixedRows").isNull(), guidance.toString());
        int last = guidance.path("lastRow").asInt();
        int source = guidance.path("columns").size();

        JsonNode added = ann.checked("/rows", JSON.createObjectNode().put("path", "guidance.drl.csv").put("after", last)
                .put("id", "G-MRI-EPD-AGAIN"));

        int row = last + 1;
        assertEquals(row, table(added.path("files"), "guidance.drl.csv", "Guidance").path("lastRow").asInt());
        ArrayNode rows = rows(added.path("files"), "guidance.drl.csv");
        assertEquals("G-MRI-EPD-AGAIN", rows.get(row - 1).get(4).asText());
        assertEquals("", rows.get(row - 1).get(source - 1).asText(), "the new row's Source is left to fill");
        JsonNode check = added.path("check");
        assertTrue(check.path("problems").toString().contains("Source"), check.path("problems").toString());
        assertFalse(check.path("publishable").asBoolean());
        JsonNode change = check.path("changes").get(0);
        assertEquals("added", change.path("rowChange").asText(), check.path("changes").toString());
        assertEquals(row, change.path("row").asInt());
        assertEquals(1, check.path("changes").size(), "the rows below are not changes: " + check.path("changes"));

        ((ArrayNode) rows.get(row - 1)).set(source - 1, JSON.getNodeFactory().textNode("Table 2"));
        ObjectNode edit = JSON.createObjectNode().put("path", "guidance.drl.csv");
        edit.set("rows", rows);
        JsonNode filled = ann.checked("/files", edit);
        assertTrue(filled.path("compiles").asBoolean(), filled.path("problems").toString());
        assertTrue(filled.path("problems").isEmpty(), filled.path("problems").toString());

        JsonNode removed = ann.checked("/rows", JSON.createObjectNode().put("path", "guidance.drl.csv").put("remove", row));
        assertTrue(removed.path("check").path("changes").isEmpty(), "byte for byte the live rules again: "
                + removed.path("check").path("changes"));
    }

    @Test
    void theModelsOwnRows_cannotBeAddedOrRemoved_andANewRowOfATableOfIds_needsANewId() throws Exception {
        Author ann = draft("Rows");
        JsonNode files = ann.get("").path("files");
        JsonNode coefficients = table(files, "model.drl.csv", "Coefficients");
        assertTrue(coefficients.path("fixedRows").asText().contains("one row per factor"), coefficients.toString());

        HttpResponse<String> add = ann.post("/rows", JSON.createObjectNode().put("path", "model.drl.csv")
                .put("after", coefficients.path("firstRow").asInt()).put("id", "BMD"));
        HttpResponse<String> remove = ann.post("/rows", JSON.createObjectNode().put("path", "model.drl.csv")
                .put("remove", coefficients.path("firstRow").asInt()));
        JsonNode wording = table(files, "statements.drl.csv", "Wording");
        HttpResponse<String> noId = ann.post("/rows", JSON.createObjectNode().put("path", "statements.drl.csv")
                .put("after", wording.path("firstRow").asInt()).put("id", ""));
        HttpResponse<String> sameId = ann.post("/rows", JSON.createObjectNode().put("path", "statements.drl.csv")
                .put("after", wording.path("firstRow").asInt()).put("id", "W-OUTCOME"));

        for (HttpResponse<String> refused : List.of(add, remove, noId, sameId)) {
            assertEquals(400, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("PVP-H826"), refused.body());
        }
        assertTrue(add.body().contains("rows cannot be added to or removed from table Coefficients"), add.body());
        assertTrue(noId.body().contains("give the new row's Id"), noId.body());
        assertTrue(sameId.body().contains("already has"), sameId.body());
        assertTrue(ann.get("/check").path("changes").isEmpty(), "nothing was saved");
    }
}
