package org.refracturecds.cdshooks;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.refracturecds.testservers.HapiJpaServer;
import org.refracturecds.workbench.OidcProvider;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;

/**
 * The EHR's side of a SMART launch, for the tests: the front of the test run's real HAPI FHIR JPA
 * server ({@link HapiJpaServer}) as an EHR with SMART App Launch would have it, on a real socket of
 * 127.0.0.1, with the test run's mock-oauth2-server ({@link OidcProvider}, issuer {@value #ISSUER_ID})
 * as its authorization server.
 * <ul>
 * <li>{@code {base}/.well-known/smart-configuration} names the mock server's authorization endpoint
 * and this front's token endpoint;</li>
 * <li>its token endpoint passes the request to the mock server's and, for a launch that asks for it,
 * adds the launch context's {@code patient} to the answer, as an EHR's server does (mock-oauth2-server's
 * token response has fixed fields: it cannot). It refuses a code used before ({@code invalid_grant}), as
 * RFC 6749 requires: the mock server checks PKCE for a code it gave, but gives tokens for any other;</li>
 * <li>every FHIR request needs a bearer token the mock server signed (signature, issuer, expiry); a
 * token with a {@code patient} claim may only search that patient's data; the request then goes to the
 * JPA server, and the JPA server's base in the answer is replaced by this front's.</li>
 * </ul>
 */
final class SmartEhr implements AutoCloseable {

    static final String ISSUER_ID = "ehr";
    static final String CLIENT_ID = "pvp-smart-app";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PATIENT_PARAM = Pattern.compile("[?&]patient=([^&]+)");
    private static final Pattern PATIENT_ID = Pattern.compile("[?&]_id=([^&]+)");

    private final HttpServer server;
    private final MockOAuth2Server oauth = OidcProvider.get();
    private final HapiJpaServer jpa = HapiJpaServer.shared();
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final DefaultJWTProcessor<SecurityContext> tokens = new DefaultJWTProcessor<>();
    /** The patient the next token response names, or null for none (the context then only in the access token). */
    private volatile String patientInResponse;
    private final Set<String> usedCodes = ConcurrentHashMap.newKeySet();

    SmartEhr() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/fhir", this::fhir);
        server.createContext("/auth/token", this::token);
        server.start();
        tokens.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256,
                JWKSourceBuilder.create(new URL(oauth.jwksUrl(ISSUER_ID).toString())).build()));
        tokens.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(
                new JWTClaimsSet.Builder().issuer(oauth.issuerUrl(ISSUER_ID).toString()).build(), Set.of("exp", "sub")));
    }

    /** The FHIR base URL: the {@code iss} of its launches. */
    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/fhir";
    }

    /** Begins a launch from {@code patient}'s chart, the patient in the user's token or in the token response. */
    String launch(String patient, boolean inTokenResponse) {
        return launch(inTokenResponse ? null : patient, inTokenResponse ? patient : null);
    }

    /**
     * Begins a launch: the next user's token carries {@code inToken} as its patient claim, and the token
     * response names {@code inResponse}; null for none. The token is queued at the mock server, which
     * gives it at the next code exchange whichever launch it is for: call this only for a launch whose code
     * is exchanged, once.
     *
     * @return the launch parameter the EHR adds to the app's launch URL
     */
    String launch(String inToken, String inResponse) {
        Map<String, Object> claims = inToken == null ? Map.of("fhirUser", "Practitioner/dr-pvp")
                : Map.of("fhirUser", "Practitioner/dr-pvp", "patient", inToken);
        oauth.enqueueCallback(new DefaultOAuth2TokenCallback(ISSUER_ID, "dr-pvp", "JWT", List.of(CLIENT_ID), claims, 3600));
        patientInResponse = inResponse;
        return UUID.randomUUID().toString();
    }

    private void fhir(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            if (path.equals("/fhir/.well-known/smart-configuration")) {
                ObjectNode configuration = JSON.createObjectNode()
                        .put("issuer", oauth.issuerUrl(ISSUER_ID).toString())
                        .put("authorization_endpoint", oauth.authorizationEndpointUrl(ISSUER_ID).toString())
                        .put("token_endpoint", "http://127.0.0.1:" + server.getAddress().getPort() + "/auth/token");
                configuration.putArray("code_challenge_methods_supported").add("S256");
                configuration.putArray("capabilities").add("launch-ehr").add("client-public").add("context-ehr-patient")
                        .add("permission-v2");
                send(exchange, 200, "application/json", JSON.writeValueAsBytes(configuration));
                return;
            }
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            JWTClaimsSet claims;
            try {
                claims = tokens.process(authorization == null ? "" : authorization.replaceFirst("^Bearer ", ""), null);
            } catch (Exception refused) {
                send(exchange, 401, "application/fhir+json", outcome("a valid bearer token is needed"));
                return;
            }
            Matcher asked = (path.equals("/fhir/Patient") ? PATIENT_ID : PATIENT_PARAM).matcher(query == null ? "" : "?" + query);
            Object allowed = claims.getClaim("patient");
            if (allowed != null && (!asked.find() || !asked.group(1).replace("Patient%2F", "").replace("Patient/", "")
                    .equals(allowed))) {
                send(exchange, 403, "application/fhir+json", outcome("this token may read only its launch's patient"));
                return;
            }
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + jpa.port()
                    + path + (query == null ? "" : "?" + query))).header("Accept", "application/fhir+json").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            send(exchange, answer.statusCode(), answer.headers().firstValue("Content-Type").orElse("application/fhir+json"),
                    answer.body().replace(jpa.base(), base()).getBytes(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void token(HttpExchange exchange) throws IOException {
        try (exchange; InputStream body = exchange.getRequestBody()) {
            byte[] form = body.readAllBytes();
            Matcher code = Pattern.compile("(?:^|&)code=([^&]*)").matcher(new String(form, StandardCharsets.UTF_8));
            if (!code.find() || !usedCodes.add(code.group(1))) {
                send(exchange, 400, "application/json", "{\"error\":\"invalid_grant\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(oauth.tokenEndpointUrl(ISSUER_ID).toString()))
                    .header("Content-Type", exchange.getRequestHeaders().getFirst("Content-Type"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(form));
            HttpResponse<String> answer = http.send(forward.build(), HttpResponse.BodyHandlers.ofString());
            String patient = patientInResponse;
            if (answer.statusCode() != 200 || patient == null) {
                send(exchange, answer.statusCode(), "application/json", answer.body().getBytes(StandardCharsets.UTF_8));
                return;
            }
            ObjectNode granted = (ObjectNode) JSON.readTree(answer.body());
            granted.put("patient", patient);
            send(exchange, 200, "application/json", JSON.writeValueAsBytes(granted));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] outcome(String text) throws IOException {
        ObjectNode outcome = JSON.createObjectNode().put("resourceType", "OperationOutcome");
        outcome.putArray("issue").addObject().put("severity", "error").put("code", "security").put("diagnostics", text);
        return JSON.writeValueAsBytes(outcome);
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        exchange.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
