package org.refracturecds.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.concurrent.Callable;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;
import org.refracturecds.fhirin.Codes;
import org.refracturecds.fhirin.ServerCredentials;
import org.refracturecds.http.HttpError;
import org.refracturecds.http.ServiceConfig;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.exceptions.FhirClientConnectionException;
import ca.uhn.fhir.rest.gclient.UriClientParam;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Creates the R4 rest-hook Subscription that makes the FHIR server notify the service when a finding is
 * saved, and says what it created; run again, it finds it and changes nothing (or brings its criteria,
 * payload or token up to date).
 */
@Command(name = "subscribe", mixinStandardHelpOptions = true,
        description = {"Creates on the FHIR server the Subscription that notifies the service when a finding is"
                + " saved: rest-hook, criteria Observation?code= the findings' codes, to the service's"
                + " /fhir-notify, with the token of writeBack.notifyToken. Idempotent: run again, it finds its"
                + " Subscription and says so.",
                "Exit 0 when the Subscription is there, 2 on wrong settings, 4 when the server cannot be"
                + " reached or refuses."})
final class SubscribeCommand implements Callable<Integer> {

    static final int SERVER_FAILED = 4;
    private static final String REASON = "pvp-refracture-cds write-back: recompute the refracture risk when a finding is saved";

    @Option(names = "--config", paramLabel = "FILE", description = "The service's settings: fhirServer (url and"
            + " the module's credentials), writeBack.notifyToken and publicUrl are read from them.")
    Path config;

    @Option(names = "--fhir-server", paramLabel = "URL", description = "The FHIR server (default: fhirServer.url).")
    String fhirServer;

    @Option(names = "--endpoint", paramLabel = "URL", description = "Where the server sends notifications (default:"
            + " publicUrl/fhir-notify).")
    String endpoint;

    @Option(names = "--payload", paramLabel = "KIND", defaultValue = "full", description = "full (the finding is sent,"
            + " the default) or empty (nothing is sent: the service looks for the findings saved lately).")
    String payload;

    @Spec
    CommandSpec spec;

    private final Clock clock;

    SubscribeCommand(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ServiceConfig settings;
        try {
            Map<String, Object> overrides = new HashMap<>();
            if (fhirServer != null) {
                overrides.put("fhirServer", Map.of("url", fhirServer));
            }
            // subscribe calls the FHIR server, and gives the Subscription the notification token: serve's other
            // secrets (the database's, the keys) are not read.
            settings = ServiceConfig.load(config, overrides, System.getenv(), Set.of("fhirServer.auth.token",
                    "writeBack.notifyToken"));
        } catch (ServiceConfig.ConfigException e) {
            err.println("error " + e.getMessage());
            return Cli.BAD_INPUT;
        }
        if (settings.fhirServer().url() == null) {
            err.println("error [PVP-C110] no FHIR server: give --fhir-server URL, or fhirServer.url in --config FILE");
            return Cli.BAD_INPUT;
        }
        if (!List.of("full", "empty").contains(payload)) {
            err.println("error [PVP-C111] --payload " + payload + ": give full or empty");
            return Cli.BAD_INPUT;
        }
        if (endpoint == null && !settings.writeBack().enabled()) {
            err.println("error [PVP-C115] " + (config == null ? "the bundled settings" : config) + ": writeBack.enabled"
                    + " is not true, so a service run with these settings answers 404 at /fhir-notify and the Subscription"
                    + " would notify no one: set writeBack.enabled: true (README, Write-back), or give --endpoint URL of"
                    + " a service that has it on; nothing was changed");
            return Cli.BAD_INPUT;
        }
        String notifyAt = endpoint != null ? endpoint : settings.publicUrl() + "/fhir-notify";
        if (!notifyAt.matches("https?://[^\\s?#]+")) {
            err.println("error [PVP-C112] --endpoint " + notifyAt + ": give the service's http(s) URL of /fhir-notify");
            return Cli.BAD_INPUT;
        }
        String host = hostOf(notifyAt);
        if (host != null && address(host).map(InetAddress::isAnyLocalAddress).orElse(false)) {
            err.println("error [PVP-C112] " + notifyAt + ": " + host + " is where the service listens (every address of"
                    + " its machine), not an address a FHIR server can call: set publicUrl to the URL the FHIR server"
                    + " reaches the service at, or give --endpoint URL of /fhir-notify; nothing was changed");
            return Cli.BAD_INPUT;
        }
        if (host != null && loopback(host) && !loopback(String.valueOf(hostOf(settings.fhirServer().url())))) {
            err.println("warning: " + notifyAt + " is on this machine only (" + host + "): the FHIR server at "
                    + settings.fhirServer().url() + " can call it only if it runs here too; if not, set publicUrl to"
                    + " the URL it reaches the service at");
        }
        if (settings.writeBack().notifyToken() == null) {
            err.println("warning: writeBack.notifyToken is not set: the Subscription carries no token, and a service"
                    + " run with these settings accepts notifications from anyone (a local demo only)");
        }
        Subscription wanted = wanted(notifyAt, settings.writeBack().notifyToken(), "full".equals(payload));
        String server = settings.fhirServer().url();
        try {
            IGenericClient client = client(server, ServerCredentials.of(settings.fhirServer().auth(), clock));
            Optional<Subscription> existing = existing(client, notifyAt);
            String what;
            Subscription result;
            if (existing.isPresent() && same(existing.get(), wanted)) {
                what = "exists";
                result = existing.get();
            } else if (existing.isPresent() && !existing.get().getChannel().getHeader().isEmpty()
                    && wanted.getChannel().getHeader().isEmpty()) {
                err.println("error [PVP-C114] Subscription/" + existing.get().getIdElement().getIdPart() + " on " + server
                        + " sends the service a token, and these settings give none (writeBack.notifyTokenEnv): updating"
                        + " it would take the token away, and a service that expects it would refuse every notification."
                        + " Run subscribe with the settings the service runs with; nothing was changed");
                return Cli.BAD_INPUT;
            } else if (existing.isPresent()) {
                wanted.setId(existing.get().getIdElement().toUnqualifiedVersionless());
                client.update().resource(wanted).execute();
                what = "updated";
                result = read(client, wanted.getIdElement().getIdPart());
            } else {
                what = "created";
                result = read(client, client.create().resource(wanted).execute().getId().getIdPart());
            }
            out.println(what + " Subscription/" + result.getIdElement().getIdPart() + " on " + server
                    + " (status " + result.getStatus().toCode() + ")");
            out.println("  criteria: " + result.getCriteria());
            out.println("  channel:  rest-hook to " + result.getChannel().getEndpoint() + ", payload "
                    + (result.getChannel().hasPayload() ? result.getChannel().getPayload() : "none")
                    + (result.getChannel().getHeader().isEmpty() ? ", no token" : ", with the token"));
            return 0;
        } catch (FhirClientConnectionException e) {
            err.println("error [PVP-N301] the FHIR server " + server + " cannot be reached: check fhirServer.url"
                    + " and the network");
            return SERVER_FAILED;
        } catch (IOException e) {
            err.println("error [PVP-C113] fhirServer.auth: the module's key cannot be read: " + e.getMessage());
            return Cli.BAD_INPUT;
        } catch (HttpError e) {
            // The authorization server gave no token (SMART Backend Services).
            err.println("error " + e.render());
            return SERVER_FAILED;
        } catch (BaseServerResponseException e) {
            err.println("error [PVP-N302] the FHIR server " + server + " answered " + e.getStatusCode()
                    + " to the Subscription: " + String.valueOf(e.getMessage()).split("\n")[0]);
            return SERVER_FAILED;
        }
    }

    /**
     * The Subscription this command makes: a rest-hook on every finding the model reads (Codes, CodeSystem
     * pvp-findings), to the service, with the finding as payload or none, and the token in a header.
     */
    static Subscription wanted(String notifyAt, String token, boolean full) {
        Subscription subscription = new Subscription();
        subscription.setStatus(Subscription.SubscriptionStatus.REQUESTED);
        subscription.setReason(REASON);
        subscription.setCriteria("Observation?code=" + String.join(",", Codes.findingTokens()));
        Subscription.SubscriptionChannelComponent channel = subscription.getChannel()
                .setType(Subscription.SubscriptionChannelType.RESTHOOK).setEndpoint(notifyAt);
        if (full) {
            channel.setPayload("application/fhir+json");
        }
        if (token != null) {
            channel.addHeader("Authorization: Bearer " + token);
        }
        return subscription;
    }

    private static IGenericClient client(String server, ServerCredentials credentials) {
        FhirContext fhir = FhirContext.forR4Cached();
        fhir.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        IGenericClient client = fhir.newRestfulGenericClient(server);
        client.registerInterceptor(credentials.interceptor());
        return client;
    }

    private static Optional<Subscription> existing(IGenericClient client, String notifyAt) {
        Bundle found = client.search().forResource(Subscription.class).where(new UriClientParam("url").matches()
                .value(notifyAt)).returnBundle(Bundle.class).execute();
        return found.getEntry().stream().map(e -> (Subscription) e.getResource())
                .filter(s -> s.getChannel().getType() == Subscription.SubscriptionChannelType.RESTHOOK
                        && notifyAt.equals(s.getChannel().getEndpoint())
                        && s.getStatus() != Subscription.SubscriptionStatus.OFF)
                .findFirst();
    }

    private static boolean same(Subscription stored, Subscription wanted) {
        return wanted.getCriteria().equals(stored.getCriteria())
                && java.util.Objects.equals(stored.getChannel().getPayload(), wanted.getChannel().getPayload())
                && headers(stored).equals(headers(wanted));
    }

    private static List<String> headers(Subscription subscription) {
        return subscription.getChannel().getHeader().stream().map(StringType::getValue).toList();
    }

    private static Subscription read(IGenericClient client, String id) {
        return client.read().resource(Subscription.class).withId(id).execute();
    }

    /** Whether a host is this machine's own, by name (localhost) or address (127.0.0.1, 127.1, [::1]). */
    private static boolean loopback(String host) {
        return host.equalsIgnoreCase("localhost") || host.equalsIgnoreCase("localhost.")
                || address(host).map(InetAddress::isLoopbackAddress).orElse(false);
    }

    /** The address a host names when it is an IP address (never looked up by name), or none. */
    private static Optional<InetAddress> address(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!bare.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(bare));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** The host of an http(s) URL, or null when it has none that can be read. */
    private static String hostOf(String url) {
        try {
            return URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
