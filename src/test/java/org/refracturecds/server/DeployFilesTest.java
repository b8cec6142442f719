package org.refracturecds.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.http.ServiceConfig;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * What can be checked of the container files without a container runtime (docs/DEPLOY.md): the
 * Dockerfile, the Jib profile, deploy/compose.yaml and deploy/kubernetes.yaml run the service on
 * its port, probe the health paths it serves, and hand it settings it accepts.
 */
class DeployFilesTest {

    static final String READY = "/health/ready";
    static final String LIVE = "/health/live";
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TempDir
    Path dir;

    static Map<String, List<String>> dockerfile;
    static int defaultPort;

    @BeforeAll
    static void read() throws Exception {
        dockerfile = instructions(Path.of("Dockerfile"));
        defaultPort = ServiceConfig.defaults().port();
    }

    @Test
    void dockerfile_exposesTheDefaultPortAndChecksReadinessThere() throws Exception {
        assertEquals(List.of(String.valueOf(defaultPort)), dockerfile.get("EXPOSE"));
        String check = dockerfile.get("HEALTHCHECK").get(0);

        assertTrue(check.contains("\"http://127.0.0.1:" + defaultPort + READY + "\""), check);
        assertTrue(check.contains("\"curl\", \"-fsS\""), "a failed check must fail the command: " + check);
    }

    @Test
    void dockerfile_runsTheShadedJarThroughTheLauncherAsANumberedUserOtherThanRoot() throws Exception {
        assertTrue(user().matches("[0-9]+:[0-9]+"), "Kubernetes' runAsNonRoot can check only a number: " + user());
        assertNotEquals("0", user().split(":")[0]);
        List<String> entrypoint = jsonList(dockerfile.get("ENTRYPOINT").get(0));
        String launcher = entrypoint.get(entrypoint.size() - 1);
        String jar = dockerfile.get("ENV").get(1).replaceAll(".*PVP_JAR=(\\S+).*", "$1");

        assertTrue(dockerfile.get("COPY").contains("bin/pvp-refracture-cds " + launcher), "the launcher of bin/ is run");
        assertTrue(dockerfile.get("COPY").contains("--from=build /build/target/pvp-refracture-cds.jar " + jar),
                "the jar the build stage makes (pom.xml's finalName) is the one the launcher runs");
        assertTrue(dockerfile.get("RUN").stream().anyMatch(run -> run.endsWith("mvn -B -DskipTests package")));
        assertTrue(dockerfile.get("RUN").stream().anyMatch(run -> run.startsWith(launcher + " serve ")),
                "a start at build time leaves the class data sharing archive and the compiled rules in the image");
    }

    @Test
    void jibProfile_buildsTheImageTheDockerfileBuilds() throws Exception {
        Element pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile())
                .getDocumentElement();
        Element jib = jibPlugin(pom);
        List<String> entrypoint = Arrays.asList(text(jib, "entrypoint").split(","));
        List<String> dockerEntrypoint = jsonList(dockerfile.get("ENTRYPOINT").get(0));

        assertEquals(arg("JRE_IMAGE"), text(jib, "from"));
        assertEquals(user(), text(jib, "user"));
        assertEquals(dockerfile.get("EXPOSE").get(0), text(jib, "port"));
        assertEquals(dockerfile.get("WORKDIR").get(1), text(jib, "workingDirectory"));
        assertEquals(dockerfile.get("ENV").get(0), "JDK_JAVA_OPTIONS=\"" + text(jib, "JDK_JAVA_OPTIONS") + "\"");
        // Jib cannot start the service at build time to make the archive, so it runs java itself.
        assertEquals(dockerEntrypoint.get(0), entrypoint.get(0));
        assertEquals("java", entrypoint.get(1));
        assertEquals(text(pom, "mainClass"), entrypoint.get(entrypoint.size() - 1), "the shaded jar's main class");
        assertEquals(jsonList(dockerfile.get("CMD").get(0)), Arrays.asList(text(jib, "args").split(",")));
    }

    @Test
    void compose_runsTwoReplicasOnItsPostgresWithSettingsTheServiceAccepts() throws Exception {
        JsonNode services = YAML.readTree(Path.of("deploy/compose.yaml").toFile()).get("services");
        JsonNode pvp = services.get("pvp");
        JsonNode postgres = services.get("postgres").get("environment");
        Map<String, String> environment = interpolated(pvp.get("environment"));
        Path settingsFile = mounted(pvp, "/etc/pvp-refracture-cds/settings.yaml");

        ServiceConfig settings = ServiceConfig.load(settingsFile, Map.of(), environment);

        assertEquals(2, pvp.get("deploy").get("replicas").asInt());
        assertEquals(List.of("serve", "--config", "/etc/pvp-refracture-cds/settings.yaml"), strings(pvp.get("command")));
        assertEquals("jdbc:postgresql://postgres:5432/" + postgres.get("POSTGRES_DB").asText(), settings.database());
        assertEquals(postgres.get("POSTGRES_USER").asText(), settings.databaseUser());
        assertEquals(postgres.get("POSTGRES_PASSWORD").asText(), pvp.get("environment")
                .get(settings.databasePasswordEnv()).asText(), "the service logs in with the password postgres was given");
        assertEquals("value-of-PVP_AUDIT_KEY-from-the-environment", settings.auditKey(), "the audit key from the environment");
        assertEquals("value-of-PVP_VIEW_KEY-from-the-environment", settings.view().key(), "the link key from the environment");
        assertEquals(defaultPort, settings.port());
        assertEquals(List.of(String.valueOf(settings.port())), strings(pvp.get("expose")));
        assertTrue(settings.auth().verify());
        assertTrue(pvp.get("read_only").asBoolean());
        assertEquals(List.of("/tmp"), strings(pvp.get("tmpfs")));
        assertEquals(List.of("CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:" + settings.port() + READY),
                strings(pvp.get("healthcheck").get("test")));
        assertTrue(services.get("postgres").has("healthcheck"));
        assertEquals("service_healthy", services.get("proxy").get("depends_on").get("pvp").get("condition").asText());
        String nginx = Files.readString(mounted(services.get("proxy"), "/etc/nginx/nginx.conf"));
        assertTrue(nginx.contains("server pvp:" + settings.port() + " resolve;"), nginx);
    }

    @Test
    void kubernetes_probesThePortAndPathsTheServiceServes() throws Exception {
        JsonNode container = deployment().at("/spec/template/spec/containers/0");
        int containerPort = container.at("/ports/0/containerPort").asInt();
        String portName = container.at("/ports/0/name").asText();

        assertEquals(defaultPort, containerPort);
        assertEquals(READY, container.at("/readinessProbe/httpGet/path").asText());
        assertEquals(LIVE, container.at("/livenessProbe/httpGet/path").asText());
        assertEquals(LIVE, container.at("/startupProbe/httpGet/path").asText());
        for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
            assertEquals(portName, container.at("/" + probe + "/httpGet/port").asText(), probe);
        }
        assertEquals(portName, document("Service").at("/spec/ports/0/targetPort").asText());
    }

    @Test
    void kubernetes_runsTwoReplicasAsTheImageUserOnAReadOnlyRoot() throws Exception {
        JsonNode pod = deployment().at("/spec/template/spec");
        JsonNode container = pod.at("/containers/0");

        assertEquals(2, deployment().at("/spec/replicas").asInt());
        assertEquals(0, deployment().at("/spec/strategy/rollingUpdate/maxUnavailable").asInt());
        assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean());
        assertEquals(user(), pod.at("/securityContext/runAsUser").asText() + ":" + pod.at("/securityContext/runAsGroup").asText());
        assertTrue(container.at("/securityContext/readOnlyRootFilesystem").asBoolean());
        assertEquals("tmp", volumeAt(container, "/tmp"));
        assertTrue(pod.at("/volumes").findValues("name").stream().anyMatch(name -> name.asText().equals("tmp")));
        assertTrue(container.at("/resources/limits/memory").isTextual());
    }

    @Test
    void kubernetes_settingsFromTheConfigMapAndTheSecret_areAccepted() throws Exception {
        JsonNode container = deployment().at("/spec/template/spec/containers/0");
        List<String> args = strings(container.get("args"));
        Path config = Path.of(args.get(args.indexOf("--config") + 1));
        Map<String, String> environment = new HashMap<>();
        for (JsonNode variable : container.get("env")) {
            assertEquals("pvp-database", variable.at("/valueFrom/secretKeyRef/name").asText(), variable.toString());
            environment.put(variable.get("name").asText(), "from-the-secret: " + variable.at("/valueFrom/secretKeyRef/key").asText()
                    + " (at least 32 characters)");
        }
        String volume = volumeAt(container, config.getParent().toString());
        for (JsonNode declared : deployment().at("/spec/template/spec/volumes")) {
            if (declared.get("name").asText().equals(volume)) {
                assertEquals(document("ConfigMap").at("/metadata/name"), declared.at("/configMap/name"));
            }
        }
        Path settingsFile = dir.resolve("settings.yaml");
        Files.writeString(settingsFile, document("ConfigMap").at("/data/" + config.getFileName()).asText());

        ServiceConfig settings = ServiceConfig.load(settingsFile, Map.of(), environment);

        assertEquals("from-the-secret: password (at least 32 characters)", settings.databasePassword());
        assertEquals("PVP_AUDIT_KEY", settings.auditKeyEnv());
        assertEquals("from-the-secret: view-key (at least 32 characters)", settings.view().key());
        assertTrue(settings.database().startsWith("jdbc:postgresql:"), settings.database());
        assertEquals(defaultPort, settings.port());
        assertTrue(settings.auth().verify());
        assertEquals(jsonList(dockerfile.get("CMD").get(0)), args, "the image's own command, written out");
    }

    // --- the files, read

    /** The Dockerfile's instructions by keyword, continuation lines joined, comments left out. */
    static Map<String, List<String>> instructions(Path file) throws Exception {
        Map<String, List<String>> found = new HashMap<>();
        String joined = Files.readString(file).replaceAll("(?m)^\\s*#.*\\n", "").replaceAll("\\\\\\n\\s*", " ");
        for (String line : joined.split("\n")) {
            Matcher instruction = Pattern.compile("^([A-Z]+)\\s+(.*)$").matcher(line.strip());
            if (instruction.matches()) {
                found.computeIfAbsent(instruction.group(1), k -> new ArrayList<>()).add(instruction.group(2).strip());
            }
        }
        return found;
    }

    static String user() {
        return dockerfile.get("USER").get(0);
    }

    static String arg(String name) {
        return dockerfile.get("ARG").stream().filter(arg -> arg.startsWith(name + "=")).findFirst().orElseThrow()
                .substring(name.length() + 1);
    }

    static List<String> jsonList(String json) throws Exception {
        return strings(new ObjectMapper().readTree(json));
    }

    static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    /** A compose service's environment with {@code ${NAME...}} replaced, as compose would, by a value for NAME. */
    static Map<String, String> interpolated(JsonNode environment) {
        Map<String, String> values = new HashMap<>();
        environment.fields().forEachRemaining(variable -> values.put(variable.getKey(),
                variable.getValue().asText().replaceAll("\\$\\{([A-Z_]+)[^}]*}", "value-of-$1-from-the-environment")));
        return values;
    }

    /** The file of deploy/ that a compose service mounts at {@code target}. */
    static Path mounted(JsonNode service, String target) {
        for (JsonNode volume : service.get("volumes")) {
            String[] parts = volume.asText().split(":");
            if (parts[1].equals(target)) {
                return Path.of("deploy").resolve(parts[0]);
            }
        }
        throw new AssertionError("nothing is mounted at " + target + " in " + service);
    }

    static List<JsonNode> kubernetes() throws Exception {
        return YAML.readerFor(JsonNode.class).<JsonNode>readValues(Path.of("deploy/kubernetes.yaml").toFile()).readAll();
    }

    static JsonNode document(String kind) throws Exception {
        return kubernetes().stream().filter(document -> kind.equals(document.path("kind").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("deploy/kubernetes.yaml has no " + kind));
    }

    static JsonNode deployment() throws Exception {
        return document("Deployment");
    }

    static String volumeAt(JsonNode container, String mountPath) {
        for (JsonNode mount : container.get("volumeMounts")) {
            if (mount.get("mountPath").asText().equals(mountPath)) {
                return mount.get("name").asText();
            }
        }
        throw new AssertionError("nothing is mounted at " + mountPath);
    }

    static Element jibPlugin(Element pom) {
        NodeList plugins = pom.getElementsByTagName("plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element plugin = (Element) plugins.item(i);
            if (text(plugin, "artifactId").equals("jib-maven-plugin")) {
                return plugin;
            }
        }
        throw new AssertionError("pom.xml has no jib-maven-plugin");
    }

    /** The trimmed text of the first element named {@code tag} under {@code parent}. */
    static String text(Element parent, String tag) {
        Node node = parent.getElementsByTagName(tag).item(0);
        if (node == null) {
            throw new AssertionError("no <" + tag + "> under <" + parent.getTagName() + ">");
        }
        return node.getTextContent().strip();
    }
}
