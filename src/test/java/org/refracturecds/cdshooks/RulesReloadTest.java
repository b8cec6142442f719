package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.RuleFolders;
import org.refracturecds.authoring.LiveRules;
import org.refracturecds.facts.Settings;

import com.fasterxml.jackson.databind.JsonNode;

/** serve with a rules folder: an edit goes live only when it compiles and its scenarios pass. */
class RulesReloadTest {

    private static final String IVC_ROW = "IVC,intravertebral cleft,intravertebral-cleft,pre-operative,3.3003,";

    @TempDir
    Path dir;
    private Path rules;
    private RunningService service;

    @BeforeEach
    void start() throws Exception {
        rules = RuleFolders.copy(dir.resolve("rules"));
        LiveRules live = LiveRules.load(rules, new Settings(null));
        live.watch();
        service = new RunningService(dir, Map.of(), live);
    }

    @AfterEach
    void stop() throws Exception {
        service.close();
    }

    /** The RiskAssessment of the order-sign card: its method version names the rules. */
    private JsonNode riskAssessment() throws Exception {
        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-preop", RunningService.example("order-sign.json"));
        assertEquals(200, reply.status(), reply.body().toString());
        return reply.body().at("/cards/0/suggestions/0/actions/0/resource");
    }

    private static String rulesVersion(JsonNode risk) {
        return risk.at("/method/coding/0/version").asText();
    }

    /** Waits (up to 30 s) for the status to show what the test is waiting for. */
    private JsonNode awaitStatus(Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        JsonNode status = service.get("/rules/status").body();
        while (!done.test(status) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            status = service.get("/rules/status").body();
        }
        assertTrue(done.test(status), "the reload did not happen in 30 s: " + status);
        return status;
    }

    private JsonNode awaitAttempt(JsonNode before) throws Exception {
        String at = before.at("/lastReload/at").asText();
        return awaitStatus(s -> !s.at("/lastReload/at").asText().equals(at));
    }

    @Test
    void editedCoefficient_goesLive_andTheCardNamesTheNewRules() throws Exception {
        JsonNode before = riskAssessment();
        JsonNode status = service.get("/rules/status").body();
        assertEquals("2.0.0", status.get("version").asText());
        assertTrue(status.get("watching").asBoolean());
        assertTrue(status.get("scenariosPassed").asInt() >= 20, status.toString());

        RuleFolders.edit(rules, "model.drl.csv", IVC_ROW, IVC_ROW.replace("3.3003", "3.25"));
        RuleFolders.edit(rules, "model.drl.csv", "xiong-2021-logistic,2.0.0,", "xiong-2021-logistic,2.0.1,");
        JsonNode after = awaitStatus(s -> s.get("version").asText().equals("2.0.1"));

        assertEquals("live", after.at("/lastReload/outcome").asText(), after.toString());
        JsonNode risk = riskAssessment();
        assertEquals("2.0.1+rules." + after.get("sha256").asText().substring(0, 12), rulesVersion(risk));
        assertNotEquals(before.at("/prediction/0/probabilityDecimal").asDouble(),
                risk.at("/prediction/0/probabilityDecimal").asDouble());
    }

    @Test
    void brokenRuleFile_leavesTheOldRulesAnswering() throws Exception {
        String version = rulesVersion(riskAssessment());
        JsonNode before = service.get("/rules/status").body();

        RuleFolders.edit(rules, "pipeline.drl", "$k    : Calibration()", "$k    : Calibrat()");
        JsonNode after = awaitAttempt(before);

        assertTrue(after.at("/lastReload/error").asText().contains("pipeline.drl:"), after.toString());
        assertEquals(before.get("sha256"), after.get("sha256"));
        assertEquals(version, rulesVersion(riskAssessment()));
    }

    @Test
    void failingScenario_blocksTheSwap() throws Exception {
        String version = rulesVersion(riskAssessment());
        JsonNode before = service.get("/rules/status").body();

        RuleFolders.edit(rules, "model.drl.csv", IVC_ROW, IVC_ROW.replace("3.3003", "1.0"));
        JsonNode after = awaitAttempt(before);

        String error = after.at("/lastReload/error").asText();
        assertTrue(error.contains("scenario 'Cleft and endplate disruption before PVP' failed: band was Low, expected moderate; probability"), error);
        assertEquals(before.get("sha256"), after.get("sha256"));
        assertEquals(version, rulesVersion(riskAssessment()));
    }

    @Test
    void reloadsUnderConcurrentRequests_loseNone() throws Exception {
        Set<String> answeredBy = ConcurrentHashMap.newKeySet();
        Set<String> live = ConcurrentHashMap.newKeySet();
        live.add(rulesVersion(riskAssessment()));
        AtomicBoolean reloading = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<Integer>> answered = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            answered.add(clients.submit(() -> {
                int count = 0;
                while (reloading.get()) {
                    answeredBy.add(rulesVersion(riskAssessment()));
                    count++;
                }
                return count;
            }));
        }
        String version = "2.0.0";
        for (String next : List.of("2.0.1", "2.0.2", "2.0.3")) {
            RuleFolders.edit(rules, "model.drl.csv", "xiong-2021-logistic," + version + ",", "xiong-2021-logistic," + next + ",");
            JsonNode status = awaitStatus(s -> s.get("version").asText().equals(next));
            live.add(next + "+rules." + status.get("sha256").asText().substring(0, 12));
            version = next;
        }
        reloading.set(false);
        int requests = 0;
        for (Future<Integer> client : answered) {
            requests += client.get();
        }
        clients.shutdown();
        assertTrue(requests > 0);
        assertTrue(live.containsAll(answeredBy), "every answer came from a rule set that was live: " + answeredBy);
        assertTrue(answeredBy.size() >= 2, "requests were answered across reloads: " + answeredBy);
    }
}
