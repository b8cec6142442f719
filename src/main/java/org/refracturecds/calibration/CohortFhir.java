package org.refracturecds.calibration;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Finding;
import org.refracturecds.facts.LeftOut;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Vertebra;
import org.refracturecds.fhirin.Codes;
import org.refracturecds.fhirin.InputException;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.ObservationMapper;
import org.refracturecds.fhirin.References;

import ca.uhn.fhir.context.FhirContext;

/**
 * A cohort as FHIR (a Bundle, a resource or NDJSON), read by the same reader and mapping as the
 * assessments: each patient's findings, plus one Observation per treated vertebra with the code
 * {@code refracture-cemented-vertebra} (docs/CODES.md) and valueBoolean, true when it refractured
 * within the model's horizon. A vertebra with findings but no such Observation is not yet an
 * outcome: it is left out and counted; one whose outcome Observation cannot be used refuses the
 * cohort.
 */
final class CohortFhir {

    private CohortFhir() {
    }

    static Cohort read(String name, byte[] bytes, RuleSet rules, Clock clock) throws CohortException {
        List<PatientFindings> patients;
        try {
            List<InputReader.Entry> entries = new InputReader(FhirContext.forR4Cached()).read(bytes);
            patients = new ObservationMapper(rules.vocabulary(), References.ofFiles(), clock).map(entries);
        } catch (InputException e) {
            throw new CohortException(e.code(), name + " " + e.where(), e.getMessage());
        }
        List<CohortRow> rows = new ArrayList<>();
        List<CohortProblem> problems = new ArrayList<>();
        int withoutOutcome = 0;
        for (PatientFindings patient : patients) {
            for (Vertebra vertebra : patient.vertebrae()) {
                String where = patient.patient() + " " + vertebra.getLabel();
                Optional<Finding> outcome = patient.findings().stream()
                        .filter(f -> f.getVertebra() == vertebra && f.getCode().equals(Codes.REFRACTURE)).findFirst();
                Optional<LeftOut> unusable = patient.leftOut().stream().filter(l -> l.finding().equals(Codes.REFRACTURE)
                        && (l.level() == null || l.level().equals(vertebra.getLevel()))).findFirst();
                if (unusable.isPresent()) {
                    problems.add(new CohortProblem("PVP-C212", name + " " + unusable.get().where(), "the refracture"
                            + " Observation cannot be used: " + unusable.get().reason()));
                } else if (outcome.isEmpty()) {
                    withoutOutcome++;
                } else if (vertebra.getLevel() == null) {
                    problems.add(new CohortProblem("PVP-C212", name + " " + String.join(", ", outcome.get().getObservations()),
                            "says which patient refractured but not which vertebra: give its bodySite (T4 to L5)"));
                } else {
                    rows.add(new CohortRow(patient.patient(), vertebra.getLevel(), null, withoutOutcome(patient, vertebra),
                            "present".equals(outcome.get().getValue()), null, name + " " + where));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new CohortException(problems);
        }
        if (rows.isEmpty()) {
            throw new CohortException("PVP-C212", name, "holds no Observation with the code " + Codes.REFRACTURE
                    + " (system " + Codes.FINDINGS + "): give one per treated vertebra, valueBoolean true when it"
                    + " refractured within 24 months, false when not");
        }
        List<String> notes = new ArrayList<>();
        if (withoutOutcome > 0) {
            notes.add(withoutOutcome + " treated vertebra" + (withoutOutcome == 1 ? " has" : "e have") + " findings but"
                    + " no refracture Observation (" + Codes.REFRACTURE + "): left out, as their outcome is not known.");
        }
        return new Cohort(name, "FHIR", rows, notes);
    }

    /**
     * The patient's findings of this vertebra (and the patient's own), without the outcome: what an assessment
     * reads. A cohort holds the outcome on purpose: that it is on record is not said.
     */
    private static PatientFindings withoutOutcome(PatientFindings patient, Vertebra vertebra) {
        PatientFindings one = patient.atLevels(Set.of(vertebra.getLevel()));
        return new PatientFindings(one.patient(), one.vertebrae(), one.findings().stream()
                .filter(f -> !f.getCode().equals(Codes.REFRACTURE)).toList(), one.notices().stream()
                .filter(n -> !n.code().equals(ObservationMapper.REFRACTURE_ON_RECORD)).toList(), one.preliminary(),
                one.leftOut(), one.details(), one.diagnoses());
    }
}
