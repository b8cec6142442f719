package org.refracturecds.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.refracturecds.store.Database;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The settings of {@code serve}: one YAML file, laid over the bundled defaults
 * ({@code defaults.yaml} beside this class) and checked at start-up. Every message names the
 * setting and says what to write instead.
 *
 * @param publicUrl         the URL the EHR calls; the JWT audience is checked against it
 * @param rules             a rules folder instead of the bundled rules, or null
 * @param incidence         the refracture incidence to anchor the model to, or null for the study's
 * @param requestTimeoutMillis the time from a request's first line to the last byte of its body; past it 408
 * @param idleTimeoutMillis the time a connection may stay silent before it is closed
 * @param fhirServers       the FHIR base URLs the service may fetch from; no other is ever contacted
 * @param fetchTimeoutMillis the budget for all fetches of one call
 * @param extraPvpCodes     local "system|code" codes of a vertebroplasty, besides docs/CODES.md's
 * @param workerThreads     the threads that answer requests; more queue (docs/PERFORMANCE.md)
 * @param concurrentRequests how many requests are worked on at once, 0 for one per CPU core; the
 *                          others wait their turn in arrival order (docs/PERFORMANCE.md)
 * @param validation        the inputs' check against fhir-profiles/: off, warn or strict
 * @param database          the JDBC URL of the database: an H2 file (one node) or PostgreSQL
 * @param databasePassword  the database password, given or read from the environment variable
 *                          {@code databasePasswordEnv} names; never logged
 * @param databasePoolSize  the most connections to the database at once
 * @param feedbackJdbcUrl   the old name of {@code database}, still read; null when not given
 * @param logFormat         the log lines: text (readable) or json (one JSON object per line); the
 *                          environment variable {@value #LOG_FORMAT_VARIABLE} overrides the file
 * @param drainSeconds      on stop, how long the requests in flight may take to finish
 * @param rulesPollSeconds  how often a node reads which rules version is published (README, "More than one node")
 * @param auditRetentionDays how long audit rows are kept
 * @param auditKey          the secret under which patient ids are hashed in the audit trail (HMAC-SHA256),
 *                          given or read from the environment variable {@code auditKeyEnv} names; never
 *                          logged; null: the audit trail records no patient
 * @param view              the surgeon's page that the cards link to
 * @param fhirServer        the hospital's FHIR server the FHIR face reads from, with the module's own credentials
 * @param writeBack         the write-back of RiskAssessments to {@code fhirServer} on FHIR Subscription notifications
 * @param workbench         the rules workbench ({@code /workbench}): who may sign in, and how
 * @param smart             the surgeon's page as a SMART on FHIR app the EHR launches ({@code /smart/launch})
 */
public record ServiceConfig(String host, int port, String publicUrl, String rules, Double incidence,
                            int requestTimeoutMillis, int idleTimeoutMillis,
                            long maxBodyBytes, List<String> corsOrigins, List<String> fhirServers,
                            int fetchTimeoutMillis, List<String> extraPvpCodes,
                            int workerThreads, int concurrentRequests, String validation, Auth auth,
                            String database, String databaseUser, String databasePassword,
                            String databasePasswordEnv, int databasePoolSize, String feedbackJdbcUrl,
                            String logFormat,
                            int drainSeconds,
                            int rulesPollSeconds, int auditRetentionDays, String auditKey, String auditKeyEnv,
                            View view, FhirServer fhirServer, WriteBack writeBack, Workbench workbench,
                            Smart smart) {

    /** The environment variable that sets {@code logFormat} over the settings file (a container's way). */
    public static final String LOG_FORMAT_VARIABLE = "PVP_LOG_FORMAT";

    /**
     * The surgeon's page ({@code /view/...}) that each assessment card links to.
     *
     * @param linkMinutes how long a card's link works; the page is kept as long
     * @param keyEnv      the environment variable that holds the key signing the links
     * @param key         that key (at least 32 characters), read from {@code keyEnv}; null for a
     *                    random key drawn at start-up, with which links work only on this node
     *                    and until it stops
     */
    public record View(int linkMinutes, String keyEnv, String key) {

        @Override
        public String toString() {
            return "View[linkMinutes=" + linkMinutes + ", keyEnv=" + keyEnv + ", key=" + (key == null ? "random" : "(given)") + "]";
        }
    }

    /**
     * The hospital's FHIR server that {@code GET /fhir/Patient/{id}/$pvp-refracture-risk} reads a
     * patient's findings from (README, "The FHIR face"), with the module's own credentials.
     *
     * @param url  its base URL, or null when the FHIR face has no server to read from
     * @param auth how the module proves who it is to it
     */
    public record FhirServer(String url, ServerAuth auth) {

        public FhirServer {
            url = url == null ? null : withoutTrailingSlash(url);
            auth = auth == null ? new ServerAuth("none", null, null, null, null, null, null, null, null) : auth;
        }
    }

    /**
     * The surgeon's page as a SMART on FHIR app (README, "The page as a SMART app"): an EHR launch
     * ({@code /smart/launch}, the redirect {@code /smart/callback}) whose {@code iss} must be one of
     * {@code fhirServers} or {@code fhirServer.url}.
     *
     * @param enabled  whether the launch is served and the cards offer it
     * @param clientId the client id the EHR's authorization server registered the app under (a
     *                 public client: PKCE, no secret)
     * @param scope    the scopes asked for; {@code launch} and read access to Observation, Condition and Patient
     * @param fetchTimeoutMillis the budget for reading the patient's data, and for each call to the
     *                 authorization server: a page the user opened may wait longer than a hook
     */
    public record Smart(boolean enabled, String clientId, String scope, int fetchTimeoutMillis) {
    }

    /**
     * The rules workbench ({@code /workbench}, docs/AUTHORING.md): clinicians sign in through the
     * hospital's OpenID Connect provider ({@code oidc}) or with a local account ({@code accounts},
     * for a demo), as an author or an approver.
     *
     * @param enabled        whether {@code /workbench} is served at all
     * @param sessionMinutes how long a sign-in lasts without use
     */
    public record Workbench(boolean enabled, int sessionMinutes, Oidc oidc, List<Account> accounts) {

        public Workbench {
            accounts = listOrEmpty(accounts);
        }
    }

    /**
     * The module's credentials for {@link FhirServer}: {@code none}; {@code bearer}, a token given
     * or read from the environment variable {@code tokenEnv} names; or {@code smart}, SMART Backend
     * Services (client_credentials with a JWT signed by the key in {@code keyFile}, RS384 or ES384;
     * {@code keyId} the key's kid when the file is a PEM).
     * Secrets are never logged.
     */
    public record ServerAuth(String mode, String token, String tokenEnv, String tokenUrl, String clientId,
                             String keyFile, String keyId, String algorithm, String scope) {

        public ServerAuth {
            mode = mode == null ? "none" : mode;
        }

        @Override
        public String toString() {
            return "ServerAuth[mode=" + mode + ", token=" + (token == null ? "none" : "(given)") + ", tokenUrl="
                    + tokenUrl + ", clientId=" + clientId + ", keyFile=" + keyFile + ", keyId=" + keyId + ", algorithm="
                    + algorithm + "]";
        }
    }

    /**
     * The write-back: FHIR Subscription notifications at {@code POST /fhir-notify}, each patient queued and its
     * RiskAssessments written to {@link FhirServer} (with its credentials) by a conditional update (README,
     * "Write-back").
     *
     * @param enabled          whether notifications are taken (it needs fhirServer.url); off: 404
     * @param notifyToken      the bearer token notifications must carry (the Subscription's channel.header),
     *                         given or read from the environment variable {@code notifyTokenEnv} names; null:
     *                         any caller may notify (a local demo only)
     * @param maxAttempts      the tries of one notification before it is given up
     * @param firstRetryMillis the wait after the first failed try; it doubles after each, up to {@code maxRetryMillis}
     */
    public record WriteBack(boolean enabled, String notifyToken, String notifyTokenEnv, int maxAttempts,
                            long firstRetryMillis, long maxRetryMillis) {

        public boolean on() {
            return enabled;
        }

        @Override
        public String toString() {
            return "WriteBack[enabled=" + enabled + ", notifyToken=" + (notifyToken == null ? "none" : "(given)")
                    + ", maxAttempts=" + maxAttempts + "]";
        }
    }

    /**
     * The hospital's OpenID Connect provider, used with the authorization code flow and PKCE.
     *
     * @param issuer          the provider's issuer URL; its configuration is read from
     *                        {@code ISSUER/.well-known/openid-configuration}
     * @param clientSecret    the client's secret, given or read from the environment variable
     *                        {@code clientSecretEnv} names; never logged; null for a public client
     * @param rolesClaim      the ID token claim that holds the user's groups or roles (a string or a list)
     * @param authorRole      the value of that claim that makes an author
     * @param approverRole    the value that makes an approver (who may also author)
     */
    public record Oidc(String issuer, String clientId, String clientSecret, String clientSecretEnv, String rolesClaim,
                       String authorRole, String approverRole) {

        @Override
        public String toString() {
            return "Oidc[issuer=" + issuer + ", clientId=" + clientId + ", clientSecret="
                    + (clientSecret == null ? "none" : "(given)") + "]";
        }
    }

    /**
     * A local account of the workbench, for a demo: its password only as a bcrypt hash.
     *
     * @param role author or approver
     */
    public record Account(String user, String name, String role, String passwordHash) {

        @Override
        public String toString() {
            return "Account[user=" + user + ", role=" + role + "]";
        }
    }

    /** How callers are authenticated: "verify" (JWT, CDS Hooks 2.0) or "off" (a local demo only). */
    public record Auth(String mode, List<Issuer> issuers) {

        public Auth {
            mode = offWhenFalse(mode);
        }

        public boolean verify() {
            return "verify".equals(mode);
        }
    }

    /**
     * A CDS client allowed to call: its JWT issuer and where its public keys are.
     *
     * @param jwksUrl  a JWK Set URL, fetched and cached
     * @param jwksFile a JWK Set file
     * @param jku      JWK Set URLs the client may name in a token's jku header
     */
    public record Issuer(String iss, String jwksUrl, String jwksFile, List<String> jku) {

        public Issuer {
            jku = listOrEmpty(jku);
        }
    }

    /** YAML 1.1 reads an unquoted {@code off} as the boolean false: take it as the word that was written. */
    private static String offWhenFalse(String value) {
        return "false".equals(value) ? "off" : value;
    }

    /** A setting that cannot be used; the message names it. */
    /** The SMART scopes write-back needs besides the reads of the bundled scope. */
    public static final String WRITE_BACK_SCOPES = "system/RiskAssessment.read system/RiskAssessment.write";

    public static final class ConfigException extends Exception {
        ConfigException(String message) {
            super(message);
        }
    }

    // Each key once: YAML that gives a setting twice would otherwise keep the last without a word.
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION))
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    public ServiceConfig {
        validation = offWhenFalse(validation);
        corsOrigins = listOrEmpty(corsOrigins);
        fhirServers = listOrEmpty(fhirServers).stream().map(ServiceConfig::withoutTrailingSlash).toList();
        extraPvpCodes = listOrEmpty(extraPvpCodes);
        if (publicUrl == null) {
            publicUrl = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
        publicUrl = withoutTrailingSlash(publicUrl);
    }

    /** The bundled settings: a demo on 127.0.0.1:8080 without authentication. */
    public static ServiceConfig defaults() throws ConfigException {
        return load(null, Map.of());
    }

    /**
     * Reads {@code file} (null for none) over the bundled defaults, then the command line's
     * {@code overrides} (setting name to value) over both, and checks the result.
     */
    public static ServiceConfig load(Path file, Map<String, Object> overrides) throws ConfigException {
        return load(file, overrides, Map.of());
    }

    /**
     * As {@link #load(Path, Map)}, with the environment variables that {@code databasePasswordEnv}
     * may name.
     */
    public static ServiceConfig load(Path file, Map<String, Object> overrides, Map<String, String> environment)
            throws ConfigException {
        return load(file, overrides, environment, SECRETS);
    }

    /** The secrets the settings may take from environment variables ({@code ...Env}), by setting. */
    public static final Set<String> SECRETS = Set.of("databasePassword", "auditKey", "fhirServer.auth.token", "view.key",
            "writeBack.notifyToken", "workbench.oidc.clientSecret");

    /**
     * As {@link #load(Path, Map, Map)}, reading only the secrets a command uses ({@link #SECRETS}):
     * one that only calls the FHIR server (assess --config, subscribe) needs neither the database
     * password nor the keys of the audit trail and the pages, which its machine may not have.
     */
    public static ServiceConfig load(Path file, Map<String, Object> overrides, Map<String, String> environment,
                                     Set<String> secrets) throws ConfigException {
        String name = file == null ? "the bundled settings" : file.toString();
        ObjectNode merged = bundled();
        ObjectNode own = YAML.createObjectNode();
        if (file != null) {
            JsonNode read;
            try {
                read = YAML.readTree(Files.readString(file));
            } catch (NoSuchFileException e) {
                throw new ConfigException("[PVP-C100] " + name + ": cannot be read: no such file");
            } catch (IOException e) {
                throw new ConfigException("[PVP-C100] " + name + ": cannot be read as YAML: " + firstLine(e));
            }
            if (read != null && !read.isMissingNode() && !read.isNull()) {
                if (!read.isObject()) {
                    throw new ConfigException("[PVP-C100] " + name + ": must be a YAML mapping of settings");
                }
                merge(own, (ObjectNode) read);
            }
        }
        if (environment.containsKey(LOG_FORMAT_VARIABLE)) {
            own.put("logFormat", environment.get(LOG_FORMAT_VARIABLE));
        }
        merge(own, YAML.valueToTree(overrides));
        merge(merged, own);
        databaseFromOldName(own, merged, name);
        secretFromEnvironment(merged, "", environment, secrets, name, "databasePassword", "PVP_DATABASE_PASSWORD", "the database password");
        secretFromEnvironment(merged, "", environment, secrets, name, "auditKey", "PVP_AUDIT_KEY", "the audit key");
        if (merged.get("fhirServer") instanceof ObjectNode server && server.get("auth") instanceof ObjectNode serverAuth) {
            secretFromEnvironment(serverAuth, "fhirServer.auth.", environment, secrets, name, "token", "PVP_FHIR_TOKEN",
                    "the bearer token for the hospital's FHIR server");
        }
        if (merged.get("view") instanceof ObjectNode view) {
            secretFromEnvironment(view, "view.", environment, secrets, name, "key", "PVP_VIEW_KEY",
                    "a random key of 32 characters or more (the same on every node)");
        }
        if (merged.get("writeBack") instanceof ObjectNode writeBack) {
            secretFromEnvironment(writeBack, "writeBack.", environment, secrets, name, "notifyToken", "PVP_NOTIFY_TOKEN",
                    "a random token of 32 characters or more (the one the Subscription sends)");
        }
        if (merged.get("workbench") instanceof ObjectNode workbench && workbench.get("oidc") instanceof ObjectNode oidc) {
            secretFromEnvironment(oidc, "workbench.oidc.", environment, secrets, name, "clientSecret", "PVP_OIDC_SECRET",
                    "the client secret the OpenID Connect provider gave the workbench");
        }
        widenDefaultScope(merged);
        try {
            return YAML.treeToValue(merged, ServiceConfig.class).checked(name);
        } catch (ConfigException e) {
            throw fromTheCommandLine(e, name, overrides);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException("[PVP-C101] " + name + ": unknown setting '" + path(e) + "'; the settings are "
                    + e.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")));
        } catch (MismatchedInputException e) {
            throw new ConfigException("[PVP-C102] " + name + ": setting '" + path(e) + "' has the wrong type: give "
                    + expected(e.getTargetType()));
        } catch (JsonMappingException e) {
            throw new ConfigException("[PVP-C102] " + name + ": setting '" + path(e) + "' has the wrong type: "
                    + e.getOriginalMessage().replaceAll(" at \\[Source.*", "").split("\n")[0]);
        } catch (IOException e) {
            throw new ConfigException("[PVP-C100] " + name + ": " + firstLine(e));
        }
    }

    /**
     * A value refused that an option of the command line gave ({@code serve --port 80800}) is named
     * as that option's, not as the settings file's.
     */
    private static ConfigException fromTheCommandLine(ConfigException e, String name, Map<String, Object> overrides) {
        for (Map.Entry<String, Object> option : overrides.entrySet()) {
            String given = "] " + name + ": setting '" + option.getKey() + "'";
            if (!(option.getValue() instanceof Map) && e.getMessage().contains(given)) {
                return new ConfigException(e.getMessage().replace(given, "] the command line's --" + option.getKey()
                        .replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT) + ": setting '" + option.getKey() + "'"));
            }
        }
        return e;
    }

    /** What a setting of {@code type} is written as, in the words of its reader, not Java's. */
    private static String expected(Class<?> type) {
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "a whole number, e.g. 8080";
        }
        if (type == double.class || type == Double.class) {
            return "a number, e.g. 0.0368";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "text";
        }
        if (type != null && java.util.Collection.class.isAssignableFrom(type)) {
            return "a list, e.g. [a, b]";
        }
        return "a mapping of its settings, as the README shows";
    }

    /**
     * With write-back on, the bundled SMART scope ({@code fhirServer.auth.scope}, reads of the findings
     * only) is widened by {@value #WRITE_BACK_SCOPES}: write-back finds the patient's
     * RiskAssessments by identifier and writes them. A scope the settings give is kept as given, and
     * checked ({@link #checkWriteBack}).
     */
    private static void widenDefaultScope(ObjectNode merged) throws ConfigException {
        if (merged.path("writeBack").path("enabled").asBoolean(false)
                && merged.path("fhirServer").path("auth") instanceof ObjectNode auth
                && auth.path("scope").asText("").equals(bundled().path("fhirServer").path("auth").path("scope").asText())) {
            auth.put("scope", auth.path("scope").asText() + " " + WRITE_BACK_SCOPES);
        }
    }

    /** {@code feedbackJdbcUrl}, the old name of {@code database}, is read as {@code database}. */
    private static void databaseFromOldName(ObjectNode own, ObjectNode merged, String name) throws ConfigException {
        JsonNode old = own.get("feedbackJdbcUrl");
        if (old == null || old.isNull()) {
            return;
        }
        if (own.has("database")) {
            throw new ConfigException("[PVP-C103] " + name + ": settings 'feedbackJdbcUrl' and 'database' are both given:"
                    + " 'feedbackJdbcUrl' is the old name of 'database'; keep only 'database'");
        }
        merged.set("database", old);
    }

    /**
     * A secret ({@code setting}) from the environment variable that setting {@code setting + "Env"}
     * names, when it names one; {@code path} is where those settings sit, as messages name them
     * ("" at the top, "view." in the view block).
     */
    private static void secretFromEnvironment(ObjectNode merged, String path, Map<String, String> environment,
                                              Set<String> secrets, String name, String setting, String example,
                                              String what) throws ConfigException {
        JsonNode variable = merged.get(setting + "Env");
        if (variable == null || variable.isNull()) {
            return;
        }
        if (!secrets.contains(path + setting)) {
            merged.remove(setting + "Env"); // not used by this command: left unset
            return;
        }
        String at = "[PVP-C103] " + name + ": setting '" + path + setting + "Env'";
        if (!variable.isTextual() || !variable.asText().matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new ConfigException(at + " is '" + variable.asText() + "': give the name of an environment variable,"
                    + " e.g. " + example);
        }
        JsonNode given = merged.get(setting);
        if (given != null && !given.isNull()) {
            throw new ConfigException(at + " and setting '" + path + setting + "' are both given: keep one of them");
        }
        String secret = environment.get(variable.asText());
        if (secret == null) {
            throw new ConfigException(at + " names " + variable.asText() + ", which is not set in the service's"
                    + " environment: set it to " + what + ", or remove the setting");
        }
        merged.put(setting, secret);
    }


    /** The FHIR servers the service may fetch from: the allowlist {@code fhirServers} and {@code fhirServer.url}. */
    public List<String> fetchedFrom() {
        List<String> servers = new ArrayList<>(fhirServers);
        if (fhirServer.url() != null && !servers.contains(fhirServer.url())) {
            servers.add(fhirServer.url());
        }
        return servers;
    }

    /** Where the database is and how to log in to it. */
    public Database.Settings databaseSettings() {
        return new Database.Settings(database, databaseUser, databasePassword, databasePoolSize);
    }

    /** The settings without the database password. */
    @Override
    public String toString() {
        return "ServiceConfig[host=" + host + ", port=" + port + ", publicUrl=" + publicUrl + ", database="
                + Database.withoutParameters(database) + ", databaseUser=" + databaseUser + ", databasePassword="
                + (databasePassword == null ? "none" : "(given)") + ", auth=" + auth.mode() + ", auditKey="
                + (auditKey == null ? "none" : "(given)") + ", view=" + view + ", fhirServer=" + fhirServer + ", writeBack="
                + writeBack + "]";
    }

    /** The number of requests worked on at once: the setting, or one per CPU core. */
    public int requestsAtOnce() {
        return concurrentRequests > 0 ? concurrentRequests : Runtime.getRuntime().availableProcessors();
    }

    /** Whether the host only accepts connections from this machine. */
    private boolean loopbackOnly() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** A SMART scope that lets the module create and update RiskAssessments (v1 write or *, v2 c and u). */
    private static boolean writesRiskAssessments(String scope) {
        return allows(scope, "RiskAssessment", "write", "cu");
    }

    /** A SMART system scope on {@code type} (or every type): v1 {@code v1} or *, or v2 permissions holding each of {@code v2}. */
    private static boolean allows(String scope, String type, String v1, String v2) {
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("system/(?:" + type + "|\\*)\\.([a-z*]+)")
                .matcher(scope);
        if (!matcher.matches()) {
            return false;
        }
        String permissions = matcher.group(1);
        return permissions.equals(v1) || permissions.equals("*")
                || permissions.matches("c?r?u?d?s?") && v2.chars().allMatch(c -> permissions.indexOf(c) >= 0);
    }

    /**
     * A SMART scope given in the settings must let the module search what every assessment from the
     * FHIR server reads: the findings, the Conditions and the PVPs on record. Without the last, a
     * treated vertebra whose post-operative findings are not on record would be taken as before PVP.
     */
    private void checkScopeReads(String at) throws ConfigException {
        String scope = fhirServer.auth().scope();
        if (!"smart".equals(fhirServer.auth().mode()) || scope == null || scope.isBlank()) {
            return;
        }
        List<String> scopes = Arrays.asList(scope.trim().split("\\s+"));
        for (String type : List.of("Observation", "Condition", "Procedure")) {
            if (scopes.stream().noneMatch(one -> allows(one, type, "read", "rs"))) {
                throw new ConfigException(at + "fhirServer.auth.scope' is '" + scope + "', which does not let the module"
                        + " read " + type + ", as every assessment from the FHIR server needs: add system/" + type
                        + ".read (SMART v2: system/" + type + ".rs), or leave scope out to keep the default");
            }
        }
    }

    private ServiceConfig checked(String name) throws ConfigException {
        String at = "[PVP-C103] " + name + ": setting '";
        if (host == null || host.isBlank()) {
            throw new ConfigException(at + "host' is empty: give an address to listen on, e.g. 127.0.0.1 or 0.0.0.0");
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException(at + "port' is " + port + ": give a port from 1 to 65535 (0 picks a free one)");
        }
        httpUrl(publicUrl, at + "publicUrl'");
        if (incidence != null && !(incidence > 0 && incidence < 1)) {
            throw new ConfigException(at + "incidence' is " + incidence + ": give a proportion between 0 and 1,"
                    + " e.g. 0.0368 for 3.68%");
        }
        if (maxBodyBytes < 1024) {
            throw new ConfigException(at + "maxBodyBytes' is " + maxBodyBytes + ": give at least 1024");
        }
        if (requestTimeoutMillis < 100 || requestTimeoutMillis > 600_000) {
            throw new ConfigException(at + "requestTimeoutMillis' is " + requestTimeoutMillis + ": give 100 to 600000"
                    + " (the time a client has to send a whole request)");
        }
        if (idleTimeoutMillis < 1000 || idleTimeoutMillis > 3_600_000) {
            throw new ConfigException(at + "idleTimeoutMillis' is " + idleTimeoutMillis + ": give 1000 to 3600000");
        }
        if (workerThreads < 4 || workerThreads > 1000) {
            throw new ConfigException(at + "workerThreads' is " + workerThreads + ": give 4 to 1000");
        }
        if (concurrentRequests < 0 || concurrentRequests > workerThreads) {
            throw new ConfigException(at + "concurrentRequests' is " + concurrentRequests + ": give 0 (one per CPU"
                    + " core) up to workerThreads (" + workerThreads + ")");
        }
        if (!List.of("off", "warn", "strict").contains(validation)) {
            throw new ConfigException(at + "validation' is " + validation + ": give off, warn (list the problems in"
                    + " the card) or strict (refuse an input with an error)");
        }
        if (fetchTimeoutMillis < 10 || fetchTimeoutMillis > 10_000) {
            throw new ConfigException(at + "fetchTimeoutMillis' is " + fetchTimeoutMillis
                    + ": give 10 to 10000 (CDS Hooks expects an answer within about 500 ms)");
        }
        for (int i = 0; i < fhirServers.size(); i++) {
            httpUrl(fhirServers.get(i), at + "fhirServers[" + i + "]'");
        }
        for (int i = 0; i < extraPvpCodes.size(); i++) {
            String code = extraPvpCodes.get(i);
            if (code == null || !code.matches("[^|\\s]+\\|[^|\\s]+")) {
                throw new ConfigException(at + "extraPvpCodes[" + i + "]' is '" + code
                        + "': write system|code, e.g. http://hospital.example/codes|VP-01");
            }
        }
        String databaseSetting = feedbackJdbcUrl != null ? "feedbackJdbcUrl" : "database";
        if (database == null || !(database.startsWith("jdbc:h2:") || database.startsWith("jdbc:postgresql:"))) {
            throw new ConfigException(at + databaseSetting + "' is '" + Database.withoutParameters(database)
                    + "': give jdbc:postgresql://HOST:5432/NAME (PostgreSQL, for one node or several) or jdbc:h2:FILE"
                    + " (the embedded database, one node), e.g. jdbc:h2:./data/pvp");
        }
        if (databasePoolSize < 1 || databasePoolSize > 100) {
            throw new ConfigException(at + "databasePoolSize' is " + databasePoolSize + ": give 1 to 100");
        }
        if (!List.of("text", "json").contains(logFormat)) {
            throw new ConfigException(at + "logFormat' is '" + logFormat + "': give text (readable lines) or json (one"
                    + " JSON object per line, for a log collector), in the settings, " + LOG_FORMAT_VARIABLE
                    + " or --log-format");
        }
        if (drainSeconds < 0 || drainSeconds > 300) {
            throw new ConfigException(at + "drainSeconds' is " + drainSeconds + ": give 0 to 300 (the seconds the"
                    + " requests in flight get to finish when the service stops)");
        }
        if (rulesPollSeconds < 1 || rulesPollSeconds > 3600) {
            throw new ConfigException(at + "rulesPollSeconds' is " + rulesPollSeconds + ": give 1 to 3600 (every node"
                    + " serves a newly published rules version within this many seconds plus the time to load it)");
        }
        if (auditRetentionDays < 1 || auditRetentionDays > 36_500) {
            throw new ConfigException(at + "auditRetentionDays' is " + auditRetentionDays + ": give 1 to 36500 (audit"
                    + " rows older than this many days are deleted)");
        }
        if (auditKey != null && auditKey.length() < 32) {
            throw new ConfigException(at + (auditKeyEnv == null ? "auditKey'" : "auditKeyEnv' (" + auditKeyEnv + ")")
                    + " holds " + auditKey.length() + " characters: give a random secret of at least 32, e.g. the"
                    + " output of openssl rand -hex 32");
        }
        if (view == null || view.linkMinutes() < 1 || view.linkMinutes() > 10_080) {
            throw new ConfigException(at + "view.linkMinutes' is " + (view == null ? null : view.linkMinutes())
                    + ": give 1 to 10080 (a week), how long a card's link to its page works");
        }
        if (view.key() != null && view.key().length() < 32) {
            throw new ConfigException(at + "view.key' has " + view.key().length() + " characters: give a random key"
                    + " of 32 characters or more, e.g. from: openssl rand -base64 32");
        }
        checkWriteBack(at);
        checkScopeReads(at);
        checkAuth(at);
        checkFhirServer(at);
        checkWorkbench(at);
        checkSmart(at);
        return this;
    }

    private void checkFhirServer(String at) throws ConfigException {
        if (fhirServer == null) {
            throw new ConfigException(at + "fhirServer' is empty: give a block with url and auth, or leave it out");
        }
        if (fhirServer.url() != null) {
            httpUrl(fhirServer.url(), at + "fhirServer.url'");
        }
        ServerAuth a = fhirServer.auth();
        switch (a.mode()) {
            case "none" -> { }
            case "bearer" -> {
                if (a.token() == null || a.token().isBlank()) {
                    throw new ConfigException(at + "fhirServer.auth.tokenEnv' is missing: with mode bearer, name the"
                            + " environment variable that holds the token, e.g. PVP_FHIR_TOKEN");
                }
            }
            case "smart" -> {
                httpUrl(a.tokenUrl(), at + "fhirServer.auth.tokenUrl'", true);
                if (a.clientId() == null || a.clientId().isBlank()) {
                    throw new ConfigException(at + "fhirServer.auth.clientId' is missing: give the client id the"
                            + " FHIR server's authorization server registered for this module");
                }
                if (a.keyFile() == null || !Files.isReadable(Path.of(a.keyFile()))) {
                    throw new ConfigException(at + "fhirServer.auth.keyFile' is '" + a.keyFile() + "': give a readable"
                            + " file with the module's private key (a JWK, or PEM), whose public key the server holds");
                }
                if (!List.of("RS384", "ES384").contains(String.valueOf(a.algorithm()))) {
                    throw new ConfigException(at + "fhirServer.auth.algorithm' is '" + a.algorithm() + "': give RS384"
                            + " or ES384, as SMART Backend Services asks");
                }
            }
            default -> throw new ConfigException(at + "fhirServer.auth.mode' is '" + a.mode() + "': give none, bearer"
                    + " (a token from tokenEnv) or smart (SMART Backend Services: tokenUrl, clientId, keyFile)");
        }
        if (fhirServer.url() == null && !a.mode().equals("none")) {
            throw new ConfigException(at + "fhirServer.url' is missing: credentials are set (fhirServer.auth) but no"
                    + " server to use them with");
        }
    }

    private void checkWriteBack(String at) throws ConfigException {
        if (writeBack == null) {
            throw new ConfigException(at + "writeBack' is empty: remove it to keep the defaults");
        }
        String scope = fhirServer.auth().scope();
        if (writeBack.enabled() && fhirServer.auth().mode().equals("smart") && scope != null && !scope.isBlank()
                && Arrays.stream(scope.trim().split("\\s+")).noneMatch(ServiceConfig::writesRiskAssessments)) {
            throw new ConfigException(at + "fhirServer.auth.scope' is '" + scope + "', which does not let the module"
                    + " write RiskAssessments, as writeBack.enabled needs: add " + WRITE_BACK_SCOPES + " (SMART v2:"
                    + " system/RiskAssessment.cruds), or leave scope out to have these added to the default");
        }
        if (writeBack.enabled() && fhirServer.url() == null) {
            throw new ConfigException(at + "writeBack.enabled' is true but fhirServer.url is not set: give the FHIR"
                    + " server that notifies the service and receives the RiskAssessments");
        }
        if (writeBack.notifyToken() != null && writeBack.notifyToken().length() < 32) {
            throw new ConfigException(at + "writeBack.notifyToken' has " + writeBack.notifyToken().length()
                    + " characters: give a random token of 32 or more, e.g. from: openssl rand -hex 32");
        }
        if (writeBack.maxAttempts() < 1 || writeBack.maxAttempts() > 100) {
            throw new ConfigException(at + "writeBack.maxAttempts' is " + writeBack.maxAttempts() + ": give 1 to 100");
        }
        if (writeBack.firstRetryMillis() < 10 || writeBack.firstRetryMillis() > 3_600_000) {
            throw new ConfigException(at + "writeBack.firstRetryMillis' is " + writeBack.firstRetryMillis()
                    + ": give 10 to 3600000 (the wait after the first failed try)");
        }
        if (writeBack.maxRetryMillis() < writeBack.firstRetryMillis() || writeBack.maxRetryMillis() > 86_400_000) {
            throw new ConfigException(at + "writeBack.maxRetryMillis' is " + writeBack.maxRetryMillis()
                    + ": give firstRetryMillis (" + writeBack.firstRetryMillis() + ") to 86400000 (a day)");
        }
    }

    private void checkSmart(String at) throws ConfigException {
        if (smart == null || !smart.enabled()) {
            return;
        }
        if (smart.clientId() == null || smart.clientId().isBlank()) {
            throw new ConfigException(at + "smart.clientId' is missing: give the client id the EHR's authorization"
                    + " server registered the app under (README, The page as a SMART app), or set smart.enabled false");
        }
        if (smart.scope() == null || !List.of(smart.scope().split(" +")).contains("launch")) {
            throw new ConfigException(at + "smart.scope' is '" + smart.scope() + "': an EHR launch needs the scope"
                    + " launch, e.g. \"launch openid fhirUser patient/Observation.rs patient/Condition.rs"
                    + " patient/Patient.rs patient/Procedure.rs\"");
        }
        if (smart.fetchTimeoutMillis() < 100 || smart.fetchTimeoutMillis() > 60_000) {
            throw new ConfigException(at + "smart.fetchTimeoutMillis' is " + smart.fetchTimeoutMillis() + ": give 100"
                    + " to 60000, how long a launched page may wait for the FHIR server and the authorization server");
        }
        if (fhirServers.isEmpty() && fhirServer.url() == null) {
            throw new ConfigException(at + "smart.enabled' is true but fhirServers is empty and fhirServer.url is not"
                    + " set: add the EHR's FHIR base URL (the iss it launches with) to fhirServers");
        }
        if (!publicUrl.startsWith("https://") && !loopbackOnly()) {
            throw new ConfigException(at + "smart.enabled' is true while publicUrl is " + publicUrl + ": the launch"
                    + " needs https (its cookie is Secure, and the EHR redirects to it), except for a demo on 127.0.0.1");
        }
    }

    private void checkWorkbench(String at) throws ConfigException {
        if (workbench == null || !workbench.enabled()) {
            return;
        }
        if (workbench.sessionMinutes() < 5 || workbench.sessionMinutes() > 1440) {
            throw new ConfigException(at + "workbench.sessionMinutes' is " + workbench.sessionMinutes()
                    + ": give 5 to 1440, how long a sign-in lasts without use");
        }
        if (!publicUrl.startsWith("https://") && !loopbackOnly()) {
            throw new ConfigException(at + "workbench.enabled' is true while publicUrl is " + publicUrl + ": the"
                    + " workbench's sign-in needs https (its cookies are Secure), except for a demo on 127.0.0.1");
        }
        if (workbench.oidc() == null && workbench.accounts().isEmpty()) {
            throw new ConfigException(at + "workbench.oidc' is missing and workbench.accounts is empty: give the"
                    + " hospital's OpenID Connect provider, or local accounts for a demo, or set workbench.enabled false");
        }
        if (workbench.oidc() != null) {
            Oidc oidc = workbench.oidc();
            httpUrl(oidc.issuer(), at + "workbench.oidc.issuer'");
            for (String[] required : new String[][] {{"clientId", oidc.clientId()}, {"rolesClaim", oidc.rolesClaim()},
                    {"authorRole", oidc.authorRole()}, {"approverRole", oidc.approverRole()}}) {
                if (required[1] == null || required[1].isBlank()) {
                    throw new ConfigException(at + "workbench.oidc." + required[0] + "' is missing: give the client id the"
                            + " provider registered, the claim that holds the user's groups (e.g. roles) and the group of"
                            + " authors and of approvers");
                }
            }
        }
        java.util.Set<String> users = new java.util.HashSet<>();
        for (int i = 0; i < workbench.accounts().size(); i++) {
            Account account = workbench.accounts().get(i);
            String where = at + "workbench.accounts[" + i + "].";
            if (account.user() == null || !account.user().matches("[A-Za-z0-9._-]{1,64}") || !users.add(account.user())) {
                throw new ConfigException(where + "user' is '" + account.user() + "': give a name of letters, digits, ., _"
                        + " or -, different from the other accounts'");
            }
            if (!List.of("author", "approver").contains(String.valueOf(account.role()))) {
                throw new ConfigException(where + "role' is '" + account.role() + "': write author or approver");
            }
            if (account.passwordHash() == null || !account.passwordHash().matches("\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}")) {
                throw new ConfigException(where + "passwordHash' is not a bcrypt hash: make one with"
                        + " htpasswd -nbBC 12 '' PASSWORD | cut -c2- (never the password itself)");
            }
        }
    }

    private void checkAuth(String at) throws ConfigException {
        if (auth == null || !List.of("verify", "off").contains(auth.mode())) {
            throw new ConfigException(at + "auth.mode' is '" + (auth == null ? null : auth.mode())
                    + "': write verify (JWTs from the issuers listed) or off (a demo on 127.0.0.1 only)");
        }
        if (!auth.verify()) {
            if (!loopbackOnly()) {
                throw new ConfigException(at + "auth.mode' is off while host is " + host + ": turning"
                        + " authentication off is allowed only for a local demo on 127.0.0.1");
            }
            return;
        }
        List<Issuer> issuers = auth.issuers() == null ? List.of() : auth.issuers();
        if (issuers.isEmpty()) {
            throw new ConfigException(at + "auth.issuers' is empty: with auth.mode verify, list each CDS client's"
                    + " iss with its jwksUrl, jwksFile or allowed jku");
        }
        for (int i = 0; i < issuers.size(); i++) {
            Issuer issuer = issuers.get(i);
            String where = at + "auth.issuers[" + i + "].";
            if (issuer.iss() == null || issuer.iss().isBlank()) {
                throw new ConfigException(where + "iss' is missing: give the issuer as it appears in the JWT");
            }
            if (issuer.jwksUrl() == null && issuer.jwksFile() == null && issuer.jku().isEmpty()) {
                throw new ConfigException(where + "jwksUrl' is missing: give jwksUrl, jwksFile or jku, where"
                        + " the issuer's public keys are");
            }
            if (issuer.jwksUrl() != null) {
                httpUrl(issuer.jwksUrl(), where + "jwksUrl'", true);
            }
            if (issuer.jwksFile() != null && !Files.isReadable(Path.of(issuer.jwksFile()))) {
                throw new ConfigException(where + "jwksFile' is '" + issuer.jwksFile() + "': cannot be read");
            }
            for (int j = 0; j < issuer.jku().size(); j++) {
                httpUrl(issuer.jku().get(j), where + "jku[" + j + "]'", true);
            }
        }
    }

    /** A base URL (a server's, the service's own): no user, query or fragment, to which paths are added. */
    private static void httpUrl(String url, String setting) throws ConfigException {
        httpUrl(url, setting, false);
    }

    /** @param endpoint a URL called as it is (a token endpoint, a key set), which may carry a query */
    private static void httpUrl(String url, String setting, boolean endpoint) throws ConfigException {
        if (url == null) {
            throw new ConfigException(setting + " is missing: give an http or https URL such as https://ehr.example.org/fhir");
        }
        String without = endpoint ? "without user or fragment" : "without user, query or fragment";
        try {
            URI uri = new URI(url);
            if (!List.of("http", "https").contains(String.valueOf(uri.getScheme())) || uri.getHost() == null
                    || uri.getUserInfo() != null || !endpoint && uri.getQuery() != null || uri.getFragment() != null) {
                throw new URISyntaxException(url, "not an http(s) URL " + without);
            }
        } catch (URISyntaxException e) {
            throw new ConfigException(setting + " is '" + url + "': give an http or https URL " + without + ", such as"
                    + " https://ehr.example.org/fhir");
        }
    }

    private static ObjectNode bundled() throws ConfigException {
        try (InputStream in = ServiceConfig.class.getResourceAsStream("defaults.yaml")) {
            return (ObjectNode) YAML.readTree(in);
        } catch (IOException | NullPointerException e) {
            throw new ConfigException("[PVP-C100] the bundled settings cannot be read: " + firstLine(e));
        }
    }

    /** Lays {@code own} over {@code base}: mappings are merged, anything else replaces. */
    private static void merge(ObjectNode base, ObjectNode own) {
        for (Iterator<Map.Entry<String, JsonNode>> it = own.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode old = base.get(field.getKey());
            if (old instanceof ObjectNode oldObject && field.getValue() instanceof ObjectNode newObject) {
                merge(oldObject, newObject);
            } else {
                base.set(field.getKey(), field.getValue());
            }
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static <T> List<T> listOrEmpty(List<T> list) {
        return list == null ? List.of() : list.stream().filter(java.util.Objects::nonNull).toList();
    }

    private static String withoutTrailingSlash(String url) {
        return url != null && url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static String firstLine(Exception e) {
        return String.valueOf(e.getMessage()).split("\n")[0];
    }
}
