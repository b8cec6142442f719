package org.refracturecds.facts;

import java.util.List;

/**
 * One patient's findings as the FHIR mapping leaves them: the vertebrae, every finding (patient-
 * level ones such as BMD have no vertebra), what the mapping had to say about the input, and the
 * Observations used.
 *
 * @param patient     the subject reference, e.g. "Patient/123"
 * @param preliminary true when any Observation used was itself preliminary
 */
public record PatientFindings(String patient, List<Vertebra> vertebrae, List<Finding> findings,
                              List<Notice> notices, List<String> basis, boolean preliminary) {

    public PatientFindings {
        vertebrae = List.copyOf(vertebrae);
        findings = List.copyOf(findings);
        notices = List.copyOf(notices);
        basis = List.copyOf(basis);
    }

    /** The same findings with {@code more} notices after the others. */
    public PatientFindings withNotices(List<Notice> more) {
        if (more.isEmpty()) {
            return this;
        }
        List<Notice> all = new java.util.ArrayList<>(notices);
        all.addAll(more);
        return new PatientFindings(patient, vertebrae, findings, all, basis, preliminary);
    }
}
