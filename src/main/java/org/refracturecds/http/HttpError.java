package org.refracturecds.http;

import java.util.List;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.refracturecds.fhirin.Codes;

/**
 * A request the service cannot answer: status, a stable code, where in the request, and what to
 * do. Every error leaves the service as one shape, a FHIR OperationOutcome, never a stack trace.
 */
public final class HttpError extends RuntimeException {

    public static final String MESSAGES = Codes.BASE + "/CodeSystem/messages";

    private final int status;
    private final String code;
    private final String where;
    /** The other problems found in the same request, each its own issue; empty for most. */
    private final List<HttpError> others;

    public HttpError(int status, String code, String where, String message) {
        this(status, code, where, message, List.of());
    }

    private HttpError(int status, String code, String where, String message, List<HttpError> others) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.where = where;
        this.others = others;
    }

    /**
     * Every problem found in one request, so that the sender mends them at once rather than one a
     * try: the first's status, code and words, and each problem its own issue of the OperationOutcome.
     */
    public static HttpError all(List<HttpError> problems) {
        HttpError first = problems.get(0);
        return new HttpError(first.status, first.code, first.where, first.getMessage(),
                List.copyOf(problems.subList(1, problems.size())));
    }

    public int status() { return status; }
    public String code() { return code; }
    public String where() { return where; }

    /** Text from the request shown in a message: at most {@code characters} characters (not UTF-16 units), then "...". */
    public static String cut(String text, int characters) {
        return text.codePointCount(0, text.length()) <= characters ? text
                : text.substring(0, text.offsetByCodePoints(0, characters)) + "...";
    }

    /** "[PVP-H101] hookInstance: message", and the other problems after it, each so, after "; ". */
    public String render() {
        return "[" + code + "] " + (where == null ? "" : where + ": ") + getMessage()
                + others.stream().map(other -> "; " + other.render()).collect(Collectors.joining());
    }

    public ObjectNode toOperationOutcome(ObjectMapper json) {
        ObjectNode outcome = json.createObjectNode().put("resourceType", "OperationOutcome");
        ArrayNode issues = outcome.putArray("issue");
        issue(issues, this, "[" + code + "] " + (where == null ? "" : where + ": ") + getMessage());
        others.forEach(other -> issue(issues, other, other.render()));
        return outcome;
    }

    private void issue(ArrayNode issues, HttpError problem, String text) {
        ObjectNode issue = issues.addObject()
                .put("severity", status >= 500 ? "fatal" : "error")
                .put("code", issueType());
        ObjectNode details = issue.putObject("details");
        details.putArray("coding").addObject().put("system", MESSAGES).put("code", problem.code);
        details.put("text", text);
        if (problem.where != null) {
            issue.putArray("expression").add(problem.where);
        }
    }

    private String issueType() {
        return switch (status) {
            case 401 -> "login";
            case 403 -> "forbidden";
            case 404 -> "not-found";
            case 405 -> "not-supported";
            case 408 -> "timeout";
            case 412 -> "incomplete";
            case 413, 414, 431 -> "too-long";
            case 415 -> "not-supported";
            default -> status >= 500 ? "exception" : "invalid";
        };
    }
}
