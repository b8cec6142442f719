package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.refracturecds.store.Database;
import org.refracturecds.store.ViewPages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The card's link to the surgeon's page, over a real socket: the link carries no patient data,
 * opens the page, and is refused with a code when altered or expired.
 */
class ViewLinkTest {

    static final String KEY = "a test key of at least thirty-two characters";
    @TempDir
    static Path dir;
    static RunningService service;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        service = new RunningService(dir, Map.of("view", Map.of("key", KEY, "linkMinutes", 30)));
    }

    @AfterAll
    static void stop() throws Exception {
        service.close();
    }

    static String pageLink(JsonNode card) {
        for (JsonNode link : card.path("links")) {
            if (link.path("url").asText().contains("/view/")) {
                assertEquals("absolute", link.path("type").asText());
                return link.path("url").asText();
            }
        }
        throw new AssertionError("no link to the page: " + card.path("links"));
    }

    static HttpResponse<String> get(String url, String accept) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", accept).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theCardsLink_carriesNoPatientData_andOpensThePage() throws Exception {
        JsonNode card = CdsServiceTest.only(service.post("/cds-services/pvp-refracture-risk",
                RunningService.example("patient-view.json")).body().path("cards"));
        String link = pageLink(card);

        assertTrue(link.matches("http://127\\.0\\.0\\.1:\\d+/view/[A-Za-z0-9_-]{43}\\?exp=\\d+&sig=[A-Za-z0-9_-]{43}"), link);
        assertFalse(link.contains("cleft"), "no patient or Observation id in the link");
        assertTrue(card.path("detail").asText().contains("](" + link + ") (the link works for 30 minutes)"),
                card.path("detail").asText());

        HttpResponse<String> page = get(link, "text/html");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").startsWith("default-src 'none'"));
        assertEquals("no-store", page.headers().firstValue("Cache-Control").orElse(""));
        String html = page.body();
        assertTrue(html.contains("T11, after PVP: 57%, High"), html);
        assertTrue(html.contains("Observation/cleft-npec"), "the inputs with their Observation ids");
        assertTrue(html.contains("this patient"), "the observed cell is marked");
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/view-after-pvp.html"), html);
    }

    /**
     * Cards' page ids begin with the time they were made, so the database adds them at one end of
     * its index (a random id rewrote a page of the index per card); the other 26 bytes stay random.
     */
    @Test
    void pageIds_madeTogether_beginWithTheTimeInMilliseconds_andDifferInTheirRandomRest() throws Exception {
        java.util.Set<String> rests = new java.util.HashSet<>();
        for (int i = 0; i < 5; i++) {
            long before = System.currentTimeMillis();
            String link = pageLink(CdsServiceTest.only(service.post("/cds-services/pvp-refracture-risk",
                    RunningService.example("patient-view.json")).body().path("cards")));
            long after = System.currentTimeMillis();
            byte[] id = java.util.Base64.getUrlDecoder().decode(link.replaceAll(".*/view/([^?]+)\\?.*", "$1"));

            assertEquals(32, id.length);
            long millis = java.nio.ByteBuffer.wrap(new byte[] {0, 0, id[0], id[1], id[2], id[3], id[4], id[5]}).getLong();
            assertTrue(millis >= before && millis <= after, millis + " not within " + before + ".." + after);
            assertTrue(rests.add(java.util.Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(id, 6, 32))));
        }
    }

    @Test
    void anAlteredLink_isRefusedWithItsCode() throws Exception {
        JsonNode card = CdsServiceTest.only(service.post("/cds-services/pvp-refracture-preop",
                RunningService.example("order-sign.json")).body().path("cards"));
        String link = pageLink(card);
        Files.writeString(Path.of("target/view-before-pvp.html"), get(link, "text/html").body());
        String later = link.replaceFirst("exp=(\\d+)", "exp=" + (Long.parseLong(link.replaceAll(".*exp=(\\d+).*", "$1")) + 3600));

        HttpResponse<String> page = get(later, "text/html");
        HttpResponse<String> json = get(later, "application/json");

        assertEquals(403, page.statusCode());
        assertTrue(page.body().contains("PVP-H701"), page.body());
        assertEquals(403, json.statusCode());
        assertEquals("PVP-H701", RunningService.JSON.readTree(json.body()).at("/issue/0/details/coding/0/code").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"exp twice", "exp twice, the second other", "sig twice", "exp with a plus",
            "exp with a leading zero", "sig padded", "sig in standard base64"})
    void aLinkNotWrittenExactlyAsTheServiceWritesIt_isRefusedAsAlteredLinksAre(String how) throws Exception {
        // given a signed link with no page kept, and the same link written another way
        String id = "C".repeat(43);
        long exp = System.currentTimeMillis() / 1000 + 600;
        while (!sign(id, exp).contains("-")) {
            exp++; // a signature whose standard base64 differs from its base64url
        }
        String sig = sign(id, exp);
        String link = service.base + "/view/" + id + "?exp=" + exp + "&sig=" + sig;
        String other = switch (how) {
            case "exp twice" -> link + "&exp=" + exp;
            case "exp twice, the second other" -> link + "&exp=" + (exp + 3600);
            case "sig twice" -> link + "&sig=" + sig;
            case "exp with a plus" -> link.replace("exp=", "exp=%2B");
            case "exp with a leading zero" -> link.replace("exp=", "exp=0");
            case "sig padded" -> link + "%3D";
            default -> link.replace(sig, sig.replace("-", "%2B").replace("_", "%2F") + "%3D");
        };

        // when each is opened
        HttpResponse<String> made = get(link, "application/json");
        HttpResponse<String> page = get(other, "application/json");

        // then the link as made is read (and has no page), the other is refused as an altered link is
        assertEquals(404, made.statusCode(), made.body());
        assertEquals(403, page.statusCode(), other + "\n" + page.body());
        JsonNode issue = RunningService.JSON.readTree(page.body()).at("/issue/0");
        assertEquals("PVP-H701", issue.at("/details/coding/0/code").asText());
        assertEquals("link", issue.at("/expression/0").asText());
        assertTrue(issue.at("/details/text").asText().endsWith("Open the page from the card again."), page.body());
    }

    @Test
    void aHeadRequest_getsTheStatusAGetWould_withoutABody() throws Exception {
        // given a card's link, the same link altered, an expired one and one with no page kept
        String link = pageLink(CdsServiceTest.only(service.post("/cds-services/pvp-refracture-risk",
                RunningService.example("patient-view.json")).body().path("cards")));
        long past = System.currentTimeMillis() / 1000 - 60;
        long future = System.currentTimeMillis() / 1000 + 600;
        Map<String, Integer> links = Map.of(
                link, 200,
                link.replaceFirst("sig=.", "sig=" + (link.contains("sig=A") ? "B" : "A")), 403,
                service.base + "/view/" + "A".repeat(43) + "?exp=" + past + "&sig=" + sign("A".repeat(43), past), 410,
                service.base + "/view/" + "B".repeat(43) + "?exp=" + future + "&sig=" + sign("B".repeat(43), future), 404);

        for (Map.Entry<String, Integer> each : links.entrySet()) {
            // when it is asked for with HEAD, as a browser's or a mail scanner's check of a link may
            HttpResponse<String> head = HTTP.send(HttpRequest.newBuilder(URI.create(each.getKey())).header("Accept", "text/html")
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

            // then it gets the status a GET gets, and no body
            assertEquals(each.getValue(), head.statusCode(), each.getKey());
            assertEquals(each.getValue(), get(each.getKey(), "text/html").statusCode(), each.getKey());
            assertEquals("", head.body());
        }
    }

    /** The signature the service gives {@code id} expiring at {@code exp}, under {@link #KEY}. */
    static String sign(String id, long exp) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(
                mac.doFinal((id + "." + exp).getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void anExpiredLink_isRefusedWithItsCode_evenWhenItsSignatureIsRight() throws Exception {
        String id = "A".repeat(43);
        long past = System.currentTimeMillis() / 1000 - 60;

        HttpResponse<String> page = get(service.base + "/view/" + id + "?exp=" + past + "&sig=" + sign(id, past), "text/html");

        assertEquals(410, page.statusCode());
        assertTrue(page.body().contains("PVP-H702"), page.body());
    }

    @Test
    void aSignedLinkWithNoPageKept_isNotFound() throws Exception {
        String id = "B".repeat(43);
        long future = System.currentTimeMillis() / 1000 + 600;

        HttpResponse<String> page = get(service.base + "/view/" + id + "?exp=" + future + "&sig=" + sign(id, future),
                "application/json");

        assertEquals(404, page.statusCode());
        assertTrue(page.body().contains("PVP-H703"), page.body());
    }

    /**
     * What the service keeps for a card's page, changed by {@code change}, kept under a new id; the
     * signed link to it. The service and this test share its H2 file.
     */
    private static String keptChanged(java.util.function.Consumer<ObjectNode> change) throws Exception {
        String link = pageLink(CdsServiceTest.only(service.post("/cds-services/pvp-refracture-risk",
                RunningService.example("patient-view.json")).body().path("cards")));
        String id = link.replaceAll(".*/view/([A-Za-z0-9_-]{43}).*", "$1");
        long exp = Long.parseLong(link.replaceAll(".*exp=(\\d+).*", "$1"));
        String other = id.substring(0, 42) + (id.endsWith("A") ? "B" : "A");
        try (Database database = Database.open(new Database.Settings("jdbc:h2:" + dir.toAbsolutePath().resolve("pvp"),
                null, null, 2)); ViewPages pages = new ViewPages(database, Clock.systemUTC())) {
            Optional<ViewPages.Stored> stored = pages.find(id);
            for (int i = 0; stored.isEmpty() && i < 100; i++) {
                Thread.sleep(50);
                stored = pages.find(id);
            }
            ObjectNode kept = (ObjectNode) RunningService.JSON.readTree(stored.orElseThrow().page());
            change.accept(kept);
            pages.keep(other, kept::toString, Instant.ofEpochSecond(exp));
        }
        return service.base + "/view/" + other + "?exp=" + exp + "&sig=" + sign(other, exp);
    }

    @Test
    void aPageWhoseRulesTheServiceNoLongerHas_isGone_withItsCode() throws Exception {
        String link = keptChanged(kept -> kept.put("rules", "0".repeat(64)));

        HttpResponse<String> page = get(link, "text/html");

        assertEquals(410, page.statusCode());
        assertTrue(page.body().contains("PVP-H704"), page.body());
        assertTrue(page.body().contains("(version 2.0.0 sha256:000000000000)"), page.body());
    }

    @Test
    void aPageWhoseAssessmentRunAgainGivesOtherNumbers_isNotShown() throws Exception {
        String link = keptChanged(kept -> {
            ArrayNode logits = (ArrayNode) kept.get("logits");
            logits.set(0, logits.get(0).asDouble() + 0.01);
        });

        HttpResponse<String> page = get(link, "application/json");

        assertEquals(500, page.statusCode());
        assertEquals("PVP-H705", RunningService.JSON.readTree(page.body()).at("/issue/0/details/coding/0/code").asText());
    }
}
