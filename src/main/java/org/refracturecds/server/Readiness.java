package org.refracturecds.server;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import org.refracturecds.http.HttpError;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Whether this node should be sent requests (GET /health/ready): named checks, each passing or
 * saying why not; the node is ready when every check passes. The host adds its own checks; a part
 * with a condition of its own adds a check with {@link #add}. A check is asked on every probe, so
 * it answers quickly (a bound on anything it waits for) and names no patient data.
 */
public final class Readiness {

    /** The code of a failing check in the readiness answer. */
    public static final String NOT_READY = "PVP-H510";

    /** One check's answer: whether it passes, and in words what was found (why not, when it fails). */
    public record Check(boolean passes, String detail) {

        public static Check pass(String detail) {
            return new Check(true, detail);
        }

        public static Check fail(String why) {
            return new Check(false, why);
        }
    }

    /** Every check's answer, in the order they were added. */
    public record Report(Map<String, Check> checks) {

        public boolean ready() {
            return checks.values().stream().allMatch(Check::passes);
        }

        /**
         * The answer as an OperationOutcome, as every answer of the service: one issue per check,
         * {@code information} when it passes, {@code error} with code {@value #NOT_READY} when not;
         * {@code expression} names the check.
         */
        public ObjectNode toOperationOutcome(ObjectMapper json) {
            ObjectNode outcome = json.createObjectNode().put("resourceType", "OperationOutcome");
            ArrayNode issues = outcome.putArray("issue");
            checks.forEach((name, check) -> {
                ObjectNode issue = issues.addObject();
                if (check.passes()) {
                    issue.put("severity", "information").put("code", "informational");
                    issue.putObject("details").put("text", name + ": " + check.detail());
                } else {
                    issue.put("severity", "error").put("code", "transient");
                    ObjectNode details = issue.putObject("details");
                    details.putArray("coding").addObject().put("system", HttpError.MESSAGES).put("code", NOT_READY);
                    details.put("text", "[" + NOT_READY + "] " + name + ": " + check.detail());
                }
                issue.putArray("expression").add(name);
            });
            return outcome;
        }
    }

    private final Map<String, Supplier<Check>> checks = new LinkedHashMap<>();

    /**
     * Adds a check; it is asked on every readiness probe, after those added before it.
     *
     * @throws IllegalArgumentException when a check of that name is there already
     */
    public synchronized Readiness add(String name, Supplier<Check> check) {
        if (checks.putIfAbsent(name, check) != null) {
            throw new IllegalArgumentException("a readiness check named '" + name + "' is there already");
        }
        return this;
    }

    /** Asks every check; a check that throws fails with what it threw. */
    public Report check() {
        Map<String, Supplier<Check>> asked;
        synchronized (this) {
            asked = new LinkedHashMap<>(checks);
        }
        Map<String, Check> answers = new LinkedHashMap<>();
        asked.forEach((name, check) -> {
            Check answer;
            try {
                answer = check.get();
            } catch (RuntimeException e) {
                answer = Check.fail("the check failed: " + e.getMessage());
            }
            answers.put(name, answer == null ? Check.fail("the check gave no answer") : answer);
        });
        return new Report(answers);
    }

    /** The liveness answer (GET /health/live): the process answers. */
    public static ObjectNode live(ObjectMapper json) {
        ObjectNode outcome = json.createObjectNode().put("resourceType", "OperationOutcome");
        ObjectNode issue = outcome.putArray("issue").addObject().put("severity", "information").put("code", "informational");
        issue.putObject("details").put("text", "live: the process answers");
        return outcome;
    }
}
