package org.refracturecds.testservers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Resource;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;

/**
 * A real HAPI FHIR JPA server (8.8.0, R4, H2 in memory, rest-hook subscriptions), started once for the
 * whole test run as a separate JVM and stopped when the test JVM exits. Its project is
 * test-servers/hapi-jpa (its Spring and Hibernate stay off this class path); the test run builds it
 * (pom.xml, antrun {@code hapi-jpa-server}). Tests share its data: each uses patients of its own.
 */
public final class HapiJpaServer {

    private static final Path PROJECT = Path.of("test-servers/hapi-jpa");
    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);
    private static HapiJpaServer shared;

    private final Process process;
    private final int port;
    private final Duration startTime;
    private boolean profilesLoaded;

    private HapiJpaServer(Process process, int port, Duration startTime) {
        this.process = process;
        this.port = port;
        this.startTime = startTime;
    }

    /** The test run's server, started on first use (about 20-50 s on 2 cores). */
    public static synchronized HapiJpaServer shared() {
        if (shared == null) {
            shared = start();
        }
        return shared;
    }

    /** The FHIR base URL, e.g. http://127.0.0.1:41234/fhir. */
    public String base() {
        return "http://127.0.0.1:" + port + "/fhir";
    }

    public int port() {
        return port;
    }

    /** How long the server took to answer its first request. */
    public Duration startTime() {
        return startTime;
    }

    /** A HAPI client of the server, without the CapabilityStatement check. */
    public IGenericClient client() {
        FhirContext fhir = FhirContext.forR4Cached();
        fhir.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        fhir.getRestfulClientFactory().setSocketTimeout(60_000);
        return fhir.newRestfulGenericClient(base());
    }

    /**
     * Puts the module's conformance resources (fhir-profiles/: StructureDefinitions, CodeSystems,
     * ValueSets) on the server, by id, once per run, so that its {@code $validate} knows them.
     */
    public synchronized void loadProfiles() {
        if (profilesLoaded) {
            return;
        }
        FhirContext fhir = FhirContext.forR4Cached();
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        try (Stream<Path> files = Files.list(Path.of("fhir-profiles"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json") && !f.endsWith("package.json")).sorted().toList()) {
                Resource resource = (Resource) fhir.newJsonParser().parseResource(Files.readString(file));
                String url = resource.fhirType() + "/" + resource.getIdElement().getIdPart();
                transaction.addEntry().setResource(resource).setFullUrl(url).getRequest()
                        .setMethod(Bundle.HTTPVerb.PUT).setUrl(url);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        client().transaction().withBundle(transaction).execute();
        profilesLoaded = true;
    }

    /**
     * The server's {@code $validate} of {@code resource} against {@code profile} (put in its meta.profile, which
     * the server's validator follows): its OperationOutcome, errors included.
     */
    public OperationOutcome validate(Resource resource, String profile) {
        Resource copy = resource.copy();
        if (!copy.getMeta().hasProfile(profile)) {
            copy.getMeta().addProfile(profile);
        }
        Parameters in = new Parameters();
        in.addParameter().setName("resource").setResource(copy);
        try {
            return client().operation().onType(resource.fhirType()).named("$validate").withParameters(in)
                    .returnResourceType(OperationOutcome.class).execute();
        } catch (BaseServerResponseException e) {
            if (e.getOperationOutcome() instanceof OperationOutcome outcome) {
                return outcome;
            }
            throw e;
        }
    }

    private static HapiJpaServer start() {
        Path target = PROJECT.resolve("target").toAbsolutePath();
        Path jar = target.resolve("hapi-jpa-test-server.jar");
        Path classpath = target.resolve("classpath.txt");
        if (!Files.exists(jar) || !Files.exists(classpath)) {
            throw new IllegalStateException("the HAPI FHIR JPA test server is not built (" + jar + "): run the tests with"
                    + " `mvn -B test`, which builds test-servers/hapi-jpa first");
        }
        try {
            Path portFile = Files.createTempFile("hapi-jpa", ".port");
            Files.delete(portFile);
            Path log = target.resolve("hapi-jpa-server.log");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    // C1 only: the server starts in half the time, and the tests do not load it much.
                    "-XX:TieredStopAtLevel=1", "-Xmx1g", "-XX:+UseSerialGC",
                    "-cp", jar + java.io.File.pathSeparator + Files.readString(classpath).strip(),
                    "org.refracturecds.testserver.JpaTestServer", portFile.toString()));
            long started = System.nanoTime();
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                process.destroy();
            }, "hapi-jpa-server-stop"));
            long deadline = started + START_TIMEOUT.toNanos();
            while (!Files.exists(portFile)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the HAPI FHIR JPA test server stopped at start-up (exit "
                            + process.exitValue() + "); its log: " + log + "\n" + tail(log));
                }
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("the HAPI FHIR JPA test server did not start in " + START_TIMEOUT
                            + "; its log: " + log + "\n" + tail(log));
                }
                Thread.sleep(200);
            }
            int port = Integer.parseInt(Files.readString(portFile).strip());
            Files.delete(portFile);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            System.out.println("HAPI FHIR JPA test server up at http://127.0.0.1:" + port + "/fhir in "
                    + took.toMillis() / 1000.0 + " s");
            return new HapiJpaServer(process, port, took);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the HAPI FHIR JPA test server started", e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(the log cannot be read: " + e.getMessage() + ")";
        }
    }
}
