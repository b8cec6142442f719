package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.RuleFolders;
import org.refracturecds.authoring.LiveRules;
import org.refracturecds.authoring.RulesSync;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Settings;
import org.refracturecds.store.Database;
import org.refracturecds.store.RulesVersions;
import org.refracturecds.store.TestDatabase;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Two nodes on one PostgreSQL, as behind a load balancer: node A watches a rules folder, node B has
 * none (it answers with the bundled rules until something is published). What A's folder goes live
 * with, B serves within the poll interval plus the time to load it; a published version B cannot
 * load leaves B on its rules and not ready, saying why.
 */
class RulesAcrossNodesTest {

    private static final int POLL_SECONDS = 1;
    private static final String IVC_ROW = "IVC,intravertebral cleft,intravertebral-cleft,pre-operative,3.3003,";

    @TempDir
    Path dir;
    private Path rules;
    private Database.Settings database;
    private Map<String, Object> settings;
    private RunningService a;
    private RunningService b;

    @BeforeEach
    void start() throws Exception {
        rules = RuleFolders.copy(dir.resolve("rules"));
        database = TestDatabase.POSTGRESQL.fresh(dir);
        settings = Map.of("database", database.url(), "databaseUser", database.user(),
                "rulesPollSeconds", POLL_SECONDS, "view", Map.of("key", "one signing key for the pages of every node"));
        LiveRules live = LiveRules.load(rules, new Settings(null));
        live.watch();
        a = new RunningService(dir, settings, live);
        b = new RunningService(dir, settings);
    }

    @AfterEach
    void stop() throws Exception {
        a.close();
        b.close();
    }

    private static JsonNode status(RunningService node) throws Exception {
        return node.get("/rules/status").body();
    }

    /** Waits (up to 60 s) for a node's status to show what the test waits for; returns it and when it was seen. */
    private static JsonNode await(RunningService node, Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        JsonNode status = status(node);
        while (!done.test(status) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            status = status(node);
        }
        assertTrue(done.test(status), "not seen in 60 s: " + status);
        return status;
    }

    /** The readiness check rules-version of GET /health/ready: whether it passes, and its text. */
    private static Map.Entry<Boolean, String> rulesVersionCheck(RunningService node) throws Exception {
        for (JsonNode issue : node.get("/health/ready").body().path("issue")) {
            if (issue.at("/expression/0").asText().equals(RulesSync.CHECK)) {
                return Map.entry(issue.get("severity").asText().equals("information"), issue.at("/details/text").asText());
            }
        }
        throw new AssertionError("no readiness check " + RulesSync.CHECK);
    }

    private static JsonNode riskAssessment(RunningService node) throws Exception {
        RunningService.Reply reply = node.post("/cds-services/pvp-refracture-preop", RunningService.example("order-sign.json"));
        assertEquals(200, reply.status(), reply.body().toString());
        return reply.body().at("/cards/0/suggestions/0/actions/0/resource");
    }

    /** The files of a rules folder by path, as a publication holds them. */
    private static Map<String, byte[]> files(Path folder) throws Exception {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.filter(Files::isRegularFile).toList()) {
                files.put(folder.relativize(path).toString().replace('\\', '/'), Files.readAllBytes(path));
            }
        }
        return files;
    }

    @Test
    void atStart_theFolderOfNodeA_isPublished_andNodeB_servesIt() throws Exception {
        JsonNode onA = status(a);
        JsonNode onB = status(b);

        assertEquals(onA.get("sha256"), onA.at("/published/sha256"), onA.toString());
        assertTrue(onA.at("/published/by").asText().endsWith("rules folder " + rules), onA.toString());
        assertEquals(onA.get("published"), onB.get("published"));
        assertTrue(onA.get("inSync").asBoolean());
        assertTrue(onB.get("inSync").asBoolean(), onB.toString());
        assertEquals(Map.entry(true, "rules-version: serves the published rules version"), rulesVersionCheck(b));
        assertEquals(200, b.get("/health/ready").status());
    }

    @Test
    void anEditOfNodeAsFolder_isServedByNodeB_withinThePollIntervalPlusItsLoadTime() throws Exception {
        JsonNode before = riskAssessment(b);

        RuleFolders.edit(rules, "model.drl.csv", IVC_ROW, IVC_ROW.replace("3.3003", "3.25"));
        RuleFolders.edit(rules, "model.drl.csv", "xiong-2021-logistic,2.0.0,", "xiong-2021-logistic,2.0.1,");
        JsonNode onA = await(a, s -> s.at("/published/version").asText().equals("2.0.1"));
        JsonNode onB = await(b, s -> s.get("version").asText().equals("2.0.1"));
        Instant seenOnB = Instant.now();

        Instant published = Instant.parse(onA.at("/published/at").asText());
        long loadMillis = onB.at("/lastReload/millis").asLong();
        long tookMillis = Duration.between(published, seenOnB).toMillis();
        System.out.printf("rules published on A reached B in %d ms (poll %d s, B loaded them in %d ms)%n", tookMillis,
                POLL_SECONDS, loadMillis);
        assertTrue(tookMillis <= POLL_SECONDS * 1000L + loadMillis + 1000, "within the stated bound: " + tookMillis
                + " ms > " + POLL_SECONDS + " s + " + loadMillis + " ms");
        assertEquals(onA.get("sha256"), onB.get("sha256"));
        assertTrue(onB.get("inSync").asBoolean(), onB.toString());
        assertEquals("live", onB.at("/lastReload/outcome").asText(), onB.toString());
        assertTrue(onB.get("origin").asText().startsWith("the published rules (node "), onB.toString());
        JsonNode after = riskAssessment(b);
        assertEquals("2.0.1+rules." + onA.get("sha256").asText().substring(0, 12),
                after.at("/method/coding/0/version").asText());
        assertNotEquals(before.at("/prediction/0/probabilityDecimal").asDouble(),
                after.at("/prediction/0/probabilityDecimal").asDouble());
    }

    @Test
    void aPublishedVersionThatCannotBeLoaded_leavesTheNodesOnTheirRules_notReady_untilAGoodOneIsPublished()
            throws Exception {
        String servedBefore = riskAssessment(b).at("/method/coding/0/version").asText();
        String shaBefore = status(b).get("sha256").asText();
        Map<String, byte[]> good = files(rules);
        Map<String, byte[]> broken = new TreeMap<>(good);
        broken.put("pipeline.drl", new String(good.get("pipeline.drl"), StandardCharsets.UTF_8)
                .replace("$k    : Calibration()", "$k    : Calibrat()").getBytes(StandardCharsets.UTF_8));
        String brokenSha = RuleSet.hashOf(broken);

        try (Database direct = Database.open(database)) {
            new RulesVersions(direct, Clock.systemUTC()).publish(brokenSha, "2.0.9", "user test (inserted directly)",
                    broken, List.of());
        }
        JsonNode onB = await(b, s -> s.has("problem"));

        Map.Entry<Boolean, String> ready = rulesVersionCheck(b);
        String reason = ready.getValue();
        assertEquals(503, b.get("/health/ready").status());
        assertFalse(ready.getKey(), reason);
        assertTrue(reason.startsWith("[PVP-H510] rules-version: the published rules version 2.0.9 sha256:"
                + brokenSha.substring(0, 12) + " (user test (inserted directly), "), reason);
        assertTrue(reason.contains("cannot be loaded on this node, which keeps serving version 2.0.0 sha256:"
                + shaBefore.substring(0, 12) + ": [PVP-R001] the rules in the published rules"), reason);
        assertTrue(reason.contains("pipeline.drl:"), reason);
        assertEquals("[PVP-H510] rules-version: " + onB.get("problem").asText(), reason);
        assertFalse(onB.get("inSync").asBoolean());
        assertEquals(brokenSha, onB.at("/published/sha256").asText());
        assertEquals(shaBefore, onB.get("sha256").asText());
        assertTrue(onB.at("/lastReload/error").asText().contains("pipeline.drl:"), onB.toString());
        assertEquals(servedBefore, riskAssessment(b).at("/method/coding/0/version").asText());
        assertFalse(await(a, s -> s.has("problem")).get("inSync").asBoolean(), "node A cannot load it either");
        assertEquals(List.of(2, 2), refusals(brokenSha), "each node records the refusal once, not at every poll");

        try (Database direct = Database.open(database)) {
            new RulesVersions(direct, Clock.systemUTC()).publish(shaBefore, "2.0.0", "user test (rollback)", good,
                    List.of());
        }
        JsonNode healed = await(b, s -> s.get("inSync").asBoolean());

        assertFalse(healed.has("problem"), healed.toString());
        assertTrue(rulesVersionCheck(b).getKey());
        assertEquals(200, b.get("/health/ready").status());
        assertEquals("user test (rollback)", healed.at("/published/by").asText());
        assertEquals(servedBefore, riskAssessment(b).at("/method/coding/0/version").asText());
    }

    @Test
    void aCardsPage_keptBeforeTheRulesChanged_isDrawnOnTheCardsRules_byEveryNode_evenOneThatNeverServedThem()
            throws Exception {
        RuleFolders.edit(rules, "model.drl.csv", IVC_ROW, IVC_ROW.replace("3.3003", "3.25"));
        RuleFolders.edit(rules, "model.drl.csv", "xiong-2021-logistic,2.0.0,", "xiong-2021-logistic,2.0.1,");
        await(b, s -> s.get("version").asText().equals("2.0.1"));
        RunningService.Reply reply = b.post("/cds-services/pvp-refracture-preop", RunningService.example("order-sign.json"));
        String link = ViewLinkTest.pageLink(reply.body().path("cards").get(0));
        String version = "version 2.0.1+rules." + status(b).get("sha256").asText().substring(0, 12);

        RuleFolders.edit(rules, "model.drl.csv", IVC_ROW.replace("3.3003", "3.25"), IVC_ROW.replace("3.3003", "3.2"));
        RuleFolders.edit(rules, "model.drl.csv", "xiong-2021-logistic,2.0.1,", "xiong-2021-logistic,2.0.2,");
        await(b, s -> s.get("version").asText().equals("2.0.2"));
        await(a, s -> s.get("version").asText().equals("2.0.2"));

        // C starts on the bundled rules (2.0.0) and goes to 2.0.2: it reads 2.0.1 from the database.
        try (RunningService c = new RunningService(dir.resolve("c"), settings)) {
            await(c, s -> s.get("version").asText().equals("2.0.2"));
            for (RunningService node : List.of(a, b, c)) {
                String page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(link.replace(b.base,
                        node.base))).build(), HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(page.contains(version), node.base + ": " + page);
            }
        }
    }

    @Test
    void onPostgreSql_aNodeLearnsOfAPublicationAtOnce_notAtItsNextPoll_evenAfterItsSignalConnectionBroke()
            throws Exception {
        Map<String, Object> hourly = new java.util.HashMap<>(settings);
        hourly.put("rulesPollSeconds", 3600);
        Map<String, byte[]> good = files(rules);
        try (RunningService c = new RunningService(dir.resolve("c"), hourly)) {
            for (String version : List.of("2.0.7", "2.0.8")) {
                Map<String, byte[]> edited = new TreeMap<>(good);
                edited.put("model.drl.csv", new String(good.get("model.drl.csv"), StandardCharsets.UTF_8)
                        .replace("xiong-2021-logistic,2.0.0,", "xiong-2021-logistic," + version + ",")
                        .getBytes(StandardCharsets.UTF_8));
                try (Database direct = Database.open(database)) {
                    new RulesVersions(direct, Clock.systemUTC()).publish(RuleSet.hashOf(edited), version,
                            "user test (rules publish)", edited, List.of());
                    JsonNode onC = await(c, s -> s.get("version").asText().equals(version));
                    assertTrue(onC.get("inSync").asBoolean(), onC.toString());
                    // The connection that waits for the signals breaks (a restart of PostgreSQL, a
                    // firewall): every node's is ended; each opens another.
                    int ended = direct.read(connection -> {
                        try (PreparedStatement end = connection.prepareStatement("SELECT COUNT(*) FILTER (WHERE"
                                + " pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE 'LISTEN %'");
                             ResultSet row = end.executeQuery()) {
                            row.next();
                            return row.getInt(1);
                        }
                    });
                    assertEquals(3, ended, "one listening connection per node");
                }
            }
        }
    }

    /** How many rules-refused rows the nodes wrote for a version after two more polls, and how many nodes wrote them. */
    private List<Integer> refusals(String sha) throws Exception {
        Thread.sleep(2 * POLL_SECONDS * 1000L + 500);
        try (Database direct = Database.open(database)) {
            return direct.read(connection -> {
                try (PreparedStatement select = connection.prepareStatement("SELECT COUNT(*), COUNT(DISTINCT node)"
                        + " FROM audit_event WHERE event = 'rules-refused' AND rules_sha256 = ? AND error_code = 'PVP-R001'")) {
                    select.setString(1, sha);
                    try (ResultSet row = select.executeQuery()) {
                        row.next();
                        return List.of(row.getInt(1), row.getInt(2));
                    }
                }
            });
        }
    }
}
