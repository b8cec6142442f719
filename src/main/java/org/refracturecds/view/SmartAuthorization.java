package org.refracturecds.view;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.refracturecds.fhirin.References;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.nimbusds.jwt.JWTParser;
import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;

/**
 * The app's side of SMART App Launch 2.0 (EHR launch) with the EHR's authorization server, through
 * the Nimbus OAuth 2.0 SDK: discovery ({@code {iss}/.well-known/smart-configuration}), the
 * authorization request (code, PKCE S256, state, {@code launch}, {@code aud}), and the exchange of
 * the code for the user's access token and the launch context's patient.
 *
 * <p>SMART puts the patient in the token response ({@code "patient": "123"}). Some servers put it
 * in the access token instead, as a {@code patient} claim of a JWT; the app reads it from there
 * when the token response has none. The claim is read, not verified: the token came straight
 * from the token endpoint over the connection the app opened, so it is as trusted as the response.
 */
final class SmartAuthorization {

    /** Why a launch stopped: the page's status, code, what happened and what to do. */
    static final class Refused extends Exception {
        final int status;
        final String code;
        final String todo;

        Refused(int status, String code, String message, String todo) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
            this.todo = todo;
        }
    }

    /** The EHR's server as its SMART configuration describes it. */
    record Server(String iss, URI authorizationEndpoint, URI tokenEndpoint) {
    }

    /** What the token endpoint granted: the user's access token and the patient of the launch context. */
    record Granted(String accessToken, String patient) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(SmartAuthorization.class);

    private final ClientID client;
    private final Scope scope;
    private final Supplier<String> publicUrl;
    private final int timeoutMillis;

    /** @param publicUrl the service's URL as a browser reaches it, once it listens: the redirect URL is below it */
    SmartAuthorization(String clientId, String scope, Supplier<String> publicUrl, int timeoutMillis) {
        this.client = new ClientID(clientId);
        this.scope = Scope.parse(scope);
        this.publicUrl = publicUrl;
        this.timeoutMillis = timeoutMillis;
    }

    /** The redirect URL the EHR registers: {@code {publicUrl}/smart/callback}. */
    URI redirect() {
        return URI.create(publicUrl.get() + SmartLaunch.CALLBACK);
    }

    /** Reads {@code iss}'s SMART configuration (iss is on the allowlist: checked by the caller). */
    Server discover(String iss) throws Refused {
        Map<String, Object> configuration;
        try {
            HTTPRequest request = new HTTPRequest(HTTPRequest.Method.GET,
                    new URI(iss + "/.well-known/smart-configuration"));
            request.setAccept("application/json");
            request.setFollowRedirects(false);
            request.setConnectTimeout(timeoutMillis);
            request.setReadTimeout(timeoutMillis);
            HTTPResponse response = request.send();
            response.ensureStatusCode(200);
            configuration = response.getContentAsJSONObject();
        } catch (IOException | URISyntaxException | ParseException e) {
            LOG.warn("SMART launch: the configuration of {} cannot be read: {}", iss, e.getMessage());
            throw new Refused(502, "PVP-H713", "the SMART configuration of the FHIR server " + iss + " cannot be read"
                    + " (" + iss + "/.well-known/smart-configuration)", "Try again; if it goes on, IT checks that the"
                    + " FHIR server offers SMART App Launch.");
        }
        URI authorize = endpoint(configuration, "authorization_endpoint", iss);
        URI token = endpoint(configuration, "token_endpoint", iss);
        if (configuration.get("code_challenge_methods_supported") instanceof List<?> methods
                && !methods.contains("S256")) {
            throw new Refused(502, "PVP-H713", "the FHIR server " + iss + " does not offer PKCE with S256"
                    + " (code_challenge_methods_supported), which this app needs", "IT enables S256 PKCE on the EHR's"
                    + " authorization server (SMART App Launch 2.0 requires it).");
        }
        return new Server(iss, authorize, token);
    }

    /** Where to send the browser: the authorization request for this launch, with PKCE S256. */
    URI authorize(Server server, String launch, State state, CodeVerifier verifier) {
        return new AuthorizationRequest.Builder(ResponseType.CODE, client)
                .endpointURI(server.authorizationEndpoint())
                .redirectionURI(redirect())
                .scope(scope)
                .state(state)
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .customParameter("launch", launch)
                .customParameter("aud", server.iss())
                .build()
                .toURI();
    }

    /** Exchanges the code for the user's access token, and finds the launch context's patient. */
    Granted exchange(URI tokenEndpoint, String code, CodeVerifier verifier) throws Refused {
        TokenRequest request = new TokenRequest(tokenEndpoint, client,
                new AuthorizationCodeGrant(new AuthorizationCode(code), redirect(), verifier));
        TokenResponse response;
        try {
            HTTPRequest http = request.toHTTPRequest();
            http.setFollowRedirects(false);
            http.setConnectTimeout(timeoutMillis);
            http.setReadTimeout(timeoutMillis);
            response = TokenResponse.parse(http.send());
        } catch (IOException | ParseException e) {
            // The answer may hold the launch's context: its reading's message only at DEBUG.
            LOG.warn("SMART launch: the token endpoint {} cannot be used", tokenEndpoint);
            LOG.debug("SMART launch: the token endpoint's answer", e);
            throw new Refused(502, "PVP-H716", "the EHR's authorization server cannot be reached to finish the launch",
                    "Launch the app from the EHR again; if it goes on, IT checks the EHR's token endpoint.");
        }
        if (!response.indicatesSuccess()) {
            throw new Refused(403, "PVP-H715", "the EHR's authorization server refused the launch's code ("
                    + response.toErrorResponse().getErrorObject().getCode() + "): it was used already, has expired, or"
                    + " was not given to this app", "Launch the app from the EHR again.");
        }
        AccessTokenResponse tokens = response.toSuccessResponse();
        String accessToken = tokens.getTokens().getAccessToken().getValue();
        String patient = tokens.getCustomParameters().get("patient") instanceof String given ? given : claim(accessToken);
        if (patient == null) {
            throw new Refused(422, "PVP-H717", "the EHR gave no patient with the launch (neither a patient in the token"
                    + " response nor a patient claim in the access token)", "Launch the app from a patient's chart;"
                    + " if you did, IT checks that the app is given the launch context (scope launch).");
        }
        if (!References.isFhirId(patient)) {
            throw new Refused(422, "PVP-H717", "the EHR gave a patient that is not a FHIR id", "IT checks the launch"
                    + " context the EHR's authorization server gives.");
        }
        return new Granted(accessToken, patient);
    }

    /** The access token's {@code patient} claim, when it is a JWT that has one. */
    private static String claim(String accessToken) {
        try {
            return JWTParser.parse(accessToken).getJWTClaimsSet().getClaim("patient") instanceof String patient
                    ? patient : null;
        } catch (java.text.ParseException e) {
            return null;
        }
    }

    private static URI endpoint(Map<String, Object> configuration, String name, String iss) throws Refused {
        Object value = configuration.get(name);
        try {
            URI uri = value instanceof String text ? new URI(text) : null;
            if (uri != null && ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // refused below
        }
        throw new Refused(502, "PVP-H713", "the SMART configuration of the FHIR server " + iss + " gives no usable "
                + name, "IT checks " + iss + "/.well-known/smart-configuration.");
    }
}
