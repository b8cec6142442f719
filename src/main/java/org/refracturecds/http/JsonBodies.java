package org.refracturecds.http;

import java.util.Locale;

/**
 * Whether a request body is declared JSON ({@code application/json}, or {@code application/...+json}
 * such as {@code application/fhir+json}), parameters and case aside. A body that is not is refused,
 * 415 {@code PVP-H415}: the faces read JSON only, and a web page may post text or a form to another
 * site without asking it first (CORS preflight).
 */
public final class JsonBodies {

    private JsonBodies() {
    }

    /** @param advice what to send instead, e.g. "send Content-Type: application/json" */
    public static void require(String contentType, String advice) {
        String media = contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!media.equals("application/json") && !(media.startsWith("application/") && media.endsWith("+json"))) {
            throw new HttpError(415, "PVP-H415", "Content-Type", (contentType == null ? "is missing" : "is '"
                    + HttpError.cut(contentType, 80) + "'") + ": " + advice);
        }
    }
}
