package org.refracturecds.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceConfigTest {

    @TempDir
    Path dir;

    ServiceConfig.ConfigException refused(String yaml) throws Exception {
        Path file = dir.resolve("settings.yaml");
        Files.writeString(file, yaml);
        return assertThrows(ServiceConfig.ConfigException.class, () -> ServiceConfig.load(file, Map.of()));
    }

    @Test
    void bundledDefaults_areALocalDemoWithoutAuthentication() throws Exception {
        ServiceConfig defaults = ServiceConfig.defaults();

        assertEquals("127.0.0.1", defaults.host());
        assertEquals(8080, defaults.port());
        assertEquals("http://127.0.0.1:8080", defaults.publicUrl());
        assertEquals("off", defaults.auth().mode());
    }

    @Test
    void theExampleSettings_load() throws Exception {
        ServiceConfig example = ServiceConfig.load(Path.of("config/example.yaml"), Map.of(),
                Map.of("PVP_DATABASE_PASSWORD", "from-the-environment", "PVP_AUDIT_KEY", "a".repeat(64),
                        "PVP_VIEW_KEY", "k".repeat(44), "PVP_FHIR_TOKEN", "t".repeat(40), "PVP_NOTIFY_TOKEN",
                        "n".repeat(40), "PVP_OIDC_SECRET", "s".repeat(40)));

        assertTrue(example.auth().verify());
        assertTrue(example.workbench().enabled());
        assertEquals("s".repeat(40), example.workbench().oidc().clientSecret());
        assertFalse(example.toString().contains("ssss"), "the client secret is never shown");
        assertEquals("k".repeat(44), example.view().key());
        assertFalse(example.toString().contains("kkkk"), "the key is never shown");
        assertEquals("https://cds.hospital.example/pvp", example.publicUrl());
        assertEquals("jdbc:postgresql://db.hospital.example:5432/pvp", example.database());
        assertEquals("from-the-environment", example.databasePassword());
        assertEquals("t".repeat(40), example.fhirServer().auth().token());
        assertFalse(example.toString().contains("tttt"), "the FHIR server's token is never shown");
        assertEquals("n".repeat(40), example.writeBack().notifyToken());
        assertFalse(example.toString().contains("nnnn"), "the notify token is never shown");
    }

    @Test
    void aWriteBackSettingOutOfRange_isRefused_namingIt() {
        ServiceConfig.ConfigException e = assertThrows(ServiceConfig.ConfigException.class,
                () -> ServiceConfig.load(null, Map.of("writeBack", Map.of("enabled", true))));

        assertEquals("[PVP-C103] the bundled settings: setting 'writeBack.enabled' is true but fhirServer.url is not"
                + " set: give the FHIR server that notifies the service and receives the RiskAssessments", e.getMessage());
        ServiceConfig.ConfigException attempts = assertThrows(
                ServiceConfig.ConfigException.class, () -> ServiceConfig.load(null, Map.of("writeBack",
                        Map.of("enabled", true, "maxAttempts", 0), "fhirServer", Map.of("url", "http://127.0.0.1:8081/fhir"))));
        assertEquals("[PVP-C103] the bundled settings: setting 'writeBack.maxAttempts' is 0: give 1 to 100",
                attempts.getMessage());
    }

    @Test
    void smartCredentialsWithoutAReadableKey_areRefused_withTheSettingNamed() {
        ServiceConfig.ConfigException e = assertThrows(ServiceConfig.ConfigException.class,
                () -> ServiceConfig.load(null, Map.of("fhirServer", Map.of("url", "https://ehr.example/fhir",
                        "auth", Map.of("mode", "smart", "tokenUrl", "https://ehr.example/token", "clientId", "pvp",
                                "keyFile", "/nowhere/key.json"))), Map.of()));

        assertTrue(e.getMessage().startsWith("[PVP-C103] the bundled settings: setting 'fhirServer.auth.keyFile' is"
                + " '/nowhere/key.json'"), e.getMessage());
    }

    /** SMART Backend Services settings with a readable key, write-back on or off, and the scope given (null: the default). */
    private ServiceConfig smart(boolean writeBack, String scope) throws Exception {
        Path key = dir.resolve("key.json");
        Files.writeString(key, "{}");
        Map<String, Object> auth = new java.util.HashMap<>(Map.of("mode", "smart", "tokenUrl", "https://ehr.example/token",
                "clientId", "pvp", "keyFile", key.toString()));
        if (scope != null) {
            auth.put("scope", scope);
        }
        return ServiceConfig.load(null, Map.of("fhirServer", Map.of("url", "https://ehr.example/fhir", "auth", auth),
                "writeBack", Map.of("enabled", writeBack)), Map.of());
    }

    @Test
    void aTokenUrlWithAQuery_isTaken_butABaseUrlWithOne_isRefused_sayingWhy() throws Exception {
        Path key = dir.resolve("key.json");
        Files.writeString(key, "{}");
        Map<String, Object> auth = Map.of("mode", "smart", "tokenUrl", "https://ehr.example/token?tenant=a",
                "clientId", "pvp", "keyFile", key.toString());

        assertEquals("https://ehr.example/token?tenant=a", ServiceConfig.load(null, Map.of("fhirServer",
                Map.of("url", "https://ehr.example/fhir", "auth", auth)), Map.of()).fhirServer().auth().tokenUrl());
        ServiceConfig.ConfigException base = assertThrows(ServiceConfig.ConfigException.class, () -> ServiceConfig.load(
                null, Map.of("fhirServer", Map.of("url", "https://ehr.example/fhir?tenant=a")), Map.of()));
        assertTrue(base.getMessage().contains("fhirServer.url' is 'https://ehr.example/fhir?tenant=a': give an http or"
                + " https URL without user, query or fragment"), base.getMessage());
    }

    @Test
    void withWriteBackOn_theDefaultSmartScope_alsoAsksToWriteRiskAssessments() throws Exception {
        String reads = ServiceConfig.defaults().fhirServer().auth().scope();

        assertEquals(reads, smart(false, null).fhirServer().auth().scope());
        assertTrue(reads.contains("system/Patient.read"), "the operation reads the Patient for its age: " + reads);
        assertEquals(reads + " system/RiskAssessment.read system/RiskAssessment.write",
                smart(true, null).fhirServer().auth().scope());
        assertEquals("system/*.read system/RiskAssessment.write", smart(true, "system/*.read system/RiskAssessment.write")
                .fhirServer().auth().scope(), "a scope given is kept as given");
        assertEquals("system/*.cruds", smart(true, "system/*.cruds").fhirServer().auth().scope());
    }

    @Test
    void withWriteBackOn_aSmartScopeThatCannotWriteRiskAssessments_isRefused_namingTheSetting() {
        ServiceConfig.ConfigException e = assertThrows(ServiceConfig.ConfigException.class,
                () -> smart(true, "system/Observation.read system/RiskAssessment.read"));

        assertEquals("[PVP-C103] the bundled settings: setting 'fhirServer.auth.scope' is 'system/Observation.read"
                + " system/RiskAssessment.read', which does not let the module write RiskAssessments, as"
                + " writeBack.enabled needs: add system/RiskAssessment.read"
                + " system/RiskAssessment.write (SMART v2: system/RiskAssessment.cruds), or leave scope out to have"
                + " these added to the default", e.getMessage());
        assertThrows(ServiceConfig.ConfigException.class, () -> smart(true, "system/RiskAssessment.rs"));
    }

    @Test
    void aSmartScopeThatCannotReadThePvpsOnRecord_isRefused_namingTheSetting() throws Exception {
        ServiceConfig.ConfigException e = assertThrows(ServiceConfig.ConfigException.class,
                () -> smart(false, "system/Observation.read system/Condition.read"));

        assertEquals("[PVP-C103] the bundled settings: setting 'fhirServer.auth.scope' is 'system/Observation.read"
                + " system/Condition.read', which does not let the module read Procedure, as every assessment from the"
                + " FHIR server needs: add system/Procedure.read (SMART v2: system/Procedure.rs), or leave scope out to"
                + " keep the default", e.getMessage());
        assertThrows(ServiceConfig.ConfigException.class,
                () -> smart(false, "system/Observation.rs system/Condition.rs system/Procedure.r"), "v2 search needs s");
        smart(false, "system/Observation.rs system/Condition.rs system/Procedure.rs");
        smart(false, "system/*.read");
    }

    @Test
    void viewKeyEnvNamingAnUnsetVariable_isRefused_withTheSettingNamed() {
        ServiceConfig.ConfigException e = assertThrows(ServiceConfig.ConfigException.class,
                () -> ServiceConfig.load(null, Map.of("view", Map.of("keyEnv", "PVP_VIEW_KEY")), Map.of()));

        assertTrue(e.getMessage().startsWith("[PVP-C103] the bundled settings: setting 'view.keyEnv' names PVP_VIEW_KEY,"
                + " which is not set"), e.getMessage());
    }

    @Test
    void aShortViewKeyOrALinkOfNoMinutes_isRefused() {
        assertTrue(assertThrows(ServiceConfig.ConfigException.class, () -> ServiceConfig.load(null,
                Map.of("view", Map.of("key", "short")))).getMessage().contains("setting 'view.key' has 5 characters"));
        assertTrue(assertThrows(ServiceConfig.ConfigException.class, () -> ServiceConfig.load(null,
                Map.of("view", Map.of("linkMinutes", 0)))).getMessage().contains("setting 'view.linkMinutes' is 0"));
    }

    @Test
    void smartLaunchWithoutClientIdOrLaunchScopeOrAFhirServer_isRefused_namingTheSetting() {
        Map<String, Object> servers = Map.of("fhirServers", List.of("https://ehr.example.org/fhir"));
        assertTrue(refusal(Map.of("smart", Map.of("enabled", true)), servers)
                .contains("setting 'smart.clientId' is missing"));
        assertTrue(refusal(Map.of("smart", Map.of("enabled", true, "clientId", "pvp", "scope", "openid patient/*.rs")),
                servers).contains("setting 'smart.scope' is 'openid patient/*.rs': an EHR launch needs the scope launch"));
        assertTrue(refusal(Map.of("smart", Map.of("enabled", true, "clientId", "pvp")), Map.of())
                .contains("setting 'smart.enabled' is true but fhirServers is empty"));
        assertTrue(refusal(Map.of("smart", Map.of("enabled", true, "clientId", "pvp"), "host", "0.0.0.0",
                "auth", Map.of("mode", "verify", "issuers", List.of(Map.of("iss", "https://ehr.example.org",
                        "jwksUrl", "https://ehr.example.org/jwks")))), servers)
                .contains("setting 'smart.enabled' is true while publicUrl is http://0.0.0.0:8080: the launch needs https"));
    }

    private static String refusal(Map<String, Object> settings, Map<String, Object> more) {
        Map<String, Object> all = new java.util.HashMap<>(settings);
        all.putAll(more);
        return assertThrows(ServiceConfig.ConfigException.class, () -> ServiceConfig.load(null, all)).getMessage();
    }

    @Test
    void unknownSetting_isNamedWithTheKnownOnes() throws Exception {
        String message = refused("fhirServerz: []\n").getMessage();

        assertTrue(message.contains("unknown setting 'fhirServerz'"), message);
        assertTrue(message.contains("fhirServers"), message);
    }

    @Test
    void wrongType_namesTheSetting_andWhatToGive_notAJavaType() throws Exception {
        String message = refused("port: eighty\n").getMessage();
        assertTrue(message.endsWith(": setting 'port' has the wrong type: give a whole number, e.g. 8080"), message);
        assertTrue(refused("mobileOnly: [1]\n").getMessage().contains("unknown setting"));
    }

    @Test
    void aSettingGivenTwice_isRefused_notTheLastTaken() throws Exception {
        String message = refused("port: 8080\nport: 9090\n").getMessage();
        assertTrue(message.startsWith("[PVP-C100] ") && message.contains("Duplicate field 'port'"), message);
    }

    @Test
    void aValueOfTheCommandLine_isNamedAsItsOption() {
        String message = assertThrows(ServiceConfig.ConfigException.class,
                () -> ServiceConfig.load(null, Map.of("port", 80800))).getMessage();
        assertEquals("[PVP-C103] the command line's --port: setting 'port' is 80800: give a port from 1 to 65535 (0 picks"
                + " a free one)", message);
    }

    @Test
    void authOffOnAPublicAddress_isRefused() throws Exception {
        String message = refused("host: 0.0.0.0\n").getMessage();

        assertTrue(message.contains("auth.mode' is off while host is 0.0.0.0"), message);
    }

    @Test
    void verifyWithoutIssuers_isRefused() throws Exception {
        assertTrue(refused("auth:\n  mode: verify\n").getMessage().contains("auth.issuers' is empty"));
    }

    @Test
    void fhirServerThatIsNotHttp_isRefused() throws Exception {
        assertTrue(refused("fhirServers: [\"file:///etc\"]\n").getMessage().contains("fhirServers[0]"));
    }

    @Test
    void logFormat_isTextByDefault_theEnvironmentOverTheFile_theCommandLineOverBoth() throws Exception {
        Path file = dir.resolve("settings.yaml");
        Files.writeString(file, "logFormat: json\n");

        assertEquals("text", ServiceConfig.defaults().logFormat());
        assertEquals("json", ServiceConfig.load(file, Map.of()).logFormat());
        assertEquals("text", ServiceConfig.load(file, Map.of(), Map.of("PVP_LOG_FORMAT", "text")).logFormat());
        assertEquals("json", ServiceConfig.load(file, Map.of("logFormat", "json"), Map.of("PVP_LOG_FORMAT", "text"))
                .logFormat());
    }

    @Test
    void logFormatOrDrainSecondsOutOfRange_isRefusedByName() throws Exception {
        String format = refused("logFormat: xml\n").getMessage();
        String drain = refused("drainSeconds: -1\n").getMessage();

        assertTrue(format.contains("setting 'logFormat' is 'xml': give text (readable lines) or json"), format);
        assertTrue(drain.contains("setting 'drainSeconds' is -1: give 0 to 300"), drain);
        assertEquals(10, ServiceConfig.defaults().drainSeconds());
    }

    @Test
    void commandLineOverrides_winOverTheFile() throws Exception {
        Path file = dir.resolve("settings.yaml");
        Files.writeString(file, "port: 9000\n");

        assertEquals(9100, ServiceConfig.load(file, Map.of("port", 9100)).port());
    }

    @Test
    void concurrentRequests_isOnePerCoreByDefault_andAtMostTheWorkerThreads() throws Exception {
        assertEquals(Runtime.getRuntime().availableProcessors(), ServiceConfig.defaults().requestsAtOnce());
        assertTrue(refused("concurrentRequests: 17\n").getMessage().contains("concurrentRequests' is 17: give 0 (one per"
                + " CPU core) up to workerThreads (16)"));
    }

    @Test
    void unquotedOff_isOff_notTheBooleanYamlMakesOfIt() throws Exception {
        Path file = dir.resolve("settings.yaml");
        Files.writeString(file, "validation: off\nauth:\n  mode: off\n");

        ServiceConfig settings = ServiceConfig.load(file, Map.of());
        assertEquals("off", settings.validation());
        assertEquals("off", settings.auth().mode());
    }

    @Test
    void database_isAnH2FileByDefault() throws Exception {
        assertEquals("jdbc:h2:./data/pvp", ServiceConfig.defaults().database());
        assertEquals(10, ServiceConfig.defaults().databasePoolSize());
    }

    @Test
    void databaseThatIsNeitherH2NorPostgreSql_isRefused_withoutItsParameters() throws Exception {
        String message = refused("database: \"jdbc:mysql://db/pvp?password=secret\"\n").getMessage();

        assertTrue(message.contains("setting 'database' is 'jdbc:mysql://db/pvp': give jdbc:postgresql://HOST:5432/NAME"),
                message);
        assertFalse(message.contains("secret"), message);
    }

    @Test
    void feedbackJdbcUrl_theOldName_isReadAsTheDatabase() throws Exception {
        Path file = dir.resolve("settings.yaml");
        Files.writeString(file, "feedbackJdbcUrl: \"jdbc:h2:/var/lib/pvp/feedback\"\n");

        ServiceConfig settings = ServiceConfig.load(file, Map.of());

        assertEquals("jdbc:h2:/var/lib/pvp/feedback", settings.database());
        assertEquals("jdbc:h2:/var/lib/pvp/feedback", settings.feedbackJdbcUrl());
    }

    @Test
    void feedbackJdbcUrlBesideDatabase_isRefused_sayingWhichToKeep() throws Exception {
        String message = refused("feedbackJdbcUrl: \"jdbc:h2:./a\"\ndatabase: \"jdbc:h2:./b\"\n").getMessage();

        assertTrue(message.contains("'feedbackJdbcUrl' is the old name of 'database'; keep only 'database'"), message);
    }

    @Test
    void databasePasswordEnv_readsThePasswordFromTheEnvironment_andToStringHidesIt() throws Exception {
        Path file = dir.resolve("settings.yaml");
        Files.writeString(file, "database: \"jdbc:postgresql://db:5432/pvp\"\ndatabaseUser: pvp\n"
                + "databasePasswordEnv: PVP_DATABASE_PASSWORD\n");

        ServiceConfig settings = ServiceConfig.load(file, Map.of(), Map.of("PVP_DATABASE_PASSWORD", "s3cret"));

        assertEquals("s3cret", settings.databaseSettings().password());
        assertEquals("pvp", settings.databaseSettings().user());
        assertFalse(settings.toString().contains("s3cret"), settings.toString());
        assertFalse(settings.databaseSettings().toString().contains("s3cret"));
    }

    @Test
    void databasePasswordEnvNamingAnUnsetVariable_isRefused() throws Exception {
        String message = refused("databasePasswordEnv: PVP_DATABASE_PASSWORD\n").getMessage();

        assertTrue(message.contains("setting 'databasePasswordEnv' names PVP_DATABASE_PASSWORD, which is not set"),
                message);
    }

    @Test
    void databasePoolSizeOutOfRange_isRefused() throws Exception {
        assertTrue(refused("databasePoolSize: 0\n").getMessage().contains("databasePoolSize' is 0: give 1 to 100"));
    }

    @Test
    void rulesPollSecondsAndAuditRetentionDays_outOfRange_areRefused() throws Exception {
        assertTrue(refused("rulesPollSeconds: 0\n").getMessage().contains("setting 'rulesPollSeconds' is 0: give 1 to 3600"));
        assertTrue(refused("auditRetentionDays: 0\n").getMessage().contains("setting 'auditRetentionDays' is 0: give 1 to 36500"));
    }

    @Test
    void auditKeyEnv_readsTheKeyFromTheEnvironment_andToStringHidesIt() throws Exception {
        Path file = dir.resolve("settings.yaml");
        Files.writeString(file, "auditKeyEnv: PVP_AUDIT_KEY\n");
        String key = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

        ServiceConfig settings = ServiceConfig.load(file, Map.of(), Map.of("PVP_AUDIT_KEY", key));

        assertEquals(key, settings.auditKey());
        assertFalse(settings.toString().contains(key), settings.toString());
        assertEquals(400, settings.auditRetentionDays());
        assertEquals(5, settings.rulesPollSeconds());
    }

    @Test
    void aShortAuditKey_isRefused_withoutShowingIt() throws Exception {
        Path file = dir.resolve("settings.yaml");
        Files.writeString(file, "auditKeyEnv: PVP_AUDIT_KEY\n");

        String message = assertThrows(ServiceConfig.ConfigException.class,
                () -> ServiceConfig.load(file, Map.of(), Map.of("PVP_AUDIT_KEY", "password1"))).getMessage();

        assertTrue(message.contains("setting 'auditKeyEnv' (PVP_AUDIT_KEY) holds 9 characters: give a random secret"
                + " of at least 32"), message);
        assertFalse(message.contains("password1"), message);
    }
}
