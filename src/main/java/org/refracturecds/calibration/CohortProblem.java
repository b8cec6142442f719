package org.refracturecds.calibration;

/**
 * One thing wrong with a cohort: a stable code (PVP-C2xx, docs/CODES.md), where it is (the file's
 * row and column, or a FHIR resource), what is wrong and what to write instead.
 */
public record CohortProblem(String code, String where, String message) {

    /** "[PVP-C206] cohort.csv row 7, column E (npec): is 'both': write one of ...". */
    public String render() {
        return "[" + code + "] " + where + ": " + message;
    }
}
