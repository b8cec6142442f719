package org.refracturecds.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The example queries of docs/AUDIT.md run, as written, on each database, and find the rows they are about. */
class AuditQueriesTest {

    static final String KEY = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path dir;

    static List<String> queries() throws Exception {
        Matcher sql = Pattern.compile("```sql\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(Path.of("docs/AUDIT.md")));
        List<String> queries = new ArrayList<>();
        while (sql.find()) {
            queries.add(sql.group(1).strip().replaceAll(";$", ""));
        }
        return queries;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestDatabase.class)
    void theDocumentedQueries_runAndFindTheirRows(TestDatabase kind) throws Exception {
        try (Database database = Database.open(kind.fresh(dir))) {
            AuditTrail trail = new AuditTrail(database, Clock.systemUTC(), KEY, 400);
            String hmac = trail.patientHmac("patient-1");
            AuditTrail.Rules rules = new AuditTrail.Rules("2.0.0", "d5425f663ce2" + "0".repeat(52));
            Instant now = Instant.now();
            trail.now(new AuditTrail.Event(now, AuditTrail.HOOK_CALL, "a:8080", "https://ehr.test", "ehr-client",
                    "pvp-refracture-preop", hmac, rules, 200, null, 42L, "req-1", null));
            trail.now(new AuditTrail.Event(now, AuditTrail.HOOK_CALL, "a:8080", null, null,
                    "pvp-refracture-preop", null, rules, 401, "PVP-H201", 1L, null, null));
            trail.now(AuditTrail.Event.rules(now, AuditTrail.RULES_LOADED, "a:8080", rules, null, "started with rules"));
            new RulesVersions(database, Clock.systemUTC()).publish(rules.sha256(), "2.0.0", "user test",
                    Map.of("pipeline.drl", new byte[] {1}), List.of());
            trail.close();

            List<Integer> found = new ArrayList<>();
            for (String query : queries()) {
                String runnable = query.replace("the 64 hex digits", hmac);
                found.add(database.read(connection -> {
                    try (Statement statement = connection.createStatement();
                         ResultSet rows = statement.executeQuery(runnable)) {
                        int count = 0;
                        while (rows.next()) {
                            count++;
                        }
                        return count;
                    }
                }));
            }

            assertEquals(6, found.size(), "the queries of docs/AUDIT.md");
            assertEquals(List.of(2, 1, 1, 2, 1, 1), found, "rows found by each query");
        }
    }

    @Test
    void theDocumentedOpensslCommand_givesTheHmacTheTrailRecords() throws Exception {
        String command = Files.readString(Path.of("docs/AUDIT.md")).lines().map(String::strip)
                .filter(line -> line.startsWith("printf")).findFirst().orElseThrow().replace("PATIENT-ID", "patient-1");
        ProcessBuilder shell = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true);
        shell.environment().put("PVP_AUDIT_KEY", KEY);

        Process openssl = shell.start();
        String printed = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();

        assertEquals(0, openssl.waitFor(), printed);
        try (Database database = Database.open(TestDatabase.H2.fresh(dir))) {
            AuditTrail trail = new AuditTrail(database, Clock.systemUTC(), KEY, 400);
            assertEquals(trail.patientHmac("patient-1"), printed);
            trail.close();
        }
    }
}
