package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.testservers.HapiJpaServer;

import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The surgeon's page as a SMART app, end to end over real sockets: the EHR's launch, the real
 * authorization server's authorize and token endpoints (mock-oauth2-server, with PKCE), the
 * callback, and the page made from this patient's findings read with the user's token from the
 * real HAPI FHIR JPA server behind the EHR's front ({@link SmartEhr}); and the refusals.
 */
class SmartLaunchTest {

    private static final String PATIENT = "smart-cleft";
    private static final String KEY = "a test key of at least thirty-two characters";
    @TempDir
    static Path dir;
    static SmartEhr ehr;
    static RunningService service;
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    static void start() throws Exception {
        ehr = new SmartEhr();
        loadCleftPatient();
        // A JPA server's first searches are slow; the budget is for a loaded test machine, not a hospital's.
        service = new RunningService(dir, Map.of("fhirServers", List.of(ehr.base()), "view", Map.of("key", KEY),
                "smart", Map.of("enabled", true, "clientId", SmartEhr.CLIENT_ID, "fetchTimeoutMillis", 20_000)));
    }

    @AfterAll
    static void stop() throws Exception {
        service.close();
        ehr.close();
    }

    /** examples/cleft-no-endplate-contact.json on the JPA server, as Patient/smart-cleft and its Observations. */
    private static void loadCleftPatient() throws Exception {
        FhirContext fhir = FhirContext.forR4Cached();
        Bundle example = fhir.newJsonParser().parseResource(Bundle.class,
                Files.readString(Path.of("examples/cleft-no-endplate-contact.json")));
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (Bundle.BundleEntryComponent entry : example.getEntry()) {
            Resource resource = entry.getResource();
            String id = "smart-" + resource.getIdElement().getIdPart();
            resource.setId(id);
            if (resource instanceof Observation observation) {
                observation.getSubject().setReference("Patient/" + PATIENT);
            }
            transaction.addEntry().setResource(resource).getRequest().setMethod(Bundle.HTTPVerb.PUT)
                    .setUrl(resource.fhirType() + "/" + id);
        }
        HapiJpaServer.shared().client().transaction().withBundle(transaction).execute();
    }

    private static HttpResponse<String> get(String url, String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/html").GET();
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String launchUrl(String iss, String launch) {
        return service.base + "/smart/launch?iss=" + URLEncoder.encode(iss, StandardCharsets.UTF_8) + "&launch="
                + URLEncoder.encode(launch, StandardCharsets.UTF_8);
    }

    /** A launch up to the authorization server's redirect back: the callback URL and the cookie the browser holds. */
    private record Authorized(String callback, String cookie, String authorizeUrl) {
    }

    private static Authorized authorize(String launch) throws Exception {
        HttpResponse<String> launched = get(launchUrl(ehr.base(), launch), null);
        assertEquals(302, launched.statusCode(), launched.body());
        String authorizeUrl = launched.headers().firstValue("Location").orElseThrow();
        String setCookie = launched.headers().firstValue("Set-Cookie").orElseThrow();
        HttpResponse<String> authorized = get(authorizeUrl, null);
        assertEquals(302, authorized.statusCode(), authorized.body());
        return new Authorized(authorized.headers().firstValue("Location").orElseThrow(),
                setCookie.substring(0, setCookie.indexOf(';')), authorizeUrl);
    }

    private static Map<String, String> query(String url) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : URI.create(url).getRawQuery().split("&")) {
            int equals = pair.indexOf('=');
            parameters.put(pair.substring(0, equals), java.net.URLDecoder.decode(pair.substring(equals + 1),
                    StandardCharsets.UTF_8));
        }
        return parameters;
    }

    @Test
    void ehrLaunch_authorizesWithPkce_andShowsThisPatientsPageFromTheFhirServer() throws Exception {
        // given the EHR launching the app from Patient/smart-cleft's chart, the patient in the user's token
        String launch = ehr.launch(PATIENT, false);

        // when the browser follows the launch, the authorization server and the callback
        Authorized authorized = authorize(launch);
        HttpResponse<String> page = get(authorized.callback(), authorized.cookie());

        // then the authorization request was SMART's, with PKCE S256 and the launch
        Map<String, String> asked = query(authorized.authorizeUrl());
        assertEquals("code", asked.get("response_type"));
        assertEquals(SmartEhr.CLIENT_ID, asked.get("client_id"));
        assertEquals("S256", asked.get("code_challenge_method"));
        assertEquals(launch, asked.get("launch"));
        assertEquals(ehr.base(), asked.get("aud"));
        assertEquals(service.base + "/smart/callback", asked.get("redirect_uri"));
        assertTrue(List.of(asked.get("scope").split(" ")).containsAll(List.of("launch", "patient/Observation.rs")),
                asked.get("scope"));
        assertTrue(authorized.cookie().startsWith("pvp-smart-" + asked.get("state") + "="), authorized.cookie());
        assertFalse(authorized.cookie().contains(PATIENT));
        // and the page is this patient's, from the findings on the FHIR server
        assertEquals(200, page.statusCode(), page.body());
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").startsWith("default-src 'none'"));
        assertEquals("no-store", page.headers().firstValue("Cache-Control").orElse(""));
        String html = page.body();
        assertTrue(html.contains("Patient/" + PATIENT + " &middot; Launched from the EHR"), html);
        assertTrue(html.contains("T11, after PVP: "), html);
        assertTrue(html.contains("Observation/smart-cleft-npec"), "the inputs with their Observation ids");
        assertTrue(html.contains("this patient"), "the observed cell is marked");
        assertFalse(html.contains("Age not known"), "the Patient was read, with its birth date");
        assertFalse(html.contains("PVP-W121"), "the PVPs on record were read");
    }

    @Test
    void patientInTheTokenResponse_isTheLaunchContext() throws Exception {
        // given an EHR that gives the patient in the token response, as SMART says, and not in the token
        String launch = ehr.launch(PATIENT, true);

        // when launched
        Authorized authorized = authorize(launch);
        HttpResponse<String> page = get(authorized.callback(), authorized.cookie());

        // then the page is that patient's
        assertEquals(200, page.statusCode(), page.body());
        assertTrue(page.body().contains("Observation/smart-cleft-npec"), page.body());
    }

    @Test
    void issNotOnTheAllowlist_isRefusedBeforeAnyConnection() throws Exception {
        // when an EHR launches with a FHIR server the service may not fetch from
        HttpResponse<String> refused = get(launchUrl("http://169.254.169.254/fhir", "x"), null);

        // then a page with the code, and no redirect
        assertEquals(403, refused.statusCode());
        assertTrue(refused.body().contains("PVP-H712"), refused.body());
        assertTrue(refused.headers().firstValue("Location").isEmpty());
        assertTrue(refused.headers().firstValue("Set-Cookie").isEmpty());
    }

    @Test
    void launchWithoutIssOrLaunch_isRefused() throws Exception {
        HttpResponse<String> refused = get(service.base + "/smart/launch?iss=" + ehr.base(), null);
        assertEquals(400, refused.statusCode());
        assertTrue(refused.body().contains("PVP-H711"), refused.body());
    }

    @Test
    void callbackWithAnotherState_orWithoutTheLaunchCookie_isRefused() throws Exception {
        // given an authorized launch
        Authorized authorized = authorize(ehr.launch(PATIENT, false));
        Map<String, String> answer = query(authorized.callback());
        String cookieValue = authorized.cookie().substring(authorized.cookie().indexOf('=') + 1);

        // when the callback comes with a state of another launch (the same cookie renamed to it), or in another browser
        // (its first character a digit other than the state's: a letter could be the same one, or the same in the
        // other case, which an earlier request's cookie on the same connection made the valid one miss)
        String state = answer.get("state");
        String otherState = (state.charAt(0) == '0' ? "1" : "0") + state.substring(1);
        HttpResponse<String> otherStateAnswer = get(service.base + "/smart/callback?code=" + answer.get("code")
                + "&state=" + otherState, "pvp-smart-" + otherState + "=" + cookieValue);
        HttpResponse<String> noCookie = get(authorized.callback(), null);
        HttpResponse<String> alteredCookie = get(authorized.callback(), authorized.cookie().substring(0,
                authorized.cookie().length() - 4) + "AAAA");

        // then each is refused with the code, before the code is used
        for (HttpResponse<String> refused : List.of(otherStateAnswer, noCookie, alteredCookie)) {
            assertEquals(400, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("PVP-H714"), refused.body());
        }
        // and the launch itself still ends with the page
        HttpResponse<String> page = get(authorized.callback(), authorized.cookie());
        assertEquals(200, page.statusCode(), page.body());
    }

    @Test
    void codeUsedTwice_orOfAnotherLaunch_isRefusedByTheAuthorizationServer() throws Exception {
        // given a launch that ended with its page, and another launch authorized but not yet back
        Authorized used = authorize(ehr.launch(PATIENT, false));
        HttpResponse<String> page = get(used.callback(), used.cookie());
        assertEquals(200, page.statusCode(), page.body());
        Authorized other = authorize(ehr.launch(PATIENT, false));

        // when the used code comes again with its cookie (replayed), and the other launch's code comes back with
        // this launch's state and cookie, so its PKCE verifier is not the one its challenge was made from
        HttpResponse<String> replayed = get(used.callback(), used.cookie());
        String state = query(used.callback()).get("state");
        HttpResponse<String> otherCode = get(service.base + "/smart/callback?code="
                + URLEncoder.encode(query(other.callback()).get("code"), StandardCharsets.UTF_8) + "&state=" + state,
                used.cookie());

        // then both are refused with the code
        for (HttpResponse<String> refused : List.of(replayed, otherCode)) {
            assertEquals(403, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("PVP-H715"), refused.body());
        }
    }

    @Test
    void authorizationServerRefusing_isSaidOnThePage() throws Exception {
        // given a launch the user is not allowed (no token will be given: none is queued at the server)
        Authorized authorized = authorize("a-launch-without-token");
        String state = query(authorized.callback()).get("state");
        HttpResponse<String> refused = get(service.base + "/smart/callback?error=access_denied&state=" + state,
                authorized.cookie());
        assertEquals(403, refused.statusCode());
        assertTrue(refused.body().contains("PVP-H715") && refused.body().contains("access_denied"), refused.body());
    }

    @Test
    void launchWithoutPatient_isRefused() throws Exception {
        Authorized authorized = authorize(ehr.launch(null, (String) null));
        HttpResponse<String> refused = get(authorized.callback(), authorized.cookie());
        assertEquals(422, refused.statusCode());
        assertTrue(refused.body().contains("PVP-H717"), refused.body());
    }

    @Test
    void patientWithoutFindings_getsAPageSayingSo() throws Exception {
        Authorized authorized = authorize(ehr.launch("smart-nobody", false));
        HttpResponse<String> page = get(authorized.callback(), authorized.cookie());
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("PVP-H719"), page.body());
    }

    @Test
    void tokenTheFhirServerRefuses_isSaidOnThePage() throws Exception {
        // given a token for one patient while the token response names another (an EHR mix-up)
        Authorized authorized = authorize(ehr.launch(PATIENT, "smart-other"));
        HttpResponse<String> refused = get(authorized.callback(), authorized.cookie());
        assertEquals(502, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("PVP-H718"), refused.body());
    }

    @Test
    void cardOffersTheSmartLaunch_whenItIsOn() throws Exception {
        RunningService.Reply reply = service.post("/cds-services/pvp-refracture-risk",
                RunningService.example("patient-view.json"));
        assertEquals(200, reply.status(), reply.body().toString());
        JsonNode smart = null;
        for (JsonNode link : reply.body().at("/cards/0/links")) {
            if ("smart".equals(link.path("type").asText())) {
                smart = link;
            }
        }
        assertNotNull(smart, reply.body().toString());
        assertEquals(service.base + "/smart/launch", smart.path("url").asText());
    }

    @Test
    void launchBegunOnOneNode_endsOnAnother_withTheSameKey(@TempDir Path other) throws Exception {
        // given a second node behind the same public URL, with the same key and nothing shared in memory
        try (RunningService second = new RunningService(other, Map.of("fhirServers", List.of(ehr.base()),
                "publicUrl", service.base, "view", Map.of("key", KEY),
                "smart", Map.of("enabled", true, "clientId", SmartEhr.CLIENT_ID, "fetchTimeoutMillis", 20_000)))) {
            // when the launch goes to the first node and the authorization server's answer to the second
            Authorized authorized = authorize(ehr.launch(PATIENT, false));
            HttpResponse<String> page = get(authorized.callback().replace(service.base, second.base), authorized.cookie());

            // then the second node finishes it
            assertEquals(200, page.statusCode(), page.body());
            assertTrue(page.body().contains("Observation/smart-cleft-npec"), page.body());
        }
    }

    @Test
    void inTheBrowser_theLaunchEndsOnThisPatientsPage_withoutConsoleErrors() throws Exception {
        ChromeDriver browser = Browser.get();
        browser.manage().logs().get(LogType.BROWSER); // drop what earlier pages logged

        // when the EHR opens the launch URL in the browser, which follows the authorization server's redirects
        browser.get(launchUrl(ehr.base(), ehr.launch(PATIENT, false)));

        // then the page at the callback is this patient's, with its chart, and nothing went wrong on the way
        assertTrue(browser.getCurrentUrl().startsWith(service.base + "/smart/callback?"), browser.getCurrentUrl());
        assertTrue(browser.findElement(By.id("summary")).getText().contains("T11, after PVP: "),
                browser.findElement(By.id("summary")).getText());
        assertTrue(browser.findElement(By.tagName("header")).getText().contains("Patient/" + PATIENT),
                browser.findElement(By.tagName("header")).getText());
        assertEquals(1, browser.findElement(By.id("technique")).findElements(By.cssSelector("rect.marked")).size(),
                "this patient's observed cell");
        List<LogEntry> console = browser.manage().logs().get(LogType.BROWSER).getAll();
        assertTrue(console.isEmpty(), "no console messages: " + console);
        Files.createDirectories(Path.of("target/screenshots"));
        Files.write(Path.of("target/screenshots", "smart-launch.png"), browser.getScreenshotAs(OutputType.BYTES));
    }
}
