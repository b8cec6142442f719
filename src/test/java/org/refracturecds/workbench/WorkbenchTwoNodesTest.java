package org.refracturecds.workbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.store.Database;
import org.refracturecds.store.TestDatabase;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Two nodes on one PostgreSQL: a draft written on one is reviewed on the other, and the version
 * approved there is served by both.
 */
class WorkbenchTwoNodesTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static WorkbenchService first;
    static WorkbenchService second;

    @BeforeAll
    static void start() throws Exception {
        Database.Settings database = TestDatabase.POSTGRESQL.fresh(dir);
        Map<String, Object> settings = Map.of("database", database.url(), "databaseUser", database.user());
        first = new WorkbenchService(dir, settings);
        second = new WorkbenchService(dir, settings);
    }

    @AfterAll
    static void stop() throws Exception {
        first.close();
        second.close();
    }

    private static JsonNode status(WorkbenchService node) throws Exception {
        return JSON.readTree(new WorkbenchClient().get(node.base + "/rules/status").body());
    }

    @Test
    void aDraftWrittenOnOneNode_approvedOnTheOther_isServedByBoth() throws Exception {
        String before = status(first).path("sha256").asText();
        WorkbenchClient ann = new WorkbenchClient();
        String annCsrf = WorkbenchClient.hidden(ann.signInLocally(first.base, "ann", WorkbenchService.PASSWORD).body(), "csrf");
        HttpResponse<String> made = ann.postForm(first.base + "/workbench/drafts", Map.of("note", "Moderate's wording",
                "csrf", annCsrf));
        String draft = made.headers().firstValue("Location").orElseThrow().replaceAll(".*/", "");
        JsonNode data = JSON.readTree(ann.get(first.base + "/workbench/api/drafts/" + draft).body());
        ArrayNode rows = null;
        for (JsonNode file : data.path("files")) {
            if (file.path("path").asText().equals("bands.drl.csv")) {
                rows = (ArrayNode) file.path("rows").deepCopy();
            }
        }
        ((ArrayNode) rows.get(13)).set(4, JSON.getNodeFactory().textNode("predicted risk from 5% to below 20%"));
        ObjectNode edit = JSON.createObjectNode().put("path", "bands.drl.csv");
        edit.set("rows", rows);
        assertEquals(200, ann.postJson(first.base + "/workbench/api/drafts/" + draft + "/files", edit.toString(), annCsrf)
                .statusCode());
        assertEquals(303, ann.postForm(first.base + "/workbench/drafts/" + draft + "/submit", Map.of("csrf", annCsrf))
                .statusCode());

        WorkbenchClient abe = new WorkbenchClient();
        String reviewPage = abe.signInLocally(second.base, "abe", WorkbenchService.PASSWORD).body();
        assertTrue(reviewPage.contains("Moderate&#39;s wording") || reviewPage.contains("Moderate's wording"), reviewPage);
        HttpResponse<String> approved = abe.postForm(second.base + "/workbench/drafts/" + draft + "/approve",
                Map.of("csrf", WorkbenchClient.hidden(reviewPage, "csrf")));
        assertEquals(303, approved.statusCode(), approved.body());

        String published = status(second).path("sha256").asText();
        assertNotEquals(before, published);
        long deadline = System.currentTimeMillis() + 30_000;
        while (!status(first).path("sha256").asText().equals(published) && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        assertEquals(published, status(first).path("sha256").asText(), "the other node serves it within its poll");
        assertTrue(status(first).path("inSync").asBoolean());
    }
}
