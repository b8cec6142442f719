package org.refracturecds.calibration;

import java.util.List;

/**
 * A centre's cohort as read: one row per treated vertebra with its outcome.
 *
 * @param source the file, as the user named it
 * @param format "CSV" or "FHIR"
 * @param notes  what the reader left aside and why (columns not read, vertebrae without an outcome),
 *               for the report: never silently
 */
public record Cohort(String source, String format, List<CohortRow> rows, List<String> notes) {

    public Cohort {
        rows = List.copyOf(rows);
        notes = List.copyOf(notes);
    }

    /** The treated vertebrae that refractured. */
    public int events() {
        return (int) rows.stream().filter(CohortRow::refracture).count();
    }

    /** The treated vertebrae, the unit the model predicts for. */
    public int vertebrae() {
        return rows.size();
    }

    /** The distinct patients. */
    public int patients() {
        return (int) rows.stream().map(CohortRow::patient).distinct().count();
    }
}
