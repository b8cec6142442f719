package org.refracturecds.view;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Observation;
import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.fhirin.Codes;
import org.refracturecds.fhirin.FhirFetcher;
import org.refracturecds.fhirin.InputException;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.ObservationMapper;
import org.refracturecds.fhirin.PvpProcedures;
import org.refracturecds.fhirin.References;
import org.refracturecds.validation.InputValidation;

/**
 * A launched patient's assessment: their findings, the Conditions that hold, the Patient (for the
 * age) and the PVPs on record (the vertebrae treated; the last three are left out when they cannot be
 * had, and the page then says so), read from the
 * launching FHIR server with the user's access token through {@link FhirFetcher} (the allowlist,
 * {@code _count}, no cache, paging, the strict check of the answers, the budget
 * {@code smart.fetchTimeoutMillis}), checked against the profiles as {@code validation} says, mapped as a
 * CDS Hooks call's findings are, and assessed with the live rules.
 */
final class LaunchFindings {

    /** The conditions that still hold: the study's exclusions are checked against them. */
    private static final List<String> HOLDING = List.of("active", "recurrence", "relapse");

    private final FhirFetcher fetcher;
    private final Supplier<Assessor> assessor;
    private final InputValidation validation;
    private final PvpProcedures pvp;
    private final int budgetMillis;
    private final Clock clock;

    LaunchFindings(FhirFetcher fetcher, Supplier<Assessor> assessor, InputValidation validation, PvpProcedures pvp,
                   int budgetMillis, Clock clock) {
        this.fetcher = fetcher;
        this.assessor = assessor;
        this.validation = validation;
        this.pvp = pvp;
        this.budgetMillis = budgetMillis;
        this.clock = clock;
    }

    /** The assessment of {@code patientId} on {@code base}, or null when it has no finding of a vertebra on record. */
    Assessment assess(String base, String accessToken, String patientId) throws SmartAuthorization.Refused {
        List<InputReader.Entry> findings;
        List<InputReader.Entry> conditions;
        List<InputReader.Entry> patient;
        List<InputReader.Entry> procedures;
        try (FhirFetcher.Fetches fetches = fetcher.fetches(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMillis))) {
            CompletableFuture<Bundle> findingSearch = fetches.search(base, accessToken, "Observation", patientId, "code",
                    Codes.findingTokens());
            CompletableFuture<Bundle> conditionSearch = fetches.search(base, accessToken, "Condition", patientId,
                    "clinical-status", HOLDING);
            CompletableFuture<Bundle> patientSearch = fetches.search(base, accessToken, "Patient", patientId, "_id",
                    List.of());
            CompletableFuture<Bundle> procedureSearch = fetches.search(base, accessToken, "Procedure", patientId, "code",
                    pvp.codes());
            findings = await(fetches, findingSearch, base, "Observation", true);
            conditions = await(fetches, conditionSearch, base, "Condition", false);
            patient = await(fetches, patientSearch, base, "Patient", false);
            procedures = await(fetches, procedureSearch, base, "Procedure", false);
        }
        if (findings.stream().noneMatch(e -> e.resource() instanceof Observation || e.resource() instanceof DiagnosticReport)) {
            return null;
        }
        List<InputValidation.Problem> problems = validation.check(findings);
        if (validation.mode() == InputValidation.Mode.STRICT && !problems.isEmpty()) {
            throw new SmartAuthorization.Refused(422, "PVP-H110", "the patient's findings do not conform to their"
                    + " profile (fhir-profiles/; setting validation: strict): " + problems.stream().limit(5)
                    .map(p -> p.at("fetched findings") + ": " + p.issue().message()).collect(Collectors.joining("; ")),
                    "Correct the findings in the record (docs/CODES.md), then launch the app again.");
        }
        List<InputReader.Entry> all = new ArrayList<>(findings);
        if (conditions != null) {
            all.addAll(conditions);
        }
        if (patient != null) {
            all.addAll(patient);
        }
        List<Notice> notices = new ArrayList<>(problems.stream().map(InputValidation.Problem::notice).toList());
        if (procedures != null) {
            all.addAll(procedures);
        } else {
            notices.add(PvpProcedures.notRead("the PVPs on record (Procedure)", " with your access"));
        }
        Assessor rules = assessor.get();
        List<PatientFindings> patients;
        try {
            patients = new ObservationMapper(rules.rules().vocabulary(), new References(base), clock, pvp)
                    .map(all, conditions != null);
        } catch (InputException e) {
            if (e.code().equals("PVP-E109")) {
                return null;
            }
            throw new SmartAuthorization.Refused(422, e.code(), "the patient's findings on record cannot be used: "
                    + e.where() + ": " + e.getMessage(), "Correct them in the record (docs/CODES.md), then launch the"
                    + " app again.");
        }
        String expected = "Patient/" + patientId;
        if (patients.stream().anyMatch(p -> !p.patient().equals(expected))) {
            throw new SmartAuthorization.Refused(502, "PVP-H109", "the FHIR server answered a search for the launched"
                    + " patient's findings with findings of another patient; nothing is shown", "IT checks the FHIR"
                    + " server's search by patient.");
        }
        return rules.assess(patients.get(0).withNotices(notices));
    }

    /** The search's entries; for an optional search (the Conditions, the Patient) null when they cannot be had. */
    private List<InputReader.Entry> await(FhirFetcher.Fetches fetches, CompletableFuture<Bundle> search, String base,
                                          String resourceType, boolean required) throws SmartAuthorization.Refused {
        Bundle found;
        String failure;
        try {
            found = fetches.await(search);
            failure = "did not answer within " + budgetMillis + " ms (setting smart.fetchTimeoutMillis)";
        } catch (FhirFetcher.FetchFailed e) {
            found = null;
            failure = "refused or failed: " + e.getMessage();
        }
        if (found != null) {
            return InputReader.entries(found, "fetched " + resourceType);
        }
        if (!required) {
            return null;
        }
        throw new SmartAuthorization.Refused(502, "PVP-H718", "the patient's findings could not be read from the FHIR"
                + " server " + base + " with your access: it " + failure, "Launch the app again; if it goes on, IT"
                + " checks that the app's scopes let it read Observations (patient/Observation.rs).");
    }
}
