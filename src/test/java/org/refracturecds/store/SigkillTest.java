package org.refracturecds.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Nothing acknowledged is lost on a crash: the real service, started as its own process, answers
 * 200 to each feedback item, is killed with SIGKILL right after the last answer, and every item
 * answered 200 is in the database. (Before commits were forced to disk, H2 lost up to a second of
 * acknowledged feedback this way.) {@code -Dsigkill.trials=20} runs it 20 times.
 */
class SigkillTest {

    static final int ITEMS = 50;
    static final int TRIALS = Integer.getInteger("sigkill.trials", 3);
    static final Pattern LISTENING = Pattern.compile("CDS Hooks service on http://127\\.0\\.0\\.1:(\\d+)/");

    @TempDir
    Path dir;
    final HttpClient http = HttpClient.newHttpClient();

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void everyFeedbackItemAnswered200_isStoredAfterASigkillRightAfterTheLastAnswer(TestDatabase kind) throws Exception {
        List<String> lost = new ArrayList<>();
        for (int trial = 1; trial <= TRIALS; trial++) {
            Database.Settings settings = kind.fresh(dir);
            Set<String> acknowledged = new HashSet<>();
            Process service = start(settings, dir.resolve("settings-" + trial + ".yaml"));
            try {
                String feedback = "http://127.0.0.1:" + port(service) + "/cds-services/pvp-refracture-risk/feedback";
                for (int i = 0; i < ITEMS; i++) {
                    String card = UUID.randomUUID().toString();
                    if (post(feedback, card) == 200) {
                        acknowledged.add(card);
                    }
                }
            } finally {
                service.destroyForcibly();
                service.waitFor(30, TimeUnit.SECONDS);
            }
            assertEquals(ITEMS, acknowledged.size(), "every item is answered 200");

            Set<String> stored = new HashSet<>();
            try (Database database = Database.open(settings)) {
                new FeedbackStore(database, Clock.systemUTC()).read("pvp-refracture-risk").forEach(f -> stored.add(f.card()));
            }
            acknowledged.removeAll(stored);
            if (!acknowledged.isEmpty()) {
                lost.add("trial " + trial + ": " + acknowledged.size() + " of " + ITEMS + " lost");
            }
        }
        assertEquals(List.of(), lost, "feedback answered 200 and not in the database after SIGKILL");
    }

    /** {@code serve} in a JVM of its own, on a free port, with the database of {@code settings}. */
    static Process start(Database.Settings settings, Path config) throws IOException {
        Files.writeString(config, "database: \"" + settings.url() + "\"\n"
                + (settings.user() == null ? "" : "databaseUser: \"" + settings.user() + "\"\n"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // The client compiler only and the serial collector: a quicker start, less CPU taken from the tests beside it.
        return new ProcessBuilder(java.toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"),
                "org.refracturecds.cli.Main", "serve", "--port", "0", "--config", config.toString())
                .redirectErrorStream(true)
                .start();
    }

    /** The port the service listens on, from the line it prints once it is ready; its output is read to the end. */
    static int port(Process service) throws Exception {
        CompletableFuture<Integer> port = new CompletableFuture<>();
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(service.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    Matcher listening = LISTENING.matcher(line);
                    if (listening.find()) {
                        port.complete(Integer.parseInt(listening.group(1)));
                    } else if (!port.isDone()) {
                        output.append(line).append('\n');
                    }
                }
            } catch (IOException e) {
                // the process was killed
            }
            port.completeExceptionally(new AssertionError("the service stopped before it listened:\n" + output));
        }, "service-output");
        reader.setDaemon(true);
        reader.start();
        return port.get(60, TimeUnit.SECONDS);
    }

    int post(String url, String card) throws IOException, InterruptedException {
        String body = "{\"feedback\":[{\"card\":\"" + card + "\",\"outcome\":\"accepted\","
                + "\"outcomeTimestamp\":\"2026-01-15T09:30:00Z\"}]}";
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
