package org.refracturecds.fhirin;

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

    /** One line: "[PVP-E104] Observation/rr-1 valueQuantity.code: message". */
    public String render() {
        return "[" + code + "] " + where + ": " + getMessage();
    }
}
