package org.refracturecds.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.fhirin.Codes;
import org.refracturecds.testservers.HapiJpaServer;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.gclient.UriClientParam;

/** subscribe against the real HAPI JPA server: it creates the Subscription, says what, and is idempotent. */
class SubscribeCommandTest {

    @TempDir
    Path dir;

    @Test
    void subscribe_createsTheSubscriptionOnce_andSaysWhatItCreated() throws Exception {
        HapiJpaServer jpa = HapiJpaServer.shared();
        String endpoint = "http://127.0.0.1:9/subscribe-test/fhir-notify";
        Path config = dir.resolve("settings.yaml");
        Files.writeString(config, """
                fhirServer:
                  url: %s
                writeBack:
                  notifyToken: "subscribe-test-token-0123456789abcdef"
                """.formatted(jpa.base()));
        IGenericClient client = jpa.client();
        try {
            CliRun first = CliRun.of("subscribe", "--config", config.toString(), "--endpoint", endpoint);
            CliRun again = CliRun.of("subscribe", "--config", config.toString(), "--endpoint", endpoint);

            assertEquals(0, first.exit(), first.err());
            List<Subscription> on = subscriptions(client, endpoint);
            assertEquals(1, on.size());
            Subscription made = on.get(0);
            String id = made.getIdElement().getIdPart();
            assertEquals("""
                    created Subscription/%s on %s (status requested)
                      criteria: Observation?code=%s
                      channel:  rest-hook to %s, payload application/fhir+json, with the token
                    """.formatted(id, jpa.base(), String.join(",", Codes.findingTokens()), endpoint),
                    // the server may have activated it before the command read it back
                    first.out().replaceFirst("\\(status active\\)", "(status requested)"));
            assertEquals(List.of("Authorization: Bearer subscribe-test-token-0123456789abcdef"),
                    made.getChannel().getHeader().stream().map(h -> h.getValue()).toList());

            assertEquals(0, again.exit(), again.err());
            assertTrue(again.out().startsWith("exists Subscription/" + id + " on "), again.out());
            assertEquals(1, subscriptions(client, endpoint).size());

            // settings without the token (another file than the service's) do not take it away
            CliRun without = CliRun.of("subscribe", "--fhir-server", jpa.base(), "--endpoint", endpoint);
            assertEquals(2, without.exit(), without.out());
            assertTrue(without.err().contains("error [PVP-C114] Subscription/" + id + " on "), without.err());
            assertEquals(List.of("Authorization: Bearer subscribe-test-token-0123456789abcdef"), subscriptions(client,
                    endpoint).get(0).getChannel().getHeader().stream().map(h -> h.getValue()).toList());
        } finally {
            for (Subscription subscription : subscriptions(client, endpoint)) {
                client.delete().resource(subscription).execute();
            }
        }
    }

    @Test
    void subscribe_withAnotherPayload_updatesItsSubscription() throws Exception {
        HapiJpaServer jpa = HapiJpaServer.shared();
        String endpoint = "http://127.0.0.1:9/subscribe-update/fhir-notify";
        IGenericClient client = jpa.client();
        try {
            CliRun full = CliRun.of("subscribe", "--fhir-server", jpa.base(), "--endpoint", endpoint);
            CliRun empty = CliRun.of("subscribe", "--fhir-server", jpa.base(), "--endpoint", endpoint, "--payload", "empty");

            assertEquals(0, full.exit(), full.err());
            assertEquals(0, empty.exit(), empty.err());
            assertTrue(empty.out().startsWith("updated Subscription/"), empty.out());
            assertTrue(empty.out().contains("payload none, no token"), empty.out());
            assertTrue(full.err().contains("writeBack.notifyToken is not set"), full.err());
            assertEquals(1, subscriptions(client, endpoint).size());
        } finally {
            for (Subscription subscription : subscriptions(client, endpoint)) {
                client.delete().resource(subscription).execute();
            }
        }
    }

    @Test
    void subscribe_toAServerThatIsDown_saysSo() {
        CliRun run = CliRun.of("subscribe", "--fhir-server", "http://127.0.0.1:9/fhir", "--endpoint",
                "http://127.0.0.1:8080/fhir-notify");

        assertEquals(SubscribeCommand.SERVER_FAILED, run.exit());
        assertEquals("error [PVP-N301] the FHIR server http://127.0.0.1:9/fhir cannot be reached: check"
                + " fhirServer.url and the network", run.err().lines().filter(l -> l.startsWith("error"))
                .findFirst().orElse(run.err()));
    }

    @Test
    void subscribe_toTheAddressTheServiceListensOn_isRefused_asNoServerCanCallIt() {
        // the service's settings with host 0.0.0.0 and no publicUrl give http://0.0.0.0:8080/fhir-notify
        CliRun run = CliRun.of("subscribe", "--fhir-server", "http://127.0.0.1:9/fhir", "--endpoint",
                "http://0.0.0.0:8080/fhir-notify");

        assertEquals(Cli.BAD_INPUT, run.exit());
        assertEquals("error [PVP-C112] http://0.0.0.0:8080/fhir-notify: 0.0.0.0 is where the service listens (every"
                + " address of its machine), not an address a FHIR server can call: set publicUrl to the URL the FHIR"
                + " server reaches the service at, or give --endpoint URL of /fhir-notify; nothing was changed\n",
                run.err().replace("\r\n", "\n"));
        CliRun v6 = CliRun.of("subscribe", "--fhir-server", "http://127.0.0.1:9/fhir", "--endpoint",
                "http://[::0]:8080/fhir-notify");
        assertTrue(v6.err().startsWith("error [PVP-C112] http://[::0]:8080/fhir-notify: [::0] is where the service"
                + " listens"), v6.err());
    }

    @Test
    void anEndpointOnThisMachineOnly_isWarnedOf_whenTheServerIsNotHereToo() {
        // a server that is not on loopback (0.0.0.0 is this machine's every address; refused at once here)
        CliRun remote = CliRun.of("subscribe", "--fhir-server", "http://0.0.0.0:9/fhir", "--endpoint",
                "http://localhost:8080/fhir-notify");
        CliRun local = CliRun.of("subscribe", "--fhir-server", "http://127.0.0.1:9/fhir", "--endpoint",
                "http://[::1]:8080/fhir-notify");

        assertTrue(remote.err().startsWith("warning: http://localhost:8080/fhir-notify is on this machine only (localhost):"
                + " the FHIR server at http://0.0.0.0:9/fhir can call it only if it runs here too; if not, set publicUrl to"
                + " the URL it reaches the service at"), remote.err());
        assertTrue(local.err().lines().noneMatch(l -> l.contains("on this machine only")), local.err());
    }

    @Test
    void subscribe_withoutAServer_saysWhatToGive() {
        CliRun run = CliRun.of("subscribe");

        assertEquals(Cli.BAD_INPUT, run.exit());
        assertTrue(run.err().startsWith("error [PVP-C110] no FHIR server"), run.err());
    }

    @Test
    void subscribe_forSettingsWithoutWriteBack_isRefused_asNoServiceWouldListen() {
        CliRun run = CliRun.of("subscribe", "--fhir-server", "http://127.0.0.1:9/fhir");

        assertEquals(Cli.BAD_INPUT, run.exit());
        assertTrue(run.err().startsWith("error [PVP-C115] the bundled settings: writeBack.enabled is not true, so a"
                + " service run with these settings answers 404 at /fhir-notify"), run.err());
    }

    private static List<Subscription> subscriptions(IGenericClient client, String endpoint) {
        return client.search().forResource(Subscription.class).where(new UriClientParam("url").matches().value(endpoint))
                .returnBundle(Bundle.class).execute().getEntry().stream().map(e -> (Subscription) e.getResource())
                .filter(s -> s.getStatus() != Subscription.SubscriptionStatus.OFF).toList();
    }
}
