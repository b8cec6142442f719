package org.refracturecds.workbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A change from draft to every node over HTTP: the tables as typed grids, each edit checked on its
 * cell, the scenarios before and after, review by another person, publication, the audit trail,
 * and restoring an earlier version the same way.
 */
class WorkbenchDraftsTest {

    static final ObjectMapper JSON = new ObjectMapper();
    /** bands.drl.csv: the High band's row and its columns (1-based). */
    static final int HIGH_ROW = 15;
    static final int LOWER_BOUND = 2;
    static final int MEANING = 5;
    static final int SOURCE = 6;

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

    /** A signed-in local user and the CSRF token of their session. */
    record SignedIn(WorkbenchClient browser, String csrf) {
    }

    static SignedIn signIn(String user) throws Exception {
        WorkbenchClient browser = new WorkbenchClient();
        String home = browser.signInLocally(service.base, user, WorkbenchService.PASSWORD).body();
        return new SignedIn(browser, WorkbenchClient.hidden(home, "csrf"));
    }

    static long newDraft(SignedIn who, String note) throws Exception {
        HttpResponse<String> made = who.browser().postForm(service.base + "/workbench/drafts",
                Map.of("note", note, "csrf", who.csrf()));
        assertEquals(303, made.statusCode(), made.body());
        String location = made.headers().firstValue("Location").orElseThrow();
        return Long.parseLong(location.substring(location.lastIndexOf('/') + 1));
    }

    static JsonNode data(SignedIn who, long draft) throws Exception {
        HttpResponse<String> data = who.browser().get(service.base + "/workbench/api/drafts/" + draft);
        assertEquals(200, data.statusCode(), data.body());
        return JSON.readTree(data.body());
    }

    static ArrayNode rows(JsonNode data, String path) {
        return (ArrayNode) StreamSupport.stream(data.path("files").spliterator(), false)
                .filter(f -> f.path("path").asText().equals(path)).findFirst().orElseThrow().path("rows").deepCopy();
    }

    /** Sets one cell of a table and saves the file; the answer (the checks, or a refusal). */
    static HttpResponse<String> edit(SignedIn who, long draft, ArrayNode rows, String path, int row, int column,
                                     String value) throws Exception {
        ((ArrayNode) rows.get(row - 1)).set(column - 1, JSON.getNodeFactory().textNode(value));
        ObjectNode body = JSON.createObjectNode().put("path", path);
        body.set("rows", rows);
        return who.browser().postJson(service.base + "/workbench/api/drafts/" + draft + "/files", body.toString(), who.csrf());
    }

    static JsonNode checked(HttpResponse<String> answer) throws Exception {
        assertEquals(200, answer.statusCode(), answer.body());
        return JSON.readTree(answer.body());
    }

    /** The draft's checks with its scenarios run, as the page asks for them after an edit. */
    static JsonNode full(SignedIn who, long draft) throws Exception {
        return checked(who.browser().get(service.base + "/workbench/api/drafts/" + draft + "/check"));
    }

    static List<JsonNode> where(JsonNode array, String field, String value) {
        List<JsonNode> found = new ArrayList<>();
        array.forEach(node -> {
            if (node.path(field).asText().equals(value)) {
                found.add(node);
            }
        });
        return found;
    }

    static HttpResponse<String> act(SignedIn who, long draft, String action, Map<String, String> form) throws Exception {
        Map<String, String> all = new java.util.HashMap<>(form);
        all.put("csrf", who.csrf());
        return who.browser().postForm(service.base + "/workbench/drafts/" + draft + "/" + action, all);
    }

    static JsonNode status() throws Exception {
        return JSON.readTree(new WorkbenchClient().get(service.base + "/rules/status").body());
    }

    @Test
    void everyTable_isAGrid_withTypedColumns_lockedIds_andTheSourceRequired() throws Exception {
        SignedIn ann = signIn("ann");
        long draft = newDraft(ann, "look at the tables");

        JsonNode data = data(ann, draft);

        List<String> tables = new ArrayList<>();
        data.path("files").forEach(f -> f.path("tables").forEach(t -> tables.add(t.path("name").asText())));
        assertTrue(tables.containsAll(List.of("Coefficients", "Codings", "Calibration", "Covariance", "Sensitivity", "Bands",
                "Scenarios", "Guidance", "Limits", "Context", "Wording", "Applicability", "BodySites")), tables.toString());
        JsonNode bands = data.path("files").findValues("tables").stream().flatMap(t -> StreamSupport.stream(t.spliterator(), false))
                .filter(t -> t.path("name").asText().equals("Bands")).findFirst().orElseThrow();
        JsonNode columns = bands.path("columns");
        assertEquals("Band code", columns.get(0).path("name").asText());
        assertFalse(columns.get(0).path("editable").asBoolean(), "the band codes are FHIR's: locked");
        assertEquals("number", columns.get(1).path("type").asText());
        assertEquals("choice", columns.get(2).path("type").asText());
        assertEquals("[\"info\",\"warning\",\"critical\"]", columns.get(2).path("choices").toString());
        assertTrue(columns.get(5).path("required").asBoolean(), "Source");
        assertTrue(data.path("editable").asBoolean());
        assertTrue(data.path("check").path("publishable").asBoolean(), data.path("check").toString());
        assertEquals(0, data.path("check").path("changes").size());
    }

    @Test
    void aCellThatIsNotANumber_isShownOnItsCell_andARowWithoutSource_onItsRow() throws Exception {
        SignedIn ann = signIn("ann");
        long draft = newDraft(ann, "typos");
        ArrayNode rows = rows(data(ann, draft), "bands.drl.csv");

        JsonNode typo = checked(edit(ann, draft, rows, "bands.drl.csv", HIGH_ROW, LOWER_BOUND, "0.2O"));
        assertFalse(typo.path("compiles").asBoolean());
        JsonNode problem = where(typo.path("problems"), "row", String.valueOf(HIGH_ROW)).get(0);
        assertEquals("bands.drl.csv", problem.path("file").asText());
        assertEquals(LOWER_BOUND, problem.path("column").asInt());
        assertTrue(problem.path("hint").asText().contains("type only the number"), problem.toString());

        edit(ann, draft, rows, "bands.drl.csv", HIGH_ROW, LOWER_BOUND, "0.20");
        JsonNode noSource = checked(edit(ann, draft, rows, "bands.drl.csv", HIGH_ROW, SOURCE, ""));
        List<JsonNode> atRow = where(noSource.path("problems"), "row", String.valueOf(HIGH_ROW));
        assertEquals(1, atRow.size(), atRow.toString());
        JsonNode missing = atRow.get(0);
        assertTrue(missing.path("message").asText().contains("no Source"), missing.toString());
        assertEquals(SOURCE, missing.path("column").asInt(), "on the Source cell");
        assertFalse(noSource.path("publishable").asBoolean());
    }

    @Test
    void aNewIntercept_movesMODELmdsReferenceCases_shownBeforeAndAfter() throws Exception {
        SignedIn ann = signIn("ann");
        long draft = newDraft(ann, "A refitted intercept");
        ArrayNode rows = rows(data(ann, draft), "model.drl.csv");
        assertEquals("-3.109", rows.get(40).get(2).asText(), "the Calibration row's intercept");

        checked(edit(ann, draft, rows, "model.drl.csv", 41, 3, "-2.5"));
        JsonNode references = full(ann, draft).path("references");

        assertEquals(6, references.size());
        JsonNode fig2 = where(references, "name", "Fig. 2 of the paper (IVC + EPD + NPEC lower, RR 10)").get(0);
        assertTrue(fig2.path("before").asText().startsWith("62%"), fig2.toString());
        assertTrue(fig2.path("changed").asBoolean(), fig2.toString());
        references.forEach(r -> assertTrue(r.path("changed").asBoolean(), r.toString()));
    }

    @Test
    void aLockedCell_cannotBeChanged() throws Exception {
        SignedIn ann = signIn("ann");
        long draft = newDraft(ann, "rename a band");
        ArrayNode rows = rows(data(ann, draft), "bands.drl.csv");

        HttpResponse<String> refused = edit(ann, draft, rows, "bands.drl.csv", HIGH_ROW, 1, "severe");

        assertEquals(400, refused.statusCode());
        assertTrue(refused.body().contains("PVP-H826"), refused.body());
    }

    @Test
    void raisingHigh_failsAScenario_whichBlocksSubmitting_untilItIsFixed_thenAnotherPersonApproves_andEveryNodeServesIt()
            throws Exception {
        SignedIn ann = signIn("ann");
        SignedIn abe = signIn("abe");
        String before = status().path("sha256").asText();
        long draft = newDraft(ann, "Clearer wording of High");
        ArrayNode rows = rows(data(ann, draft), "bands.drl.csv");

        JsonNode compiled = checked(edit(ann, draft, rows, "bands.drl.csv", HIGH_ROW, LOWER_BOUND, "0.30"));
        assertTrue(compiled.path("compiles").asBoolean());
        assertFalse(compiled.path("scenariosRun").asBoolean());
        JsonNode raised = full(ann, draft);
        assertFalse(raised.path("publishable").asBoolean());
        List<JsonNode> failing = where(raised.path("scenarios"), "passed", "false");
        assertFalse(failing.isEmpty());
        assertTrue(failing.get(0).path("before").asBoolean(), "it passed on the live rules");
        JsonNode change = raised.path("changes").get(0);
        assertEquals("0.20", change.path("before").asText());
        assertEquals("0.30", change.path("after").asText());
        assertEquals("high", change.path("rowLabel").asText());
        HttpResponse<String> early = act(ann, draft, "submit", Map.of());
        assertEquals(409, early.statusCode());
        assertTrue(early.body().contains("PVP-H823"), early.body());

        edit(ann, draft, rows, "bands.drl.csv", HIGH_ROW, LOWER_BOUND, "0.20");
        checked(edit(ann, draft, rows, "bands.drl.csv", HIGH_ROW, MEANING, "predicted risk of 20 percent or more"));
        JsonNode fixed = full(ann, draft);
        assertTrue(fixed.path("publishable").asBoolean(), fixed.toString());
        assertEquals(1, fixed.path("changes").size());
        assertEquals(303, act(ann, draft, "submit", Map.of()).statusCode());

        HttpResponse<String> selfApproval = act(ann, draft, "approve", Map.of());
        assertEquals(403, selfApproval.statusCode());
        assertTrue(selfApproval.body().contains("PVP-H813"), selfApproval.body());
        long publishing = System.nanoTime();
        HttpResponse<String> approved = act(abe, draft, "approve", Map.of());
        assertEquals(303, approved.statusCode(), approved.body());
        System.out.println("workbench approval (checks, publication, this node swapped): "
                + (System.nanoTime() - publishing) / 1_000_000 + " ms");

        JsonNode now = status();
        assertNotEquals(before, now.path("sha256").asText());
        assertEquals(now.path("sha256").asText(), now.path("published").path("sha256").asText());
        assertTrue(now.path("published").path("by").asText().contains("workbench draft " + draft), now.toString());
        String audit = abe.browser().get(service.base + "/workbench/audit").body();
        for (String event : List.of("draft-created", "draft-submitted", "draft-approved", "rules-published")) {
            assertTrue(audit.contains(event), event);
        }
        assertTrue(audit.contains("draft " + draft + " by Abe Approver"), audit);

        long restore = restoreAndApprove(ann, abe, before);
        assertTrue(restore > draft, "the rules before the first publication were kept, and restored");
    }

    /** Restores the publication with hash {@code sha256} through a draft; the draft's id. */
    private static long restoreAndApprove(SignedIn author, SignedIn approver, String sha256) throws Exception {
        String home = author.browser().get(service.base + "/workbench").body();
        java.util.regex.Matcher version = java.util.regex.Pattern.compile(
                "sha256:" + sha256.substring(0, 12) + "</td>.*?action=\"/workbench/versions/(\\d+)/restore\"", java.util.regex.Pattern.DOTALL)
                .matcher(home);
        if (!version.find()) {
            return -1;
        }
        HttpResponse<String> made = author.browser().postForm(service.base + "/workbench/versions/" + version.group(1)
                + "/restore", Map.of("csrf", author.csrf()));
        assertEquals(303, made.statusCode(), made.body());
        String location = made.headers().firstValue("Location").orElseThrow();
        long draft = Long.parseLong(location.substring(location.lastIndexOf('/') + 1));
        assertEquals(303, act(author, draft, "submit", Map.of()).statusCode());
        assertEquals(303, act(approver, draft, "approve", Map.of()).statusCode());
        assertEquals(sha256, status().path("sha256").asText());
        return draft;
    }

    @Test
    void anApprover_returnsADraft_withAComment_andTheAuthorCanChangeItAgain() throws Exception {
        SignedIn ann = signIn("ann");
        SignedIn abe = signIn("abe");
        long draft = newDraft(ann, "Shorter wording");
        ArrayNode rows = rows(data(ann, draft), "bands.drl.csv");
        checked(edit(ann, draft, rows, "bands.drl.csv", 13, MEANING, "risk under 5%"));
        assertEquals(303, act(ann, draft, "submit", Map.of()).statusCode());

        HttpResponse<String> noComment = act(abe, draft, "return", Map.of("comment", " "));
        HttpResponse<String> returned = act(abe, draft, "return", Map.of("comment", "Keep the word predicted"));

        assertEquals(400, noComment.statusCode());
        assertEquals(303, returned.statusCode());
        String page = ann.browser().get(service.base + "/workbench/drafts/" + draft).body();
        assertTrue(page.contains("Keep the word predicted"), page);
        assertTrue(page.contains("id=\"draft-state\">returned"), page);
        assertTrue(data(ann, draft).path("editable").asBoolean());
        assertFalse(data(abe, draft).path("editable").asBoolean(), "only its author edits a draft");
        assertEquals(200, edit(ann, draft, rows, "bands.drl.csv", 13, MEANING, "predicted risk under 5%").statusCode());
    }

    @Test
    void aTable_downloadedAsXlsx_changedAndUploaded_isCheckedAsAnEdit_andALockedCellIsRefused() throws Exception {
        SignedIn ann = signIn("ann");
        long draft = newDraft(ann, "Wording through a spreadsheet");
        HttpResponse<byte[]> download = ann.browser().getBytes(service.base + "/workbench/drafts/" + draft
                + "/xlsx/bands.drl.csv");
        assertEquals(200, download.statusCode());
        assertTrue(download.headers().firstValue("Content-Disposition").orElse("").contains("bands-draft-" + draft + ".xlsx"));

        byte[] changed = changeCell(download.body(), HIGH_ROW, MEANING, "predicted risk of one in five or more");
        HttpResponse<String> uploaded = ann.browser().postFile(service.base + "/workbench/drafts/" + draft
                + "/xlsx/bands.drl.csv", ann.csrf(), changed);
        assertEquals(303, uploaded.statusCode(), uploaded.body());
        JsonNode check = full(ann, draft);
        assertTrue(check.path("publishable").asBoolean(), check.toString());
        JsonNode change = check.path("changes").get(0);
        assertEquals("predicted risk of one in five or more", change.path("after").asText());
        assertEquals(1, check.path("changes").size(), "every other cell came back as it was: " + check.path("changes"));

        byte[] renamed = changeCell(download.body(), HIGH_ROW, 1, "severe");
        HttpResponse<String> refused = ann.browser().postFile(service.base + "/workbench/drafts/" + draft
                + "/xlsx/bands.drl.csv", ann.csrf(), renamed);
        assertEquals(400, refused.statusCode());
        assertTrue(refused.body().contains("PVP-H826"), refused.body());
    }

    @Test
    void thePageOfAPreview_onAnEditedDraft_opens_withTheDraftsWords() throws Exception {
        SignedIn ann = signIn("ann");
        long draft = newDraft(ann, "A new meaning of High");
        checked(edit(ann, draft, rows(data(ann, draft), "bands.drl.csv"), "bands.drl.csv", HIGH_ROW, MEANING,
                "predicted risk of one in five or more, as the draft says"));

        JsonNode card = checked(ann.browser().postJson(service.base + "/workbench/api/drafts/" + draft + "/preview",
                "{\"level\":\"T12\",\"phase\":\"post-operative\",\"IVC\":\"present\",\"EPD\":\"present\","
                        + "\"NPEC\":\"upper-and-lower\",\"RR\":\"12\"}", ann.csrf())).path("card");
        HttpResponse<String> page = new WorkbenchClient().get(card.path("links").get(0).path("url").asText());

        assertEquals(200, page.statusCode(), page.body());
        assertTrue(page.body().contains("one in five or more, as the draft says"), "the draft's rules, which no node serves");
    }

    @Test
    void aCentresCohort_uploadedToADraft_isFittedIntoIt_withTheReport_andABadOneIsRefusedByRowAndColumn()
            throws Exception {
        SignedIn ann = signIn("ann");
        long draft = newDraft(ann, "Recalibrated to our centre");
        String url = service.base + "/workbench/drafts/" + draft + "/calibration";
        byte[] cohort = java.nio.file.Files.readAllBytes(Path.of("examples/calibration/synthetic-cohort.csv"));

        HttpResponse<String> report = ann.browser().postFile(url, ann.csrf(), "cohort", "our-cohort.csv", "text/csv", cohort);

        assertEquals(200, report.statusCode(), report.body());
        assertTrue(report.body().contains("How well the refracture model predicts this centre's patients"), report.body());
        assertTrue(report.body().contains("The fit below is now in draft " + draft), report.body());
        assertTrue(report.body().contains("<svg"), "the calibration plot, inline");
        assertTrue(report.headers().firstValue("Content-Security-Policy").orElse("").contains("style-src 'sha256-"));
        assertFalse(report.body().contains("SYN-00001"), "no patient of the cohort in the report");
        JsonNode files = data(ann, draft).path("files");
        assertTrue(where(files, "path", "recalibration.drl.csv").size() == 1, files.toString());
        String table = String.join("\n", StreamSupport.stream(rows(data(ann, draft), "recalibration.drl.csv").spliterator(),
                false).map(JsonNode::toString).toList());
        assertTrue(table.contains("Ann Author (workbench)"), table);
        JsonNode check = full(ann, draft);
        assertTrue(check.path("publishable").asBoolean(), "compiles, and every scenario passes, the fit's own too: " + check);

        String bad = new String(cohort, java.nio.charset.StandardCharsets.UTF_8).replaceFirst("upper-and-lower", "both");
        HttpResponse<String> refused = ann.browser().postFile(url, ann.csrf(), "cohort", "our-cohort.csv", "text/csv",
                bad.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(400, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("PVP-H830"), refused.body());
        assertTrue(refused.body().contains("row 2, column E (npec)"), refused.body());
    }

    private static byte[] changeCell(byte[] xlsx, int row, int column, String value) throws Exception {
        try (org.apache.poi.xssf.usermodel.XSSFWorkbook book = new org.apache.poi.xssf.usermodel.XSSFWorkbook(
                new java.io.ByteArrayInputStream(xlsx)); java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream()) {
            book.getSheetAt(0).getRow(row - 1).getCell(column - 1).setCellValue(value);
            book.write(out);
            return out.toByteArray();
        }
    }

    @Test
    void aWhatIfPatient_givesTheCardAsTheEhrShowsIt_withItsPage_andTheRowsThatFired_andIsKeptAsAScenario() throws Exception {
        SignedIn ann = signIn("ann");
        long draft = newDraft(ann, "A scenario from a preview");
        String patient = "{\"level\":\"T12\",\"phase\":\"post-operative\",\"IVC\":\"present\",\"EPD\":\"present\","
                + "\"NPEC\":\"upper-and-lower\",\"RR\":\"12\"";

        JsonNode preview = checked(ann.browser().postJson(service.base + "/workbench/api/drafts/" + draft + "/preview",
                patient + "}", ann.csrf()));

        System.out.println("workbench preview: " + preview.path("millis").asLong() + " ms in the service");
        JsonNode card = preview.path("card");
        assertTrue(card.path("summary").asText().startsWith("After PVP"), card.toString());
        assertEquals("critical", card.path("indicator").asText(), card.path("summary").asText());
        String page = card.path("links").get(0).path("url").asText();
        assertTrue(page.contains("/view/"), page);
        HttpResponse<String> surgeonsPage = new WorkbenchClient().get(page);
        assertEquals(200, surgeonsPage.statusCode());
        assertTrue(surgeonsPage.body().contains("T12"));
        List<JsonNode> guidance = where(preview.path("fired"), "file", "guidance.drl.csv");
        assertFalse(guidance.isEmpty(), preview.path("fired").toString());

        JsonNode check = checked(ann.browser().postJson(service.base + "/workbench/api/drafts/" + draft + "/scenarios",
                patient + ",\"name\":\"High after PVP with a cleft, disruption and no contact\"}", ann.csrf()));
        JsonNode kept = where(check.path("scenarios"), "name", "High after PVP with a cleft, disruption and no contact").get(0);
        assertTrue(kept.path("passed").asBoolean(), kept.toString());
        assertTrue(kept.path("before").isNull(), "a new scenario");
        assertTrue(kept.path("where").asText().startsWith("tests/workbench.yaml:"), kept.toString());
        assertTrue(check.path("publishable").asBoolean());
    }

    /** A refusal's code, and its text as the page shows it. */
    static String refusal(HttpResponse<String> answer) throws Exception {
        JsonNode issue = JSON.readTree(answer.body()).path("issue").get(0);
        return issue.path("details").path("coding").get(0).path("code").asText() + " " + issue.path("details").path("text").asText();
    }

    @Test
    void aBodyThatIsNotOneJsonObject_isRefusedWithTheCodesOfTheCdsHooksFace_onEveryRouteThatReadsOne() throws Exception {
        SignedIn ann = signIn("ann");
        long draft = newDraft(ann, "Bodies that cannot be read");
        JsonNode before = data(ann, draft).path("files");
        Map<String, String> codes = Map.of(
                "{\"a\":", "PVP-H101",
                "{\"a\":1,\"a\":2}", "PVP-H112",
                "{\"level\":\"T12\"}garbage", "PVP-H111",
                "{\"a\":" + "[".repeat(101) + "]".repeat(101) + "}", "PVP-H113",
                "[]", "PVP-H101",
                "", "PVP-H101");
        byte[] latin1 = "{\"level\":\"T12\",\"IVC\":\"pr\u00e9sent\"}".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

        for (String route : List.of("preview", "files", "rows", "scenarios", "scenario", "scenario/delete")) {
            String url = service.base + "/workbench/api/drafts/" + draft + "/" + route;
            for (Map.Entry<String, String> bad : codes.entrySet()) {
                HttpResponse<String> refused = ann.browser().postJson(url, bad.getKey(), ann.csrf());

                assertEquals(400, refused.statusCode(), route + " " + bad.getKey() + ": " + refused.body());
                assertTrue(refusal(refused).startsWith(bad.getValue() + " "), route + " " + bad.getKey() + ": " + refused.body());
            }
            HttpResponse<String> notUtf8 = ann.browser().post(url, "application/json", latin1, ann.csrf());
            assertEquals(400, notUtf8.statusCode(), route + ": " + notUtf8.body());
            assertEquals("PVP-H114 [PVP-H114] line 1: byte 0xE9 (offset 24) is not UTF-8: JSON is UTF-8; send the request"
                    + " encoded as UTF-8", refusal(notUtf8), route);
            HttpResponse<String> text = ann.browser().post(url, "text/plain", "{\"level\":\"T12\"}".getBytes(
                    java.nio.charset.StandardCharsets.UTF_8), ann.csrf());
            assertEquals(415, text.statusCode(), route + ": " + text.body());
            assertEquals("PVP-H415 [PVP-H415] Content-Type: is 'text/plain': the workbench's page sends JSON; send"
                    + " Content-Type: application/json", refusal(text), route);
        }

        String preview = service.base + "/workbench/api/drafts/" + draft + "/preview";
        assertEquals("PVP-H111 [PVP-H111] line 1, column 16: unexpected content after the end of the JSON request, which"
                + " ends at line 1, column 15: send one JSON object, the fields of the workbench's form",
                refusal(ann.browser().postJson(preview, "{\"level\":\"T12\"}garbage", ann.csrf())));
        assertEquals("PVP-H101 [PVP-H101] the body must be a JSON object (the fields of the workbench's form), not an array",
                refusal(ann.browser().postJson(preview, "[]", ann.csrf())));
        assertEquals(before, data(ann, draft).path("files"), "nothing saved");
    }

    @Test
    void aTableWhoseRowsAreNotArraysOfText_isRefusedAtTheRowOrCell() throws Exception {
        SignedIn ann = signIn("ann");
        long draft = newDraft(ann, "Cells that are not text");
        String url = service.base + "/workbench/api/drafts/" + draft + "/files";

        HttpResponse<String> notARow = ann.browser().postJson(url, "{\"path\":\"bands.drl.csv\",\"rows\":[1]}", ann.csrf());
        HttpResponse<String> notACell = ann.browser().postJson(url, "{\"path\":\"bands.drl.csv\",\"rows\":[[\"a\",{\"b\":1}]]}",
                ann.csrf());

        assertEquals(400, notARow.statusCode(), notARow.body());
        assertEquals("PVP-H825 [PVP-H825] rows[0]: send each row as an array of its cells, each a string", refusal(notARow));
        assertEquals(400, notACell.statusCode(), notACell.body());
        assertEquals("PVP-H825 [PVP-H825] rows[0][1]: send each cell as a string, as the grid shows it", refusal(notACell));
    }

    @Test
    void aPreviewWithSeveralBadFields_isRefusedNamingEachOfThem() throws Exception {
        SignedIn ann = signIn("ann");
        long draft = newDraft(ann, "A preview with typos");

        HttpResponse<String> refused = ann.browser().postJson(service.base + "/workbench/api/drafts/" + draft + "/preview",
                "{\"level\":\"X1\",\"phase\":\"post-operative\",\"IVC\":\"maybe\",\"EPD\":\"absent\",\"NPEC\":\"none\","
                        + "\"RR\":\"5\",\"epd\":\"present\"}", ann.csrf());

        assertEquals(400, refused.statusCode(), refused.body());
        List<String> issues = new ArrayList<>();
        JSON.readTree(refused.body()).path("issue").forEach(issue -> issues.add(issue.path("details").path("coding").get(0)
                .path("code").asText() + " " + issue.path("expression").get(0).asText() + " " + issue.path("details")
                .path("text").asText()));
        assertEquals(List.of(
                "PVP-H828 epd [PVP-H828] epd: is not a field of a preview: send level, phase, IVC, EPD, NPEC, RR",
                "PVP-H828 level [PVP-H828] level: is 'X1': give a vertebra from T4 to L5 (several: T11, T12)",
                "PVP-H828 IVC [PVP-H828] IVC: is 'maybe': give present, absent or not reported"), issues);
    }

    @Test
    void aPreOperativePreview_namesTheNpecAndRrItLeavesOut_andWhy() throws Exception {
        SignedIn ann = signIn("ann");
        long draft = newDraft(ann, "A preview before PVP");
        String url = service.base + "/workbench/api/drafts/" + draft + "/preview";

        JsonNode preview = checked(ann.browser().postJson(url, "{\"level\":\"T12\",\"phase\":\"pre-operative\","
                + "\"IVC\":\"present\",\"EPD\":\"present\",\"NPEC\":\"upper-and-lower\",\"RR\":\"12\"}", ann.csrf()));

        assertTrue(preview.path("card").path("summary").asText().startsWith("PVP ordered"), preview.toString());
        assertEquals(JSON.readTree("[{\"field\":\"NPEC\",\"value\":\"upper-and-lower\",\"reason\":\"where the cement"
                + " does not touch the endplates (NPEC) is known after PVP only, and this preview is before it (phase"
                + " pre-operative): the estimate is the one before PVP, without it; choose the phase post-operative to"
                + " count it\"},{\"field\":\"RR\",\"value\":\"12\",\"reason\":\"the reduction rate (RR) is measured after PVP"
                + " only, and this preview is before it (phase pre-operative): the estimate is the one before PVP, without"
                + " it; choose the phase post-operative to count it\"}]"), preview.path("leftOut"));
        JsonNode without = checked(ann.browser().postJson(url, "{\"level\":\"T12\",\"phase\":\"pre-operative\","
                + "\"IVC\":\"present\",\"EPD\":\"present\",\"RR\":\"\"}", ann.csrf()));
        assertEquals(JSON.createArrayNode(), without.path("leftOut"), "nothing given that goes unused");
    }

    @Test
    void anApprover_cannotApproveTheirOwnDraft() throws Exception {
        SignedIn abe = signIn("abe");
        long draft = newDraft(abe, "My own change");
        ArrayNode rows = rows(data(abe, draft), "bands.drl.csv");
        checked(edit(abe, draft, rows, "bands.drl.csv", 14, MEANING, "predicted risk from 5% to below 20%"));
        assertEquals(303, act(abe, draft, "submit", Map.of()).statusCode());

        HttpResponse<String> own = act(abe, draft, "approve", Map.of());

        assertEquals(403, own.statusCode());
        assertTrue(own.body().contains("PVP-H814"), own.body());
    }

    @Test
    void aCellEditsAnswer_saysHowLongTheCheckTook() throws Exception {
        SignedIn ann = signIn("ann");
        long draft = newDraft(ann, "timing");

        JsonNode check = checked(edit(ann, draft, rows(data(ann, draft), "bands.drl.csv"), "bands.drl.csv", HIGH_ROW,
                LOWER_BOUND, "0.21"));

        // How long it takes is measured by bench/CellCheckBenchmark (docs/PERFORMANCE.md), not here.
        assertTrue(check.path("millis").asLong() > 0 && check.path("cpuMillis").asLong() > 0, check.toString());
    }
}
