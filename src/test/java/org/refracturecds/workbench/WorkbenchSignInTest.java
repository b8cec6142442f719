package org.refracturecds.workbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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

/**
 * Signing in to the workbench over real sockets: through a real OpenID Connect provider (authorization
 * code with PKCE), and with a local account; what a signed-out browser, and a change without its
 * CSRF token, get.
 */
class WorkbenchSignInTest {

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

    /** Signs in through the provider as the user set by {@link OidcProvider#next}; the last page. */
    static HttpResponse<String> signInWithProvider(WorkbenchClient browser) throws Exception {
        HttpResponse<String> start = browser.get(service.base + "/workbench/signin/oidc");
        assertEquals(302, start.statusCode(), start.body());
        URI authorize = URI.create(start.headers().firstValue("Location").orElseThrow());
        assertTrue(authorize.toString().startsWith(OidcProvider.issuer()), authorize.toString());
        assertTrue(authorize.getQuery().contains("code_challenge_method=S256"), authorize.getQuery());
        HttpResponse<String> answer = browser.get(authorize.toString());
        assertEquals(302, answer.statusCode(), answer.body());
        String callback = answer.headers().firstValue("Location").orElseThrow();
        assertTrue(callback.startsWith(service.base + "/workbench/callback?"), callback);
        return browser.follow(callback);
    }

    static HttpResponse<String> signInLocally(WorkbenchClient browser, String user, String password) throws Exception {
        return browser.signInLocally(service.base, user, password);
    }

    @Test
    void anAuthorOfTheHospital_signsInThroughTheProvider_andSeesTheDrafts() throws Exception {
        WorkbenchClient browser = new WorkbenchClient();
        OidcProvider.next("u-1001", "Dr Ada Author", List.of("staff", OidcProvider.AUTHORS));

        HttpResponse<String> home = signInWithProvider(browser);

        assertEquals(200, home.statusCode(), home.body());
        assertTrue(home.body().contains("Signed in as <strong>Dr Ada Author</strong> (author)"), home.body());
        assertTrue(home.body().contains("Start a draft"), home.body());
        assertNotNull(browser.cookie("127.0.0.1:" + service.server.port(), Workbench.SESSION_COOKIE));
    }

    @Test
    void theSessionCookie_isHttpOnlySecureAndSameSite() throws Exception {
        WorkbenchClient browser = new WorkbenchClient();
        OidcProvider.next("u-1002", "Dr Ben Approver", List.of(OidcProvider.APPROVERS));
        HttpResponse<String> start = browser.get(service.base + "/workbench/signin/oidc");
        HttpResponse<String> answer = browser.get(start.headers().firstValue("Location").orElseThrow());

        HttpResponse<String> callback = browser.get(answer.headers().firstValue("Location").orElseThrow());

        assertEquals(303, callback.statusCode(), callback.body());
        String cookie = callback.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith(Workbench.SESSION_COOKIE + "=")).findFirst().orElseThrow();
        assertTrue(cookie.contains("; HttpOnly; Secure; SameSite=Lax"), cookie);
        assertTrue(browser.follow(service.base + "/workbench").body().contains("(approver)"));
    }

    @Test
    void someoneOfTheHospitalWithoutEitherGroup_isRefused_withWhatToAskFor() throws Exception {
        WorkbenchClient browser = new WorkbenchClient();
        OidcProvider.next("u-1003", "Dr Cy Cardiology", List.of("staff"));

        HttpResponse<String> page = signInWithProvider(browser);

        assertEquals(401, page.statusCode());
        assertTrue(page.body().contains("neither a rules author nor an approver"), page.body());
        assertTrue(page.body().contains("PVP-H805"), page.body());
        assertTrue(browser.follow(service.base + "/workbench").body().contains("Rules workbench: sign in"));
    }

    @Test
    void aCallbackThatThisBrowserDidNotBegin_isRefused() throws Exception {
        WorkbenchClient attacker = new WorkbenchClient(); // no user is set: no code is ever exchanged
        HttpResponse<String> start = attacker.get(service.base + "/workbench/signin/oidc");
        String callback = attacker.get(start.headers().firstValue("Location").orElseThrow()).headers()
                .firstValue("Location").orElseThrow();

        HttpResponse<String> victim = new WorkbenchClient().follow(callback);

        assertEquals(401, victim.statusCode());
        assertTrue(victim.body().contains("PVP-H802"), victim.body());
    }

    @Test
    void aLocalAccount_signsInWithItsPassword_andAWrongPasswordIsRefused() throws Exception {
        WorkbenchClient browser = new WorkbenchClient();

        HttpResponse<String> wrong = signInLocally(browser, "ann", "not the password");
        HttpResponse<String> unknown = signInLocally(browser, "nobody", WorkbenchService.PASSWORD);
        HttpResponse<String> right = signInLocally(browser, "ann", WorkbenchService.PASSWORD);

        assertEquals(401, wrong.statusCode());
        assertTrue(wrong.body().contains("the name or the password is not right (PVP-H801)"), wrong.body());
        assertEquals(401, unknown.statusCode());
        assertTrue(unknown.body().contains("the name or the password is not right (PVP-H801)"), unknown.body());
        assertTrue(right.body().contains("Signed in as <strong>Ann Author</strong> (author)"), right.body());
    }

    @Test
    void aSignedOutBrowser_seesNothingButTheSignIn() throws Exception {
        WorkbenchClient browser = new WorkbenchClient();

        for (String path : List.of("/workbench", "/workbench/drafts/1", "/workbench/audit")) {
            HttpResponse<String> page = browser.get(service.base + path);
            assertEquals(200, page.statusCode(), path);
            assertTrue(page.body().contains("Rules workbench: sign in"), path);
            assertFalse(page.body().contains("Signed in"), path);
            assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'none'"));
        }
        HttpResponse<String> data = browser.get(service.base + "/workbench/api/drafts/1");
        assertEquals(401, data.statusCode());
        assertTrue(data.body().contains("PVP-H810"), data.body());
        HttpResponse<String> create = browser.postForm(service.base + "/workbench/drafts", Map.of("note", "x"));
        assertEquals(401, create.statusCode());
        assertTrue(create.body().contains("PVP-H810"), create.body());
    }

    @Test
    void aHeadRequest_ofARouteThatNeedsASignIn_getsThe401AGetWould_withoutABody() throws Exception {
        // given a signed-out browser
        WorkbenchClient browser = new WorkbenchClient();

        // when it asks for a draft's data with HEAD
        HttpResponse<String> head = browser.head(service.base + "/workbench/api/drafts/1");

        // then it gets the 401 a GET gets, and no body
        assertEquals(401, browser.get(service.base + "/workbench/api/drafts/1").statusCode());
        assertEquals(401, head.statusCode());
        assertEquals("", head.body());
    }

    @Test
    void theProvidersRoutes_ofAWorkbenchWithItsOwnAccountsAlone_are404_notAnError() throws Exception {
        // given a workbench whose sign-in is by its own accounts, no OpenID Connect provider set
        String hash = at.favre.lib.crypto.bcrypt.BCrypt.withDefaults().hashToString(4, "x".toCharArray());
        try (WorkbenchService local = new WorkbenchService(dir.resolve("local"), Map.of("workbench", Map.of("enabled", true,
                "accounts", List.of(Map.of("user", "ann", "name", "Ann", "role", "author", "passwordHash", hash)))))) {
            WorkbenchClient browser = new WorkbenchClient();

            // when a browser asks for the provider's sign-in, or comes back from one
            for (String path : List.of("/workbench/signin/oidc", "/workbench/callback?code=x&state=y")) {
                HttpResponse<String> answer = browser.get(local.base + path);

                // then nothing is there, said as such
                assertEquals(404, answer.statusCode(), path + " " + answer.body());
                assertTrue(answer.body().contains("PVP-H404"), answer.body());
            }
        }
    }

    @Test
    void aChangeWithoutTheSessionsCsrfToken_isRefused() throws Exception {
        WorkbenchClient browser = new WorkbenchClient();
        signInLocally(browser, "ann", WorkbenchService.PASSWORD);

        HttpResponse<String> forged = browser.postForm(service.base + "/workbench/drafts", Map.of("note", "forged"));
        HttpResponse<String> wrongToken = browser.postForm(service.base + "/workbench/drafts",
                Map.of("note", "forged", "csrf", "not-the-token"));

        assertEquals(403, forged.statusCode());
        assertTrue(forged.body().contains("PVP-H811"), forged.body());
        assertEquals(403, wrongToken.statusCode());
        assertFalse(browser.follow(service.base + "/workbench").body().contains("forged"));
    }

    @Test
    void signingOut_endsTheSession() throws Exception {
        WorkbenchClient browser = new WorkbenchClient();
        String home = signInLocally(browser, "abe", WorkbenchService.PASSWORD).body();

        HttpResponse<String> out = browser.postForm(service.base + "/workbench/signout",
                Map.of("csrf", WorkbenchClient.hidden(home, "csrf")));

        assertEquals(303, out.statusCode());
        assertTrue(browser.follow(service.base + "/workbench").body().contains("Rules workbench: sign in"));
    }
}
