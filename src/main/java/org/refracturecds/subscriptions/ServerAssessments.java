package org.refracturecds.subscriptions;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.fhirin.InputException;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.ObservationMapper;
import org.refracturecds.fhirin.PopulationReader;
import org.refracturecds.fhirin.PvpProcedures;
import org.refracturecds.fhirin.References;
import org.refracturecds.fhirout.RiskAssessmentWriter;

/**
 * A patient's RiskAssessments from the data on the FHIR server, read as the population run reads
 * it ({@link PopulationReader}: the Patient, the findings, the Conditions that hold and the PVPs on record, strictly,
 * paging safely): one per vertebral level ({@link PatientFindings#eachLevel()}), each with its
 * stable identifier.
 */
final class ServerAssessments {

    /** The patient the item names is not on the server. */
    static final class PatientMissing extends Exception {
        PatientMissing() {
            super("the patient is not on the server", null, false, false);
        }
    }

    private final PopulationReader reader;
    private final String base;
    private final PvpProcedures pvp;
    private final Supplier<Assessor> assessor;
    private final Clock clock;

    ServerAssessments(PopulationReader reader, String base, PvpProcedures pvp, Supplier<Assessor> assessor, Clock clock) {
        this.reader = reader;
        this.base = base;
        this.pvp = pvp;
        this.assessor = assessor;
        this.clock = clock;
    }

    /**
     * The patient's RiskAssessments, one per level; none when the patient has no finding, or none
     * that states its level.
     *
     * @throws InputException when the findings cannot be used (the code says why)
     */
    List<RiskAssessment> assess(String patientId) throws InputException, PopulationReader.ReadFailed, PatientMissing {
        List<InputReader.Entry> entries = reader.patient(patientId);
        if (entries.stream().noneMatch(e -> e.resource() instanceof Patient)) {
            throw new PatientMissing();
        }
        if (entries.stream().noneMatch(e -> e.resource() instanceof Observation)) {
            return List.of();
        }
        Assessor rules = assessor.get();
        PatientFindings findings = new ObservationMapper(rules.rules().vocabulary(), new References(base), clock, pvp)
                .findingsOf(patientId, entries);
        RiskAssessmentWriter writer = new RiskAssessmentWriter(clock);
        return rules.assessEachLevel(findings).stream().map(writer::write).toList();
    }

    /** The patient a finding (Observation) is about, or null when it names no Patient of this server. */
    String patientOf(String observationId) throws PopulationReader.ReadFailed {
        return reader.patientOf(observationId);
    }

    /**
     * The patients whose findings were saved since {@code since} ({@code _lastUpdated}), for a notification
     * that named nothing: those saved last first, so the finding that sent the notification is not queued
     * behind a mass import's.
     */
    List<String> patientsChangedSince(Instant since) throws PopulationReader.ReadFailed {
        return reader.patientsWithFindings(since.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString(), true);
    }
}
