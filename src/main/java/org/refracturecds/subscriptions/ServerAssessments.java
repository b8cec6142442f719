package org.refracturecds.subscriptions;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Vertebra;
import org.refracturecds.fhirin.Codes;
import org.refracturecds.fhirin.InputException;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.ObservationMapper;
import org.refracturecds.fhirin.References;
import org.refracturecds.fhirout.RiskAssessmentWriter;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.gclient.ReferenceClientParam;
import ca.uhn.fhir.rest.gclient.TokenClientParam;

/**
 * A patient's RiskAssessments from the findings on the FHIR server: one per vertebra with findings,
 * each from that vertebra's findings (and the patient's own, BMD) only, each with its stable identifier.
 */
final class ServerAssessments {

    private static final int PAGE_SIZE = 100;
    private static final int MOST_PAGES = 20;
    private static final int MOST_SWEPT = 1000;

    private final IGenericClient client;
    private final String base;
    private final Supplier<Assessor> assessor;
    private final Clock clock;

    ServerAssessments(IGenericClient client, String base, Supplier<Assessor> assessor, Clock clock) {
        this.client = client;
        this.base = base;
        this.assessor = assessor;
        this.clock = clock;
    }

    /**
     * The patient's RiskAssessments, one per vertebra; none when the patient has no finding the model reads.
     *
     * @throws InputException when the findings cannot be used (the code says why)
     * @throws ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException when the patient is not on the server
     */
    List<RiskAssessment> assess(String patientId) throws InputException {
        Patient patient = client.read().resource(Patient.class).withId(patientId).execute();
        List<Observation> observations = findings(patientId);
        if (observations.isEmpty()) {
            return List.of();
        }
        List<InputReader.Entry> entries = new ArrayList<>();
        entries.add(new InputReader.Entry(patient, "Patient/" + patientId, base + "/Patient/" + patientId));
        for (Observation observation : observations) {
            String id = observation.getIdElement().getIdPart();
            entries.add(new InputReader.Entry(observation, "Observation/" + id, base + "/Observation/" + id));
        }
        Assessor rules = assessor.get();
        List<ObservationMapper.Mapped> mapped = new ObservationMapper(rules.rules().vocabulary(), new References(base), clock)
                .mapEach(entries, false);
        List<RiskAssessment> written = new ArrayList<>();
        RiskAssessmentWriter writer = new RiskAssessmentWriter(clock);
        for (ObservationMapper.Mapped each : mapped) {
            if (each.unusable() != null) {
                throw each.unusable();
            }
            for (Vertebra vertebra : each.findings().vertebrae()) {
                PatientFindings level = each.findings().atLevels(Set.of(vertebra.getLabel()));
                Assessment assessment = rules.assess(level);
                // Its identifier (fhirout.AssessmentIdentity): patient, this level, model.
                written.add(writer.write(assessment));
            }
        }
        return written;
    }

    /** The patient a finding (Observation) is about, read from the server. */
    String patientOf(String observationId) {
        Observation observation = client.read().resource(Observation.class).withId(observationId).execute();
        String reference = observation.getSubject().getReferenceElement().getIdPart();
        if (!"Patient".equals(observation.getSubject().getReferenceElement().getResourceType()) || reference == null) {
            return null;
        }
        return reference;
    }

    /**
     * The patients whose findings were saved since {@code since} ({@code _lastUpdated}), for a notification
     * that named nothing; at most {@value #MOST_SWEPT} findings are looked at.
     */
    List<String> patientsChangedSince(java.time.Instant since) {
        Bundle page = client.search().forResource(Observation.class)
                .where(new TokenClientParam("code").exactly().codings(findingCodes()))
                .lastUpdated(new ca.uhn.fhir.rest.param.DateRangeParam(new InstantType(java.util.Date.from(since)), null))
                .count(PAGE_SIZE).returnBundle(Bundle.class).execute();
        Set<String> patients = new LinkedHashSet<>();
        int seen = 0;
        for (int pages = 1; ; pages++) {
            for (Bundle.BundleEntryComponent entry : page.getEntry()) {
                if (entry.getResource() instanceof Observation observation
                        && "Patient".equals(observation.getSubject().getReferenceElement().getResourceType())) {
                    patients.add(observation.getSubject().getReferenceElement().getIdPart());
                }
                seen++;
            }
            if (page.getLink(Bundle.LINK_NEXT) == null || pages >= MOST_PAGES || seen >= MOST_SWEPT) {
                return List.copyOf(patients);
            }
            page = client.loadPage().next(page).execute();
        }
    }

    private List<Observation> findings(String patientId) {
        Bundle page = client.search().forResource(Observation.class)
                .where(new ReferenceClientParam("subject").hasId("Patient/" + patientId))
                .and(new TokenClientParam("code").exactly().codings(findingCodes()))
                .count(PAGE_SIZE).returnBundle(Bundle.class).execute();
        List<Observation> found = new ArrayList<>();
        for (int pages = 1; ; pages++) {
            for (Bundle.BundleEntryComponent entry : page.getEntry()) {
                if (entry.getResource() instanceof Observation observation) {
                    found.add(observation);
                }
            }
            if (page.getLink(Bundle.LINK_NEXT) == null) {
                return found;
            }
            if (pages >= MOST_PAGES) {
                throw new IllegalStateException("more than " + MOST_PAGES * PAGE_SIZE + " findings");
            }
            page = client.loadPage().next(page).execute();
        }
    }

    private static Coding[] findingCodes() {
        return Codes.findingTokens().stream().map(token -> new Coding(token.substring(0, token.indexOf('|')),
                token.substring(token.indexOf('|') + 1), null)).toArray(Coding[]::new);
    }
}
