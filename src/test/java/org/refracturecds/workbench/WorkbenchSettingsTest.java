package org.refracturecds.workbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.refracturecds.http.ServiceConfig;

import at.favre.lib.crypto.bcrypt.BCrypt;

/** The settings of the workbench: the demo file, the bundled default, and each bad one named with what to write. */
class WorkbenchSettingsTest {

    private static final String HASH = "$2a$04$" + "a".repeat(53);

    private static String refused(Map<String, Object> workbench) {
        return assertThrows(ServiceConfig.ConfigException.class,
                () -> ServiceConfig.load(null, Map.of("workbench", workbench))).getMessage();
    }

    @Test
    void theBundledSettings_leaveTheWorkbenchOff() throws Exception {
        assertFalse(ServiceConfig.defaults().workbench().enabled());
    }

    @Test
    void theDemoSettings_load_andTheirPasswordsAreTheOnesTheyName() throws Exception {
        ServiceConfig demo = ServiceConfig.load(Path.of("examples/workbench/settings.yaml"), Map.of());

        assertTrue(demo.workbench().enabled());
        ServiceConfig.Account ann = demo.workbench().accounts().get(0);
        assertEquals("author", ann.role());
        assertTrue(BCrypt.verifyer().verify("ann-demo-author".toCharArray(), ann.passwordHash()).verified);
        assertTrue(BCrypt.verifyer().verify("abe-demo-approver".toCharArray(),
                demo.workbench().accounts().get(1).passwordHash()).verified);
        assertFalse(demo.toString().contains(ann.passwordHash()));
    }

    @Test
    void aPasswordInsteadOfItsHash_isRefused() {
        String message = refused(Map.of("enabled", true, "accounts",
                List.of(Map.of("user", "ann", "role", "author", "passwordHash", "secret"))));

        assertTrue(message.contains("'workbench.accounts[0].passwordHash' is not a bcrypt hash"), message);
        assertTrue(message.contains("PVP-C103"), message);
    }

    @Test
    void aRoleOtherThanAuthorOrApprover_isRefused() {
        String message = refused(Map.of("enabled", true, "accounts",
                List.of(Map.of("user", "ann", "role", "admin", "passwordHash", HASH))));

        assertTrue(message.contains("'workbench.accounts[0].role' is 'admin': write author or approver"), message);
    }

    @Test
    void anEnabledWorkbenchWithNoWayToSignIn_isRefused() {
        String message = refused(Map.of("enabled", true));

        assertTrue(message.contains("'workbench.oidc' is missing and workbench.accounts is empty"), message);
    }

    @Test
    void aProviderWithoutItsClientId_isRefused() {
        String message = refused(Map.of("enabled", true, "oidc", Map.of("issuer", "https://login.example",
                "rolesClaim", "groups", "authorRole", "a", "approverRole", "b")));

        assertTrue(message.contains("'workbench.oidc.clientId' is missing"), message);
    }

    @Test
    void theWorkbenchOverPlainHttpBeyondThisMachine_isRefused() {
        String message = assertThrows(ServiceConfig.ConfigException.class, () -> ServiceConfig.load(null, Map.of(
                "host", "0.0.0.0", "publicUrl", "http://cds.hospital.example", "auth", Map.of("mode", "verify",
                        "issuers", List.of(Map.of("iss", "x", "jwksUrl", "https://x.example/jwks"))),
                "workbench", Map.of("enabled", true, "accounts", List.of(Map.of("user", "ann", "role", "author",
                        "passwordHash", HASH)))))).getMessage();

        assertTrue(message.contains("the workbench's sign-in needs https"), message);
    }
}
