package org.refracturecds.workbench;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.refracturecds.http.ServiceConfig;
import org.refracturecds.store.WorkbenchSessions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import at.favre.lib.crypto.bcrypt.BCrypt;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.GeneralException;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationErrorResponse;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.AuthenticationResponse;
import com.nimbusds.openid.connect.sdk.AuthenticationResponseParser;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;

/**
 * How a user signs in to the workbench: a local account (password checked against its bcrypt
 * hash), or the hospital's OpenID Connect provider through the Nimbus OAuth 2.0 SDK, with the
 * authorization code flow, PKCE (S256), state and nonce; the ID token's signature, issuer,
 * audience, expiry and nonce are checked, and its roles claim gives the role.
 */
final class SignIn {

    /** A sign-in that failed: what to tell the user (never which of name or password was wrong). */
    static final class Refused extends Exception {
        final String code;

        Refused(String code, String message) {
            super(message);
            this.code = code;
        }
    }

    /** An OpenID Connect sign-in begun: where to send the browser, and the login cookie that binds it to this browser. */
    record Started(URI redirect, String browser) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(SignIn.class);
    private static final int TIMEOUT_MILLIS = 5000;
    /** Checked when the user is unknown, so that an unknown name takes as long as a wrong password. */
    private static final String NOBODY = BCrypt.withDefaults().hashToString(12, "nobody".toCharArray());

    private final Map<String, ServiceConfig.Account> accounts;
    private final ServiceConfig.Oidc oidc;
    private final Clock clock;
    private final Sessions sessions;
    private volatile OIDCProviderMetadata provider;
    private volatile IDTokenValidator validator;

    SignIn(ServiceConfig.Workbench settings, Sessions sessions, Clock clock) {
        this.accounts = new ConcurrentHashMap<>();
        settings.accounts().forEach(account -> accounts.put(account.user(), account));
        this.oidc = settings.oidc();
        this.sessions = sessions;
        this.clock = clock;
    }

    boolean hasAccounts() {
        return !accounts.isEmpty();
    }

    boolean hasProvider() {
        return oidc != null;
    }

    User local(String user, String password) throws Refused {
        ServiceConfig.Account account = user == null ? null : accounts.get(user);
        char[] given = password == null ? new char[0] : password.toCharArray();
        boolean verified = BCrypt.verifyer().verify(given, account == null ? NOBODY : account.passwordHash()).verified;
        if (account == null || !verified) {
            throw new Refused("PVP-H801", "the name or the password is not right");
        }
        User.Role role = "approver".equals(account.role()) ? User.Role.APPROVER : User.Role.AUTHOR;
        return new User("local:" + account.user(), account.name() == null ? account.user() : account.name(), role,
                "local account");
    }

    /** Begins a sign-in with the provider: the authorization request, with a new state, nonce and PKCE verifier. */
    Started start(URI callback) throws Refused, SQLException {
        OIDCProviderMetadata metadata = provider();
        State state = new State();
        Nonce nonce = new Nonce();
        CodeVerifier verifier = new CodeVerifier();
        String browser = sessions.token();
        sessions.begin(state.getValue(), new WorkbenchSessions.Begun(browser, nonce.getValue(), verifier.getValue()));
        AuthenticationRequest request = new AuthenticationRequest.Builder(ResponseType.CODE,
                new Scope("openid", "profile", "email"), new ClientID(oidc.clientId()), callback)
                .endpointURI(metadata.getAuthorizationEndpointURI())
                .state(state)
                .nonce(nonce)
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build();
        return new Started(request.toURI(), browser);
    }

    /**
     * Ends a sign-in with the provider: the callback's state must be one this node began, in this
     * browser ({@code browser}, its login cookie); the code is exchanged for tokens, and the ID token checked.
     */
    User finish(URI callbackWithQuery, URI callback, String browser) throws Refused, SQLException {
        AuthenticationResponse response;
        try {
            response = AuthenticationResponseParser.parse(callbackWithQuery);
        } catch (ParseException e) {
            throw new Refused("PVP-H802", "the provider's answer cannot be read: sign in again");
        }
        WorkbenchSessions.Begun begun = sessions.take(response.getState() == null ? null : response.getState().getValue(),
                browser).orElseThrow(() -> new Refused("PVP-H802", "this sign-in was not begun here in this browser, or"
                + " took more than 10 minutes: sign in again"));
        if (response instanceof AuthenticationErrorResponse error) {
            throw new Refused("PVP-H803", "the sign-in provider refused: " + error.getErrorObject().getCode());
        }
        OIDCProviderMetadata metadata = provider();
        AuthorizationCodeGrant grant = new AuthorizationCodeGrant(response.toSuccessResponse().getAuthorizationCode(),
                callback, new CodeVerifier(begun.verifier()));
        ClientID client = new ClientID(oidc.clientId());
        TokenRequest request = oidc.clientSecret() == null
                ? new TokenRequest(metadata.getTokenEndpointURI(), client, grant)
                : new TokenRequest(metadata.getTokenEndpointURI(), new ClientSecretBasic(client, new Secret(oidc.clientSecret())), grant);
        IDTokenClaimsSet claims;
        try {
            var http = request.toHTTPRequest();
            http.setConnectTimeout(TIMEOUT_MILLIS);
            http.setReadTimeout(TIMEOUT_MILLIS);
            TokenResponse tokens = OIDCTokenResponseParser.parse(http.send());
            if (!tokens.indicatesSuccess()) {
                throw new Refused("PVP-H803", "the sign-in provider refused the code: "
                        + tokens.toErrorResponse().getErrorObject().getCode() + "; sign in again");
            }
            claims = validator().validate(((OIDCTokenResponse) tokens.toSuccessResponse()).getOIDCTokens().getIDToken(),
                    new Nonce(begun.nonce()));
        } catch (IOException | ParseException e) {
            LOG.warn("workbench: the OpenID Connect provider's token endpoint could not be used: {}", e.getMessage());
            throw new Refused("PVP-H804", "the sign-in provider cannot be reached: try again, or ask IT");
        } catch (BadJOSEException | JOSEException e) {
            LOG.warn("workbench: an ID token was refused: {}", e.getMessage());
            throw new Refused("PVP-H803", "the sign-in provider's token did not check out: sign in again");
        }
        return user(claims);
    }

    private User user(IDTokenClaimsSet claims) throws Refused {
        List<String> roles = roles(claims.getClaim(oidc.rolesClaim()));
        User.Role role = roles.contains(oidc.approverRole()) ? User.Role.APPROVER
                : roles.contains(oidc.authorRole()) ? User.Role.AUTHOR : null;
        if (role == null) {
            throw new Refused("PVP-H805", "you are signed in with the hospital but are neither a rules author nor an"
                    + " approver (" + oidc.rolesClaim() + " " + oidc.authorRole() + " or " + oidc.approverRole()
                    + "): ask IT to add you to one of them");
        }
        String name = firstOf(claims.getStringClaim("name"), claims.getStringClaim("preferred_username"),
                claims.getSubject().getValue());
        return new User(claims.getIssuer().getValue() + "#" + claims.getSubject().getValue(), name, role,
                claims.getIssuer().getValue());
    }

    private static List<String> roles(Object claim) {
        if (claim instanceof Collection<?> values) {
            return values.stream().map(String::valueOf).toList();
        }
        return claim == null ? List.of() : List.of(String.valueOf(claim).split("[ ,]+"));
    }

    private static String firstOf(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return "?";
    }

    /** The provider's configuration, read once it is first needed (so that the service starts while it is down). */
    private OIDCProviderMetadata provider() throws Refused {
        OIDCProviderMetadata metadata = provider;
        if (metadata == null) {
            try {
                metadata = OIDCProviderMetadata.resolve(new Issuer(oidc.issuer()), TIMEOUT_MILLIS, TIMEOUT_MILLIS);
                URL keys = metadata.getJWKSetURI().toURL();
                validator = new IDTokenValidator(metadata.getIssuer(), new ClientID(oidc.clientId()), JWSAlgorithm.RS256, keys);
                provider = metadata;
            } catch (GeneralException | IOException | RuntimeException e) {
                LOG.warn("workbench: the OpenID Connect provider {} cannot be read: {}", oidc.issuer(), e.getMessage());
                throw new Refused("PVP-H804", "the sign-in provider cannot be reached: try again, or ask IT"
                        + " (setting workbench.oidc.issuer)");
            }
        }
        return metadata;
    }

    private IDTokenValidator validator() throws Refused {
        provider();
        return validator;
    }
}
