package org.refracturecds.fhirapi;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.fhirin.InputException;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.ObservationMapper;
import org.refracturecds.fhirin.PvpProcedures;
import org.refracturecds.fhirin.References;
import org.refracturecds.fhirout.RiskAssessmentWriter;
import org.refracturecds.http.HttpError;
import org.refracturecds.validation.InputValidation;

/**
 * One patient's findings to their RiskAssessment, as the CDS Hooks service and {@code assess} make
 * it: checked against the profiles as the setting {@code validation} says, mapped to facts (the
 * Patient for the age and the Conditions for the study's exclusions go along), assessed with the
 * live rules and written with the profile's identifier, performer and links.
 */
final class PatientAssessment {

    private final InputValidation validation;
    private final RiskAssessmentWriter writer;
    private final PvpProcedures pvp;
    private final Clock clock;

    PatientAssessment(InputValidation validation, PvpProcedures pvp, Clock clock) {
        this.validation = validation;
        this.pvp = pvp;
        this.writer = new RiskAssessmentWriter(clock);
        this.clock = clock;
    }

    /**
     * What an assessment is made of.
     *
     * @param notices what could not be had and what that changes, said with the result
     */
    record Input(List<InputReader.Entry> findings, List<InputReader.Entry> others, boolean conditionsSent,
                 References references, List<Notice> notices) {
    }

    /**
     * @param where     the input's place, for messages: {@code Parameters.parameter[0].resource}
     * @param patient   the one patient allowed ({@code Patient/p1}), or null for whichever the findings are of
     * @param levels    the vertebrae to assess, or empty for every one with findings
     * @param basedOn   the PVP order the assessment is for, or null
     * @return the RiskAssessment, with no id (nothing is stored)
     */
    RiskAssessment assess(Assessor rules, Input input, String where, String patient, Set<String> levels, String basedOn) {
        if (input.findings().stream().noneMatch(e -> e.resource() instanceof Observation
                || e.resource() instanceof DiagnosticReport)) {
            // Read from the server, with neither findings nor the Patient (which was not refused): most likely an id
            // the server does not know.
            if (patient != null && input.others().stream().noneMatch(e -> e.resource() instanceof Patient)
                    && input.notices().stream().noneMatch(n -> n.code().equals(ServerData.NOT_READ))) {
                throw new HttpError(422, "PVP-E109", where, "holds no Observation of a finding of " + patient
                        + ", and the FHIR server holds no Patient of that id: check the patient's id");
            }
            throw new HttpError(patient == null ? 400 : 422, "PVP-E109", where, "holds no Observation of a finding"
                    + (patient == null ? "" : " of " + patient) + ": the assessment needs the imaging findings, coded"
                    + " per CodeSystem https://fhir.refracture-cds.org/CodeSystem/pvp-findings (docs/CODES.md)");
        }
        List<InputValidation.Problem> problems = validation.check(input.findings());
        if (validation.mode() == InputValidation.Mode.STRICT && !problems.isEmpty()) {
            throw new HttpError(422, "PVP-H110", problems.get(0).at(where), "does not conform to its profile"
                    + " (fhir-profiles/; setting validation: strict): " + problems.stream().limit(5)
                    .map(p -> p.at(where) + ": " + p.issue().message()).collect(Collectors.joining("; "))
                    + (problems.size() > 5 ? "; and " + (problems.size() - 5) + " more" : ""));
        }
        List<InputReader.Entry> all = new ArrayList<>(input.findings());
        all.addAll(input.others());
        List<PatientFindings> patients;
        List<String> withoutFindings;
        try {
            ObservationMapper.Population population = new ObservationMapper(rules.rules().vocabulary(),
                    input.references(), clock, pvp).mapEach(all, input.conditionsSent());
            withoutFindings = population.withoutFindings();
            patients = population.usable();
        } catch (InputException e) {
            throw new HttpError(e.code().equals("PVP-E117") || e.code().equals("PVP-E109") ? 422 : 400, e.code(),
                    e.where().startsWith("fetched ") ? e.where() : InputReader.within(where, e.where()), e.getMessage());
        }
        if (patients.size() > 1) {
            throw new HttpError(400, "PVP-H121", where, "holds findings of " + patients.size() + " patients ("
                    + patients.stream().map(PatientFindings::patient).limit(5).collect(Collectors.joining(", "))
                    + "): the operation assesses one patient a call; send each patient's findings in a call of its own,"
                    + " or assess them all with the command line's assess");
        }
        if (!withoutFindings.isEmpty()) {
            // Its birthDate would be no age of the patient assessed, whose own would read as not sent (PVP-A107).
            throw new HttpError(400, "PVP-H109", where, "holds " + String.join(", ", withoutFindings) + ", of which no"
                    + " finding is here: the findings are of " + patients.get(0).patient() + "; send that patient's"
                    + " Patient, or none");
        }
        PatientFindings found = patients.get(0);
        if (patient != null && !found.patient().equals(patient)) {
            throw new HttpError(400, "PVP-H109", where, "holds findings of " + found.patient() + ", not of " + patient);
        }
        if (!levels.isEmpty()) {
            found = found.atLevels(levels);
            if (found.vertebrae().isEmpty()) {
                throw new HttpError(422, "PVP-H122", where, "holds no finding of " + String.join(", ", levels)
                        + ", the level the PVP order " + basedOn + " names: no refracture risk of it can be estimated");
            }
        }
        found = found.withNotices(input.notices()).withNotices(problems.stream().map(InputValidation.Problem::notice)
                .toList());
        return writer.write(rules.assessOrder(found, levels), null, basedOn);
    }
}
