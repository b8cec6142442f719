package org.refracturecds.fhirin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.http.HttpError;
import org.refracturecds.http.ServiceConfig;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * The module's own credentials against a real OAuth2 authorization server (mock-oauth2-server, on
 * a socket of this machine) and a FHIR server (HAPI RestfulServer on Jetty) that refuses any request
 * without a token that server signed.
 */
class ServerCredentialsTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final String CLIENT = "pvp-refracture-cds";

    @TempDir
    static Path dir;
    static MockOAuth2Server oauth;
    static Server fhirServer;
    static String fhirBase;
    static String tokenUrl;

    /** A patient the FHIR server gives only to a caller with a token of the authorization server. */
    public static final class Patients implements IResourceProvider {
        @Override
        public Class<Patient> getResourceType() {
            return Patient.class;
        }

        @Read
        public Patient read(@IdParam org.hl7.fhir.r4.model.IdType id) {
            Patient patient = new Patient();
            patient.setId(id.getIdPart());
            return patient;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        oauth = new MockOAuth2Server();
        oauth.start();
        tokenUrl = oauth.tokenEndpointUrl("hospital").toString();
        DefaultJWTProcessor<SecurityContext> tokens = new DefaultJWTProcessor<>();
        tokens.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256,
                JWKSourceBuilder.create(oauth.jwksUrl("hospital").url()).build()));
        RestfulServer restful = new RestfulServer(FHIR);
        restful.setResourceProviders(new Patients());
        fhirServer = new Server();
        ServerConnector connector = new ServerConnector(fhirServer);
        connector.setHost("127.0.0.1");
        fhirServer.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(restful), "/fhir/*");
        fhirServer.setHandler(new Handler.Wrapper(context) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
                try {
                    tokens.process(authorization.substring("Bearer ".length()), null);
                } catch (Exception | Error refused) {
                    Response.writeError(request, response, callback, 401);
                    return true;
                }
                return super.handle(request, response, callback);
            }
        });
        fhirServer.start();
        fhirBase = "http://127.0.0.1:" + connector.getLocalPort() + "/fhir";
        FHIR.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    }

    @AfterAll
    static void stop() throws Exception {
        fhirServer.stop();
        oauth.shutdown();
    }

    private static ServiceConfig.ServerAuth smart(Path keyFile, String keyId, String algorithm) {
        return new ServiceConfig.ServerAuth("smart", null, null, tokenUrl, CLIENT, keyFile.toString(), keyId, algorithm,
                "system/Patient.read");
    }

    /** The form fields of each token request the authorization server got since the last call (not its JWKS reads). */
    private static List<Map<String, String>> tokenRequests() throws Exception {
        List<Map<String, String>> forms = new java.util.ArrayList<>();
        for (RecordedRequest request = next(); request != null; request = next()) {
            if (!request.getPath().endsWith("/token")) {
                continue;
            }
            Map<String, String> form = new HashMap<>();
            for (String field : request.getBody().readUtf8().split("&")) {
                String[] pair = field.split("=", 2);
                form.put(pair[0], URLDecoder.decode(pair[1], StandardCharsets.UTF_8));
            }
            forms.add(form);
        }
        return forms;
    }

    /** The next request the authorization server got, or null when none came within 300 ms. */
    private static RecordedRequest next() {
        try {
            return oauth.takeRequest(300, TimeUnit.MILLISECONDS);
        } catch (RuntimeException none) { // mock-oauth2-server throws when the queue stays empty
            return null;
        }
    }

    @Test
    void smartBackendServices_withAnRsaJwk_getsATokenTheServerAccepts_andKeepsItUntilItExpires() throws Exception {
        // given the module's RSA key as a JWK
        RSAKey key = new RSAKeyGenerator(2048).keyID("module-rsa").generate();
        Path file = dir.resolve("module-rsa.json");
        Files.writeString(file, key.toJSONString());
        ServerCredentials credentials = ServerCredentials.of(smart(file, null, "RS384"), Clock.systemUTC());
        IGenericClient client = FHIR.newRestfulGenericClient(fhirBase);
        client.registerInterceptor(credentials.interceptor());

        // when the FHIR server is read twice with the module's credentials
        Patient first = client.read().resource(Patient.class).withId("p1").execute();
        Patient second = client.read().resource(Patient.class).withId("p2").execute();

        // then it answered, after one token request signed with the module's key, as SMART asks
        assertEquals("p1", first.getIdElement().getIdPart());
        assertEquals("p2", second.getIdElement().getIdPart());
        List<Map<String, String>> requests = tokenRequests();
        assertEquals(1, requests.size(), "one token request: the token is kept, not asked for again");
        Map<String, String> form = requests.get(0);
        assertEquals("client_credentials", form.get("grant_type"));
        assertEquals("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", form.get("client_assertion_type"));
        assertEquals("system/Patient.read", form.get("scope"));
        SignedJWT assertion = SignedJWT.parse(form.get("client_assertion"));
        assertTrue(assertion.verify(new RSASSAVerifier(key.toPublicJWK())), "signed with the module's key");
        assertEquals(JWSAlgorithm.RS384, assertion.getHeader().getAlgorithm());
        assertEquals("module-rsa", assertion.getHeader().getKeyID());
        assertEquals(CLIENT, assertion.getJWTClaimsSet().getIssuer());
        assertEquals(CLIENT, assertion.getJWTClaimsSet().getSubject());
        assertEquals(List.of(tokenUrl), assertion.getJWTClaimsSet().getAudience());
        assertNotNull(assertion.getJWTClaimsSet().getJWTID());
        assertTrue(assertion.getJWTClaimsSet().getExpirationTime().getTime() - System.currentTimeMillis() <= 300_000);
    }

    @Test
    void aTokenAboutToExpire_isRenewed() throws Exception {
        // given an EC key in a PEM file, and a clock that moves on past the token's life (mock tokens live 3600 s)
        ECKey key = new ECKeyGenerator(Curve.P_384).generate();
        Path file = dir.resolve("module-ec.pem");
        Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(
                key.toPrivateKey().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        Instant[] now = {Instant.now()};
        Clock clock = new Clock() {
            public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
            public Clock withZone(java.time.ZoneId zone) { return this; }
            public Instant instant() { return now[0]; }
        };
        ServerCredentials credentials = ServerCredentials.of(smart(file, "module-ec", "ES384"), clock);

        // when a token is asked for, then again just before it expires
        String first = credentials.token();
        List<Map<String, String>> asked = tokenRequests();
        assertEquals(1, asked.size());
        SignedJWT assertion = SignedJWT.parse(asked.get(0).get("client_assertion"));
        now[0] = now[0].plusSeconds(3600 - ServerCredentials.MARGIN_SECONDS + 1);
        String second = credentials.token();

        // then a new one was asked for, signed ES384 with the PEM key
        assertTrue(assertion.verify(new ECDSAVerifier(key.toPublicJWK())));
        assertEquals(JWSAlgorithm.ES384, assertion.getHeader().getAlgorithm());
        assertEquals("module-ec", assertion.getHeader().getKeyID());
        assertEquals(1, tokenRequests().size(), "a second token request");
        assertTrue(!first.equals(second));
    }

    @Test
    void withoutCredentials_theServerRefuses_andABearerTokenIsSentAsGiven() throws Exception {
        IGenericClient none = FHIR.newRestfulGenericClient(fhirBase);
        none.registerInterceptor(ServerCredentials.of(new ServiceConfig.ServerAuth("none", null, null, null, null, null,
                null, null, null), Clock.systemUTC()).interceptor());
        assertEquals(401, assertThrows(ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException.class,
                () -> none.read().resource(Patient.class).withId("p1").execute()).getStatusCode());

        String given = oauth.issueToken("hospital", CLIENT, "fhir").serialize();
        IGenericClient bearer = FHIR.newRestfulGenericClient(fhirBase);
        bearer.registerInterceptor(ServerCredentials.of(new ServiceConfig.ServerAuth("bearer", given, "PVP_FHIR_TOKEN",
                null, null, null, null, null, null), Clock.systemUTC()).interceptor());
        assertEquals("p1", bearer.read().resource(Patient.class).withId("p1").execute().getIdElement().getIdPart());
    }

    @Test
    void anAuthorizationServerThatRefuses_is502WithItsCode_andNoSecret() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("k").generate();
        Path file = dir.resolve("refused.json");
        Files.writeString(file, key.toJSONString());
        ServiceConfig.ServerAuth auth = new ServiceConfig.ServerAuth("smart", null, null,
                "http://127.0.0.1:9/token", CLIENT, file.toString(), null, "RS384", null);

        HttpError e = assertThrows(HttpError.class, () -> ServerCredentials.of(auth, Clock.systemUTC()).token());

        assertEquals(502, e.status());
        assertEquals("PVP-H305", e.code());
        assertTrue(e.getMessage().contains("cannot be reached"), e.getMessage());
    }

    @Test
    void aPublicKeyOrAKeyOfTheWrongKind_isRefusedAtStartNamingTheSetting() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("k").generate();
        Path file = dir.resolve("public.json");
        Files.writeString(file, key.toPublicJWK().toJSONString());

        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> ServerCredentials.of(smart(file, null, "RS384"), Clock.systemUTC()));
        assertTrue(e.getMessage().startsWith("[PVP-C103] setting 'fhirServer.auth.keyFile'"), e.getMessage());
        assertTrue(e.getMessage().contains("public key"), e.getMessage());

        java.io.IOException wrongKind = assertThrows(java.io.IOException.class,
                () -> ServerCredentials.of(smart(dir.resolve("module-rsa.json").toFile().exists()
                        ? dir.resolve("module-rsa.json") : writeRsa(), null, "ES384"), Clock.systemUTC()));
        assertTrue(wrongKind.getMessage().contains("not an EC key on P-384"), wrongKind.getMessage());
    }

    private static Path writeRsa() throws Exception {
        Path file = dir.resolve("module-rsa.json");
        Files.writeString(file, new RSAKeyGenerator(2048).keyID("module-rsa").generate().toJSONString());
        return file;
    }
}
