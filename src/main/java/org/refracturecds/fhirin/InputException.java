package org.refracturecds.fhirin;

import java.util.List;

/**
 * Input that cannot be assessed. The message says what is wrong, where (resource and field),
 * and what to send instead; {@code code} is stable, for searching.
 */
public final class InputException extends Exception {

    private final String code;
    private final String where;

    public InputException(String code, String where, String message) {
        super(message);
        this.code = code;
        this.where = where;
    }

    public String code() { return code; }
    public String where() { return where; }

    /**
     * This refusal, naming after it the others of the same input (the first 10, each as "where [code]"),
     * so that all can be mended at once: "... (2 more refused: line 4 [PVP-E010], line 5 [PVP-E010])".
     *
     * @param more the words before the list, e.g. "more refused"
     */
    public InputException naming(String more, List<String> others) {
        if (others.isEmpty()) {
            return this;
        }
        return new InputException(code, where, getMessage() + " (" + others.size() + " " + more + ": "
                + String.join(", ", others.subList(0, Math.min(10, others.size()))) + (others.size() > 10 ? ", ..." : "")
                + ")");
    }

    /** One line: "[PVP-E104] Observation/rr-1 valueQuantity.code: message". */
    public String render() {
        return "[" + code + "] " + where + ": " + getMessage();
    }
}
