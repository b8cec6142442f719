package org.refracturecds.fhirin;

import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A Bundle that is only part of what a search found: read as if whole, a finding or a PVP on the
 * part not sent would be missing from the estimate without a word. The CDS Hooks service fetches
 * such a prefetch whole or says it is incomplete; a file or the operation's findings refuse it
 * ({@code PVP-E013}).
 */
public final class PartialBundles {

    /** A FHIR code of an issue's severity or kind, repeated in a message; the server's own words are not. */
    private static final Pattern ISSUE_WORD = Pattern.compile("[a-z-]{1,40}");

    private PartialBundles() {
    }

    /**
     * Why the Bundle is only part of what the server holds, or null (null too for what is no Bundle):
     * a page of a search whose next page was not read, or a server's OperationOutcome among the
     * entries of a search's answer (or marked as its outcome) that says something was left out (an
     * error, or the issue code incomplete or too-costly).
     * A Bundle in an entry is looked into alike.
     */
    public static String why(JsonNode bundle) {
        if (!"Bundle".equals(bundle.path("resourceType").asText())) {
            return null;
        }
        for (JsonNode link : bundle.path("link")) {
            if ("next".equals(link.path("relation").asText())) {
                return "is one page of a search: its next page (link next) was not sent";
            }
        }
        for (JsonNode entry : bundle.path("entry")) {
            JsonNode resource = entry.path("resource");
            String inner = why(resource);
            if (inner != null) {
                return inner;
            }
            // A server's word on its search: in a search's answer, or marked as the search's outcome (an
            // OperationOutcome kept in a collection is a record, not a search left incomplete).
            if (!"OperationOutcome".equals(resource.path("resourceType").asText())
                    || !"searchset".equals(bundle.path("type").asText())
                    && !"outcome".equals(entry.path("search").path("mode").asText())) {
                continue;
            }
            for (JsonNode issue : resource.path("issue")) {
                String severity = issue.path("severity").asText();
                String code = issue.path("code").asText();
                if (severity.equals("error") || severity.equals("fatal") || code.equals("incomplete")
                        || code.equals("too-costly")) {
                    return "holds an OperationOutcome of the server saying " + (ISSUE_WORD.matcher(severity).matches()
                            ? severity : "an issue") + (ISSUE_WORD.matcher(code).matches() ? " " + code : "");
                }
            }
        }
        return null;
    }
}
