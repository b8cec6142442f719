package org.refracturecds.http;

import java.util.Locale;

import org.refracturecds.fhirin.StrictJson;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A JSON request body, read the same way by every face. Whether it is declared JSON
 * ({@code application/json}, or {@code application/...+json} such as {@code application/fhir+json}),
 * parameters and case aside: a body that is not is refused, 415 {@code PVP-H415}, since the faces
 * read JSON only, and a web page may post text or a form to another site without asking it first
 * (CORS preflight). And its one document, read strictly ({@link StrictJson}), or refused with 400.
 */
public final class JsonBodies {

    private JsonBodies() {
    }

    /** @param advice what to send instead, e.g. "send Content-Type: application/json" */
    public static void require(String contentType, String advice) {
        if (!isJson(contentType)) {
            throw new HttpError(415, "PVP-H415", "Content-Type", (contentType == null ? "is missing" : "is '"
                    + HttpError.cut(contentType, 80) + "'") + ": " + advice);
        }
    }

    /** Whether a Content-Type declares JSON: {@code application/json} or {@code application/...+json}, parameters and case aside. */
    public static boolean isJson(String contentType) {
        String media = contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return media.equals("application/json") || media.startsWith("application/") && media.endsWith("+json");
    }

    /**
     * The body as sent, or 400: one UTF-8 JSON document, each key once, at most
     * {@value StrictJson#MAX_DEPTH} levels deep, nothing after it. Empty or malformed is
     * {@code PVP-H101}, more after it {@code H111}, a key twice {@code H112}, too deep {@code H113},
     * not UTF-8 {@code H114}.
     *
     * @param document what the body is, as a refusal names it: "the CDS Hooks request"
     * @param format   what it is written as, said to a body nested too deep: "FHIR R4 JSON"
     * @param ifEmpty  what to do about an empty body: "send the JSON request"
     */
    public static JsonNode read(byte[] sent, String document, String format, String ifEmpty) {
        try {
            return StrictJson.one(StrictJson.utf8(sent));
        } catch (StrictJson.Problem e) {
            throw switch (e.kind()) {
                case EMPTY -> new HttpError(400, "PVP-H101", null, "the body is empty: " + ifEmpty);
                case MALFORMED -> new HttpError(400, "PVP-H101", e.where(), e.getMessage());
                case TRAILING, NOT_NDJSON -> new HttpError(400, "PVP-H111", e.where(), e.getMessage()
                        + ": send one JSON object, " + document);
                // StrictJson names a resource with its type and id ("Parameters (Parameters)"); a body's is its root.
                case DUPLICATE_KEY -> new HttpError(400, "PVP-H112", e.where() == null ? null
                        : e.where().replaceFirst("^(\\w+) \\([^)]*\\)", "$1"), e.getMessage()
                        + ": send it once, with the value meant");
                case TOO_DEEP -> new HttpError(400, "PVP-H113", e.where(), e.getMessage()
                        + ": send " + document + " as " + format);
                case NOT_UTF8 -> new HttpError(400, "PVP-H114", e.where(), e.getMessage()
                        + ": JSON is UTF-8; send the request encoded as UTF-8");
            };
        }
    }
}
