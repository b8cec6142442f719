package org.refracturecds.http;

import com.fasterxml.jackson.databind.ObjectMapper;
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

    public HttpError(int status, String code, String where, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.where = where;
    }

    public int status() { return status; }
    public String code() { return code; }
    public String where() { return where; }

    /** Text from the request shown in a message: at most {@code characters} characters (not UTF-16 units), then "...". */
    public static String cut(String text, int characters) {
        return text.codePointCount(0, text.length()) <= characters ? text
                : text.substring(0, text.offsetByCodePoints(0, characters)) + "...";
    }

    /** "[PVP-H101] hookInstance: message". */
    public String render() {
        return "[" + code + "] " + (where == null ? "" : where + ": ") + getMessage();
    }

    public ObjectNode toOperationOutcome(ObjectMapper json) {
        ObjectNode outcome = json.createObjectNode().put("resourceType", "OperationOutcome");
        ObjectNode issue = outcome.putArray("issue").addObject()
                .put("severity", status >= 500 ? "fatal" : "error")
                .put("code", issueType());
        ObjectNode details = issue.putObject("details");
        details.putArray("coding").addObject().put("system", MESSAGES).put("code", code);
        details.put("text", render());
        if (where != null) {
            issue.putArray("expression").add(where);
        }
        return outcome;
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
