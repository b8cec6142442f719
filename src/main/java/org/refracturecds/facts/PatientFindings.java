package org.refracturecds.facts;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

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

    /**
     * The findings of the vertebrae at {@code levels} ("T12") only, with the patient's own (BMD)
     * and those of a vertebra whose level no Observation states; the notices are kept.
     */
    public PatientFindings atLevels(Set<String> levels) {
        List<Vertebra> kept = vertebrae.stream().filter(v -> v.getLevel() == null || levels.contains(v.getLevel())).toList();
        List<Finding> of = findings.stream().filter(f -> f.getVertebra() == null || kept.contains(f.getVertebra())).toList();
        Set<String> used = of.stream().flatMap(f -> f.getObservations().stream()).collect(Collectors.toSet());
        return new PatientFindings(patient, kept, of, notices, basis.stream().filter(used::contains).toList(), preliminary);
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
