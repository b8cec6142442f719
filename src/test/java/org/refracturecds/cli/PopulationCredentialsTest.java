package org.refracturecds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.MemoryFhirServer;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;

import no.nav.security.mock.oauth2.MockOAuth2Server;

/**
 * {@code assess --fhir-server} with the service's own credentials ({@code --config}, setting
 * fhirServer.auth, as {@code serve} uses them): SMART Backend Services against a real OAuth2
 * authorization server (mock-oauth2-server), and a FHIR server that reads nothing without one of
 * its tokens.
 */
class PopulationCredentialsTest {

    private static MockOAuth2Server oauth;
    private static MemoryFhirServer fhir;

    @TempDir
    static Path dir;
    static Path keyFile;

    @BeforeAll
    static void start() throws Exception {
        oauth = new MockOAuth2Server();
        oauth.start(java.net.InetAddress.getLoopbackAddress(), 0);
        DefaultJWTProcessor<SecurityContext> tokens = new DefaultJWTProcessor<>();
        tokens.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256,
                JWKSourceBuilder.create(oauth.jwksUrl("hospital").url()).build()));
        fhir = new MemoryFhirServer();
        SyntheticPopulation.put(fhir, 3);
        fhir.requireTokenThat(token -> {
            try {
                tokens.process(token, null);
                return true;
            } catch (Exception refused) {
                return false;
            }
        });
        RSAKey key = new RSAKeyGenerator(2048).keyID("module-rsa").generate();
        keyFile = dir.resolve("module-rsa.json");
        Files.writeString(keyFile, key.toJSONString());
    }

    @AfterAll
    static void stop() throws Exception {
        fhir.close();
        oauth.shutdown();
    }

    private static Path settings(String tokenUrl) throws Exception {
        Path file = Files.createTempFile(dir, "settings", ".yaml");
        Files.writeString(file, "fhirServer:\n  url: " + fhir.base + "\n  auth:\n    mode: smart\n    tokenUrl: " + tokenUrl
                + "\n    clientId: pvp-refracture-cds\n    keyFile: " + keyFile + "\n    algorithm: RS384\n");
        return file;
    }

    @Test
    void smartBackendServicesFromTheSettings_getATokenTheServerAccepts_andThePatientsAreAssessed() throws Exception {
        // given the service's settings with SMART Backend Services, and no --fhir-server: the settings name it
        Path settings = settings(oauth.tokenEndpointUrl("hospital").toString());

        // when the named patients are assessed
        CliRun run = CliRun.of("assess", "--config", settings.toString(), "--patient", "syn0", "syn1",
                "--state", dir.resolve("state").toString());

        // then the server answered the module's token, once asked for
        assertEquals(0, run.exit(), run.err());
        assertEquals(2, run.out().lines().count(), run.out());
        assertTrue(run.err().contains("Population run of " + fhir.base + ": 2 patients named (--patient); 2 assessed"),
                run.err());
        List<String> tokenRequests = new java.util.ArrayList<>();
        for (okhttp3.mockwebserver.RecordedRequest request = next(); request != null; request = next()) {
            if ("POST".equals(request.getMethod())) {
                tokenRequests.add(request.getBody().readUtf8());
            }
        }
        assertEquals(1, tokenRequests.size(), "one token request: the token is kept for the run");
        assertTrue(tokenRequests.get(0).contains("grant_type=client_credentials"), tokenRequests.get(0));
        assertTrue(tokenRequests.get(0).contains("client_assertion="), tokenRequests.get(0));
    }

    /** The next request the authorization server got, or null when none came within 300 ms. */
    private static okhttp3.mockwebserver.RecordedRequest next() {
        try {
            return oauth.takeRequest(300, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (RuntimeException none) { // mock-oauth2-server throws when the queue stays empty
            return null;
        }
    }

    @Test
    void withoutTheSettings_theServerRefuses_andTheMessageSaysWhereCredentialsGo() {
        CliRun run = CliRun.of("assess", "--fhir-server", fhir.base, "--patient", "syn0", "--state",
                dir.resolve("state").toString());

        assertEquals(Cli.SERVER, run.exit());
        assertTrue(run.err().contains("the FHIR server answered HTTP 401: the credentials were missing or refused"
                + " (--bearer-token-env names the variable that holds a token)"), run.err());
    }

    @Test
    void anAuthorizationServerThatIsNotThere_stopsTheRunWithACodedMessage_andExit4() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        Path settings = settings("http://127.0.0.1:" + closedPort + "/token");

        CliRun run = CliRun.of("assess", "--config", settings.toString(), "--all", "--state",
                dir.resolve("state").toString());

        assertEquals(Cli.SERVER, run.exit(), run.err());
        assertTrue(run.err().startsWith("error [PVP-C302] "), run.err());
        assertTrue(run.err().contains("fhirServer.auth.tokenUrl"), run.err());
        assertTrue(run.err().contains("cannot be reached"), run.err());
        assertTrue(!run.err().contains("Exception"), run.err());
    }

    @Test
    void theSettingsAndATokenVariable_areRefusedTogether() throws Exception {
        CliRun run = CliRun.of("assess", "--config", settings("http://127.0.0.1:1/token").toString(),
                "--bearer-token-env", "PVP_TOKEN", "--all");

        assertEquals(Cli.BAD_INPUT, run.exit());
        assertEquals(List.of("error [PVP-C301] --bearer-token-env and --config: give the credentials one way,"
                + " fhirServer.auth in the settings or the variable"), run.err().lines().toList());
    }
}
