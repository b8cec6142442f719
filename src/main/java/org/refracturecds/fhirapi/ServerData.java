package org.refracturecds.fhirapi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.Vocabulary;
import org.refracturecds.fhirin.Codes;
import org.refracturecds.fhirin.FhirFetcher;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.ObservationMapper;
import org.refracturecds.fhirin.PvpProcedures;
import org.refracturecds.fhirin.References;
import org.refracturecds.http.HttpError;

/**
 * A patient's data on the hospital's FHIR server (setting {@code fhirServer}), searched as the CDS
 * Hooks service fetches a prefetch it was not sent ({@link FhirFetcher}: {@code _count}, no cache,
 * paging, the time budget {@code fetchTimeoutMillis}): the findings, the Patient (for the age), the
 * Conditions that hold, the PVP procedures and the PVP orders. Only the findings are required; the others are left out when
 * they cannot be had (the Conditions are then named as not checked, as in a card).
 */
final class ServerData {

    /** The conditions that still hold: the study's exclusions are checked against them. */
    /** The Patient or its Conditions, which the server did not give: said with why. */
    static final String NOT_READ = "PVP-W125";
    private static final List<String> HOLDING = List.of("active", "recurrence", "relapse");
    /** Orders that no longer stand. */
    private static final List<String> ENDED_ORDERS = List.of("revoked", "entered-in-error", "completed");

    private final FhirFetcher fetcher;
    private final String base;
    private final Supplier<String> token;
    private final PvpProcedures pvp;
    private final int budgetMillis;

    /**
     * @param base  the server's base URL, or null when none is configured
     * @param token the bearer token for it, null for none; asked for at each call
     */
    ServerData(FhirFetcher fetcher, String base, Supplier<String> token, PvpProcedures pvp, int budgetMillis) {
        this.fetcher = fetcher;
        this.base = base;
        this.token = token;
        this.pvp = pvp;
        this.budgetMillis = budgetMillis;
    }

    /** What was found of one patient. */
    record Found(PatientAssessment.Input input, List<Order> orders) {
    }

    /** An open PVP order, and the vertebrae its bodySite names. */
    record Order(String id, Set<String> levels) {
    }

    private record Search(String key, String resourceType, String param, List<String> values, boolean optional) {
    }

    /** The patient's data; 412 when the findings cannot be had, 504 when the server does not answer in time. */
    Found of(String patientId, Vocabulary vocabulary) {
        if (base == null) {
            throw new HttpError(412, "PVP-H302", "fhirServer.url", "is not set, so there is no FHIR server to read"
                    + " Patient/" + patientId + "'s findings from: an administrator sets fhirServer.url (README, The FHIR"
                    + " face), or call the operation at type level with the findings inline");
        }
        List<Search> searches = List.of(
                new Search("findings", "Observation", "code", Codes.findingTokens(), false),
                new Search("patient", "Patient", "_id", List.of(), true),
                new Search("conditions", "Condition", "clinical-status", HOLDING, true),
                new Search("procedures", "Procedure", "code", pvp.codes(), true),
                new Search("orders", "ServiceRequest", "code", pvp.codes(), true));
        String bearer = token == null ? null : token.get();
        Map<String, List<InputReader.Entry>> data = new LinkedHashMap<>();
        Map<String, String> unread = new LinkedHashMap<>();
        try (FhirFetcher.Fetches fetches = fetcher.fetches(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMillis))) {
            Map<Search, CompletableFuture<Bundle>> started = new LinkedHashMap<>();
            for (Search search : searches) {
                started.put(search, fetches.search(base, bearer, search.resourceType(), patientId, search.param(),
                        search.values()));
            }
            for (Map.Entry<Search, CompletableFuture<Bundle>> running : started.entrySet()) {
                Search search = running.getKey();
                Bundle found;
                try {
                    found = fetches.await(running.getValue());
                } catch (FhirFetcher.FetchFailed e) {
                    if (search.optional()) {
                        unread.put(search.key(), e.getMessage());
                        continue;
                    }
                    throw new HttpError(412, "PVP-H303", "fhirServer", "Patient/" + patientId + "'s " + search.key()
                            + " cannot be fetched: " + e.getMessage());
                }
                if (found == null) {
                    if (search.optional()) {
                        unread.put(search.key(), "no answer within " + budgetMillis + " ms (setting fetchTimeoutMillis)");
                        continue;
                    }
                    throw new HttpError(504, "PVP-H304", "fhirServer", "Patient/" + patientId + "'s " + search.key()
                            + " could not be fetched from the FHIR server within " + budgetMillis + " ms (setting"
                            + " fetchTimeoutMillis): no estimate rather than one from incomplete findings; try again");
                }
                data.put(search.key(), InputReader.entries(found, "fetched " + search.key()));
            }
        }
        // The Patient (its age) when the server has it, the Conditions, and the PVPs on record (the vertebrae treated).
        List<InputReader.Entry> others = new ArrayList<>(data.getOrDefault("patient", List.of()));
        others.addAll(data.getOrDefault("conditions", List.of()));
        others.addAll(data.getOrDefault("procedures", List.of()));
        // Without the orders, the assessment is of every vertebra with findings: said, since an order may name fewer.
        // (The Conditions not had are named by the rules, PVP-A106, the age not known, PVP-A107, and why, PVP-W125.)
        List<Notice> notices = new ArrayList<>();
        if (unread.containsKey("orders")) {
            notices.add(Notice.warning("PVP-W120", "fhirServer", "Patient/" + patientId + "'s PVP orders (ServiceRequest)"
                    + " could not be read: " + unread.get("orders") + ". The assessment is of every vertebra with findings,"
                    + " not of those an order names, and is based on no order"));
        }
        // Optional, but not unsaid: the age and the exclusions the rules then call not known are named with why.
        if (unread.containsKey("patient")) {
            notices.add(Notice.warning(NOT_READ, "fhirServer", "Patient/" + patientId + " could not be read: "
                    + unread.get("patient") + ". Its age is not known, and not compared with the study's patients"));
        }
        if (unread.containsKey("conditions")) {
            notices.add(Notice.warning(NOT_READ, "fhirServer", "Patient/" + patientId + "'s Conditions could not be"
                    + " read: " + unread.get("conditions") + ". The study's exclusions were not checked"));
        }
        if (unread.containsKey("procedures")) {
            notices.add(PvpProcedures.notRead("Patient/" + patientId + "'s PVPs on record (Procedure)", ": "
                    + unread.get("procedures")));
        }
        PatientAssessment.Input input = new PatientAssessment.Input(data.get("findings"), others,
                data.containsKey("conditions"), new References(base), notices);
        return new Found(input, orders(data.getOrDefault("orders", List.of()), vocabulary));
    }

    /** The PVP orders that still stand (not revoked, completed or entered in error). */
    private List<Order> orders(List<InputReader.Entry> entries, Vocabulary vocabulary) {
        List<Order> orders = new ArrayList<>();
        for (InputReader.Entry entry : entries) {
            if (!(entry.resource() instanceof ServiceRequest order) || !pvp.isPvp(order.getCode())
                    || order.hasStatus() && ENDED_ORDERS.contains(order.getStatus().toCode())) {
                continue;
            }
            Set<String> levels = new LinkedHashSet<>();
            for (CodeableConcept site : order.getBodySite()) {
                ObservationMapper.levelOf(vocabulary, site).ifPresent(levels::add);
            }
            orders.add(new Order("ServiceRequest/" + order.getIdElement().getIdPart(), levels));
        }
        return orders;
    }
}
