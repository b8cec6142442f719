package org.refracturecds.workbench;

import java.util.List;
import java.util.Map;

import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;

/**
 * A real OpenID Connect provider for the tests (no.nav.security:mock-oauth2-server): in process,
 * on a real socket of 127.0.0.1, started once for the whole test run and stopped when the JVM ends.
 * The SMART launch tests use it too, as the EHR's authorization server (issuer {@code ehr}).
 * Who signs in next is set with {@link #next}: the provider then answers the authorization request
 * at once with a code for that user, as a provider with a single sign-on session does.
 */
public final class OidcProvider {

    static final String ISSUER_ID = "hospital";
    static final String CLIENT_ID = "pvp-workbench";
    static final String AUTHORS = "pvp-rules-authors";
    static final String APPROVERS = "pvp-rules-approvers";
    private static MockOAuth2Server server;

    private OidcProvider() {
    }

    public static synchronized MockOAuth2Server get() {
        if (server == null) {
            server = new MockOAuth2Server();
            server.start(java.net.InetAddress.getLoopbackAddress(), 0);
            MockOAuth2Server started = server;
            Runtime.getRuntime().addShutdownHook(new Thread(started::shutdown));
        }
        return server;
    }

    static String issuer() {
        return get().issuerUrl(ISSUER_ID).toString().replaceAll("/$", "");
    }

    /** The next user to sign in at the provider: a subject, a name and their groups (the roles claim). */
    static void next(String subject, String name, List<String> roles) {
        get().enqueueCallback(new DefaultOAuth2TokenCallback(ISSUER_ID, subject, "JWT", List.of(CLIENT_ID),
                Map.of("name", name, "roles", roles), 3600));
    }

    /** The workbench's settings for this provider, with local accounts besides. */
    static Map<String, Object> workbenchSettings(List<Map<String, Object>> accounts) {
        return Map.of("enabled", true, "sessionMinutes", 60, "accounts", accounts,
                "oidc", Map.of("issuer", issuer(), "clientId", CLIENT_ID, "clientSecret", "a-client-secret",
                        "rolesClaim", "roles", "authorRole", AUTHORS, "approverRole", APPROVERS));
    }
}
