package org.refracturecds.workbench;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.refracturecds.store.Database;
import org.refracturecds.store.TestDatabase;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The workbench's preview and publishing, over HTTP (issue 15, docs/PERFORMANCE.md), on two nodes
 * on one PostgreSQL with the bundled settings' poll interval (5 s). Each call is timed on its own:
 * <ul>
 * <li>{@code approveUntilEveryNodeServesIt}: a draft of the live rules with one cell changed (the
 * High band's meaning, so every scenario still passes) is made and submitted before the timing
 * starts; timed, the approver's approval on node A (the draft checked again, published, A swapped)
 * until node B's {@code /rules/status} serves the same rules (asked every 5 ms).</li>
 * <li>{@code previewAWhatIfPatient}: the card and page of a what-if patient on a draft, with the
 * rows that fired, as the page asks for it.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 20)
@Fork(1)
public class WorkbenchBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** bands.drl.csv: the High band's row and its meaning column (1-based), as WorkbenchDraftsTest has them. */
    private static final int HIGH_ROW = 15;
    private static final int MEANING = 5;

    private Path dir;
    private WorkbenchService a;
    private WorkbenchService b;
    private WorkbenchClient author;
    private String authorCsrf;
    private WorkbenchClient approver;
    private String approverCsrf;
    private int edits;
    private long previewed;

    @Setup(Level.Trial)
    public void start() throws Exception {
        dir = Files.createTempDirectory("workbench-benchmark");
        Database.Settings database = TestDatabase.POSTGRESQL.fresh(dir);
        Map<String, Object> settings = Map.of("database", database.url(), "databaseUser", database.user(),
                "rulesPollSeconds", 5);
        a = new WorkbenchService(dir.resolve("a"), settings);
        b = new WorkbenchService(dir.resolve("b"), settings);
        author = new WorkbenchClient();
        authorCsrf = WorkbenchClient.hidden(author.signInLocally(a.base, "ann", WorkbenchService.PASSWORD).body(), "csrf");
        approver = new WorkbenchClient();
        approverCsrf = WorkbenchClient.hidden(approver.signInLocally(a.base, "abe", WorkbenchService.PASSWORD).body(),
                "csrf");
        previewed = newDraft("previews");
    }

    /** A draft of the live rules, made and submitted before an approval is timed. */
    @State(Scope.Thread)
    public static class Submitted {
        long draft;

        @Setup(Level.Invocation)
        public void submit(WorkbenchBenchmark nodes) throws Exception {
            draft = nodes.submitADraft();
        }
    }

    private long newDraft(String note) throws Exception {
        HttpResponse<String> made = author.postForm(a.base + "/workbench/drafts", Map.of("note", note, "csrf",
                authorCsrf));
        String location = expect(303, made).headers().firstValue("Location").orElseThrow();
        return Long.parseLong(location.substring(location.lastIndexOf('/') + 1));
    }

    /** A new draft of the live rules with the High band's meaning changed, checked and submitted; its id. */
    long submitADraft() throws Exception {
        long draft = newDraft("benchmark " + edits);
        JsonNode data = JSON.readTree(expect(200, author.get(a.base + "/workbench/api/drafts/" + draft)).body());
        ArrayNode rows = null;
        for (JsonNode file : data.path("files")) {
            if (file.path("path").asText().equals("bands.drl.csv")) {
                rows = (ArrayNode) file.path("rows").deepCopy();
            }
        }
        ((ArrayNode) rows.get(HIGH_ROW - 1)).set(MEANING - 1, JSON.getNodeFactory().textNode(
                "predicted risk of 20 percent or more (" + ++edits + ")"));
        ObjectNode body = JSON.createObjectNode().put("path", "bands.drl.csv");
        body.set("rows", rows);
        expect(200, author.postJson(a.base + "/workbench/api/drafts/" + draft + "/files", body.toString(), authorCsrf));
        expect(200, author.get(a.base + "/workbench/api/drafts/" + draft + "/check"));
        expect(303, author.postForm(a.base + "/workbench/drafts/" + draft + "/submit", Map.of("csrf", authorCsrf)));
        return draft;
    }

    @Benchmark
    public String approveUntilEveryNodeServesIt(Submitted submitted) throws Exception {
        expect(303, approver.postForm(a.base + "/workbench/drafts/" + submitted.draft + "/approve",
                Map.of("csrf", approverCsrf)));
        String published = status(a).path("sha256").asText();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!status(b).path("sha256").asText().equals(published)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("node B did not serve the publication within 60 s: " + status(b));
            }
            Thread.sleep(5);
        }
        return published;
    }

    /** The what-if patient of WorkbenchDraftsTest's preview: T12 after PVP, every finding present, RR 12%. */
    @Benchmark
    public String previewAWhatIfPatient() throws Exception {
        return expect(200, author.postJson(a.base + "/workbench/api/drafts/" + previewed + "/preview",
                "{\"level\":\"T12\",\"phase\":\"post-operative\",\"IVC\":\"present\",\"EPD\":\"present\","
                        + "\"NPEC\":\"upper-and-lower\",\"RR\":\"12\"}", authorCsrf)).body();
    }

    private JsonNode status(WorkbenchService node) throws Exception {
        return JSON.readTree(expect(200, approver.get(node.base + "/rules/status")).body());
    }

    private static HttpResponse<String> expect(int status, HttpResponse<String> response) {
        if (response.statusCode() != status) {
            throw new IllegalStateException("expected " + status + ", got " + response.statusCode() + ": "
                    + response.body());
        }
        return response;
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        a.close();
        b.close();
    }
}
