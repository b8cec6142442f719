package org.refracturecds.facts;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One patient's findings as the FHIR mapping leaves them: the vertebrae, every finding (patient-
 * level ones such as BMD have no vertebra), what the mapping had to say about the input, the
 * Observations it left out, and what the input says about the patient besides (age, conditions).
 *
 * @param patient     the subject reference, e.g. "Patient/123"
 * @param preliminary true when any Observation used was itself preliminary
 */
public record PatientFindings(String patient, List<Vertebra> vertebrae, List<Finding> findings,
                              List<Notice> notices, boolean preliminary, List<LeftOut> leftOut,
                              PatientDetails details, List<Diagnosis> diagnoses) {

    public PatientFindings {
        vertebrae = List.copyOf(vertebrae);
        findings = List.copyOf(findings);
        notices = List.copyOf(notices);
        leftOut = List.copyOf(leftOut);
        diagnoses = List.copyOf(diagnoses);
    }

    /** Findings and nothing else: no notices, nothing left out, nothing known of the patient (for tests and tools). */
    public static PatientFindings of(String patient, List<Vertebra> vertebrae, List<Finding> findings) {
        return new PatientFindings(patient, vertebrae, findings, List.of(), false, List.of(),
                new PatientDetails(null, null, true), List.of());
    }

    /**
     * The resources the findings come from, as references: "Observation/rr-1"; for a contained
     * or component finding ("DiagnosticReport/r1 (contained #rr)") the resource that holds it.
     */
    public List<String> basis() {
        return findings.stream().flatMap(f -> f.getObservations().stream()).map(PatientFindings::resource)
                .distinct().toList();
    }

    /** The resource part of an Observation's label: "DiagnosticReport/r1 (contained #rr)" -> "DiagnosticReport/r1". */
    public static String resource(String label) {
        int detail = label.indexOf(" (");
        return detail < 0 ? label : label.substring(0, detail);
    }

    /**
     * The findings of the vertebrae at {@code levels} ("T12") only, with the patient's own (BMD)
     * and those of a vertebra whose level no Observation states; the notices are kept.
     */
    public PatientFindings atLevels(Set<String> levels) {
        List<Vertebra> kept = vertebrae.stream().filter(v -> v.getLevel() == null || levels.contains(v.getLevel())).toList();
        List<Finding> of = findings.stream().filter(f -> f.getVertebra() == null || kept.contains(f.getVertebra())).toList();
        return new PatientFindings(patient, kept, of, notices, preliminary, leftOut, details, diagnoses);
    }

    /**
     * The findings of each vertebral level an Observation states, one level each, in the order of
     * the vertebrae: what one RiskAssessment per level is made from (a server keeps one per patient,
     * level and model). A vertebra whose level no Observation states has none of its own.
     */
    public List<PatientFindings> eachLevel() {
        return vertebrae.stream().map(Vertebra::getLevel).filter(level -> level != null).distinct()
                .map(level -> atLevels(Set.of(level))).toList();
    }

    /** The same findings with {@code more} notices after the others. */
    public PatientFindings withNotices(List<Notice> more) {
        if (more.isEmpty()) {
            return this;
        }
        List<Notice> all = new ArrayList<>(notices);
        all.addAll(more);
        return new PatientFindings(patient, vertebrae, findings, all, preliminary, leftOut, details, diagnoses);
    }
}
