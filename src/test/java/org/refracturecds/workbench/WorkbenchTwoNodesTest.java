package org.refracturecds.workbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
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
 * approved there is served by both; a browser signed in on one is signed in on the other, whichever
 * node the provider sends it back to, and signed out of both at once.
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

    @Test
    void aSignInOnOneNode_isASignInOnTheOther_andSigningOutOnEitherEndsItOnBoth() throws Exception {
        WorkbenchClient browser = new WorkbenchClient();
        browser.oneOrigin(first.base, second.base);
        browser.signInLocally(first.base, "ann", WorkbenchService.PASSWORD);

        String onSecond = browser.get(second.base + "/workbench").body();
        assertTrue(onSecond.contains("Signed in as <strong>Ann Author</strong> (author)"), onSecond);

        assertEquals(303, browser.postForm(second.base + "/workbench/signout",
                Map.of("csrf", WorkbenchClient.hidden(onSecond, "csrf"))).statusCode());
        String onFirst = browser.get(first.base + "/workbench").body();
        assertTrue(onFirst.contains("name=\"password\""), "signed out on the first node too: " + onFirst);
    }

    @Test
    void aSignInBegunOnOneNode_isFinishedOnTheOther_once() throws Exception {
        WorkbenchClient browser = new WorkbenchClient();
        browser.oneOrigin(first.base, second.base);
        OidcProvider.next("u-2002", "Dr Bea Author", List.of(OidcProvider.AUTHORS));
        HttpResponse<String> begun = browser.get(first.base + "/workbench/signin/oidc");
        HttpResponse<String> answer = browser.get(begun.headers().firstValue("Location").orElseThrow());
        String callback = answer.headers().firstValue("Location").orElseThrow();
        URI back = URI.create(callback.replace(first.base, second.base));

        HttpResponse<String> home = browser.follow(back.toString());
        HttpResponse<String> again = browser.get(callback);

        assertTrue(home.body().contains("Signed in as <strong>Dr Bea Author</strong> (author)"), home.body());
        assertEquals(401, again.statusCode(), "a state serves once, on whichever node: " + again.body());
        assertTrue(again.body().contains("PVP-H802"), again.body());
    }
}
