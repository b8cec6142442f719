package org.refracturecds.facts;

/**
 * Something the reader must know about the inputs: a finding that was missing, two that
 * disagree, an Observation that was ignored. {@code code} is stable, for searching.
 */
public record Notice(Severity severity, String code, String where, String message) {

    public enum Severity { INFO, WARNING }

    public static Notice warning(String code, String where, String message) {
        return new Notice(Severity.WARNING, code, where, message);
    }

    public static Notice info(String code, String where, String message) {
        return new Notice(Severity.INFO, code, where, message);
    }

    /** "[PVP-W101] Observation/rr-1: message". */
    public String render() {
        return "[" + code + "] " + (where == null ? "" : where + ": ") + message;
    }
}
