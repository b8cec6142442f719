package org.refracturecds.fhirin;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.refracturecds.http.HttpError;
import org.refracturecds.http.ServiceConfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import ca.uhn.fhir.rest.client.api.IClientInterceptor;
import ca.uhn.fhir.rest.client.api.IHttpRequest;
import ca.uhn.fhir.rest.client.api.IHttpResponse;

/**
 * The module's own credentials for the hospital's FHIR server (setting {@code fhirServer.auth}):
 * none, a configured bearer token, or SMART Backend Services
 * (https://hl7.org/fhir/smart-app-launch/backend-services.html): a client_credentials grant
 * authenticated by a JWT the module signs with its private key (RS384 or ES384; the key a JWK, or
 * an unencrypted PKCS#8 PEM with {@code keyId}), whose access token is kept until
 * {@value #MARGIN_SECONDS} s before it expires. Tokens and keys are never logged nor put in a message.
 */
public final class ServerCredentials {

    /** A token is renewed this long before it expires, so that none expires on its way to the server. */
    static final long MARGIN_SECONDS = 30;
    private static final Duration ASSERTION_LIFETIME = Duration.ofMinutes(5);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServiceConfig.ServerAuth auth;
    private final Clock clock;
    private final JWSSigner signer;
    private final String keyId;
    private final HttpClient http;
    private String token;
    private Instant renewAt = Instant.MIN;

    private ServerCredentials(ServiceConfig.ServerAuth auth, Clock clock) throws IOException {
        this.auth = auth;
        this.clock = clock;
        if (auth.mode().equals("smart")) {
            Key key;
            try {
                key = key(Path.of(auth.keyFile()), auth.algorithm());
            } catch (IOException e) {
                throw new IOException("[PVP-C103] setting 'fhirServer.auth.keyFile' (" + auth.keyFile() + "): "
                        + e.getMessage(), null);
            }
            this.signer = key.signer();
            this.keyId = key.id();
            this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
        } else {
            this.signer = null;
            this.keyId = null;
            this.http = null;
        }
    }

    /**
     * @throws IOException when the key file cannot be read as a private key of the algorithm set
     */
    public static ServerCredentials of(ServiceConfig.ServerAuth auth, Clock clock) throws IOException {
        return new ServerCredentials(auth, clock);
    }

    /**
     * The bearer token to send now, or null for none. With SMART Backend Services a new one is asked
     * for when the one kept expires within {@value #MARGIN_SECONDS} s.
     *
     * @throws HttpError 502 ({@code PVP-H305}) when the authorization server does not give one
     */
    public synchronized String token() {
        return switch (auth.mode()) {
            case "bearer" -> auth.token();
            case "smart" -> {
                if (token == null || !clock.instant().isBefore(renewAt)) {
                    requestToken();
                }
                yield token;
            }
            default -> null;
        };
    }

    /** Adds {@code Authorization: Bearer} with {@link #token()} to each request of a HAPI client. */
    public IClientInterceptor interceptor() {
        return new IClientInterceptor() {
            @Override
            public void interceptRequest(IHttpRequest request) {
                String bearer = token();
                if (bearer != null) {
                    request.addHeader("Authorization", "Bearer " + bearer);
                }
            }

            @Override
            public void interceptResponse(IHttpResponse response) {
            }
        };
    }

    private void requestToken() {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        if (auth.scope() != null && !auth.scope().isBlank()) {
            form.put("scope", auth.scope());
        }
        form.put("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        form.put("client_assertion", assertion());
        String body = form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        Instant asked = clock.instant();
        HttpResponse<String> answer;
        try {
            answer = http.send(HttpRequest.newBuilder(URI.create(auth.tokenUrl())).timeout(TIMEOUT)
                    .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw refused("cannot be reached");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw refused("was not waited for (interrupted)");
        }
        if (answer.statusCode() != 200) {
            throw refused("answered HTTP " + answer.statusCode() + error(answer.body()));
        }
        JsonNode granted;
        try {
            granted = JSON.readTree(answer.body());
        } catch (IOException e) {
            throw refused("answered something that is not JSON");
        }
        if (!granted.path("access_token").isTextual() || !"bearer".equalsIgnoreCase(granted.path("token_type").asText("bearer"))) {
            throw refused("answered without a bearer access_token");
        }
        token = granted.path("access_token").asText();
        long lifetime = granted.path("expires_in").asLong(300);
        renewAt = asked.plusSeconds(Math.max(0, lifetime - MARGIN_SECONDS));
    }

    /** The OAuth error code of a refusal (never its description, which may quote the request). */
    private static String error(String body) {
        try {
            String code = JSON.readTree(body).path("error").asText("");
            return code.matches("[a-z_]{1,40}") ? " (" + code + ")" : "";
        } catch (IOException e) {
            return "";
        }
    }

    private HttpError refused(String what) {
        return new HttpError(502, "PVP-H305", "fhirServer.auth.tokenUrl", "the authorization server of the hospital's"
                + " FHIR server " + what + " when asked for an access token (SMART Backend Services, client "
                + auth.clientId() + "): check fhirServer.auth (tokenUrl, clientId, keyFile) and that the server holds"
                + " the module's public key");
    }

    /** The client's signed JWT: iss and sub the client id, aud the token URL, a new jti, 5 minutes to live. */
    private String assertion() {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(auth.clientId()).subject(auth.clientId())
                .audience(auth.tokenUrl()).jwtID(UUID.randomUUID().toString())
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(ASSERTION_LIFETIME))).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.parse(auth.algorithm()))
                .type(JOSEObjectType.JWT).keyID(keyId).build(), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("the client assertion could not be signed: " + e.getMessage(), e);
        }
        return jwt.serialize();
    }

    private record Key(JWSSigner signer, String id) {
    }

    /** The private key in {@code file}: a JWK (with its kid), or a PKCS#8 PEM ("BEGIN PRIVATE KEY") with setting keyId. */
    private Key key(Path file, String algorithm) throws IOException {
        String text = Files.readString(file).strip();
        boolean rsa = algorithm.equals("RS384");
        try {
            if (text.startsWith("{")) {
                JWK jwk = JWK.parse(text);
                if (!jwk.isPrivate()) {
                    throw new IOException("it holds a public key: give the private key (the server holds the public one)");
                }
                if (rsa && jwk instanceof RSAKey key) {
                    return new Key(new RSASSASigner(key), key.getKeyID());
                }
                if (!rsa && jwk instanceof ECKey key && Curve.P_384.equals(key.getCurve())) {
                    return new Key(new ECDSASigner(key), key.getKeyID());
                }
                throw new IOException("it is not " + (rsa ? "an RSA key" : "an EC key on P-384") + ", as " + algorithm
                        + " needs");
            }
            if (!text.startsWith("-----BEGIN PRIVATE KEY-----")) {
                throw new IOException("it is neither a JWK nor an unencrypted PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)");
            }
            byte[] der = Base64.getMimeDecoder().decode(text.replaceAll("-----[A-Z ]+-----", ""));
            PrivateKey key = KeyFactory.getInstance(rsa ? "RSA" : "EC").generatePrivate(new PKCS8EncodedKeySpec(der));
            if (auth.keyId() == null) {
                throw new IOException("a PEM key has no kid: set fhirServer.auth.keyId to the kid the server knows it by");
            }
            return new Key(rsa ? new RSASSASigner(key) : new ECDSASigner((java.security.interfaces.ECPrivateKey) key),
                    auth.keyId());
        } catch (java.text.ParseException | java.security.GeneralSecurityException | JOSEException
                 | IllegalArgumentException | ClassCastException e) {
            throw new IOException("it cannot be read as a " + algorithm + " private key");
        }
    }
}
