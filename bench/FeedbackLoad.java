import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Posts one feedback item per request to URL from CONNECTIONS threads for SECONDS seconds, each
 * thread waiting for its answer before the next request; prints requests/s, median and p99 latency,
 * and the answers that were not 200. Run as a source file: java bench/FeedbackLoad.java URL 4 20
 */
public class FeedbackLoad {

    public static void main(String[] args) throws Exception {
        URI url = URI.create(args[0]);
        int connections = Integer.parseInt(args[1]);
        long seconds = Long.parseLong(args[2]);
        HttpClient http = HttpClient.newHttpClient();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger failed = new AtomicInteger();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Thread thread = new Thread(() -> {
                while (System.nanoTime() < end) {
                    String body = "{\"feedback\":[{\"card\":\"" + UUID.randomUUID() + "\",\"outcome\":\"accepted\","
                            + "\"outcomeTimestamp\":\"2026-01-15T09:30:00Z\"}]}";
                    long sent = System.nanoTime();
                    try {
                        int status = http.send(HttpRequest.newBuilder(url).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode();
                        latencies.add(System.nanoTime() - sent);
                        if (status != 200) {
                            failed.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        System.out.printf("%d requests in %.1f s: %.0f requests/s, median %.2f ms, p99 %.2f ms, not 200: %d%n",
                sorted.size(), elapsed, sorted.size() / elapsed, sorted.get(sorted.size() / 2) / 1e6,
                sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1) / 1e6, failed.get());
    }
}
