package org.refracturecds.cdshooks;

import org.refracturecds.fhirin.FhirFetcher;
import org.refracturecds.http.ServiceConfig;
import org.refracturecds.http.HttpError;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Vertebra;
import org.refracturecds.facts.Vocabulary;
import org.refracturecds.facts.Wording;
import org.refracturecds.fhirin.Codes;
import org.refracturecds.fhirin.InputException;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.ObservationMapper;
import org.refracturecds.fhirin.PartialBundles;
import org.refracturecds.fhirin.PvpProcedures;
import org.refracturecds.fhirin.References;
import org.refracturecds.validation.InputValidation;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Answers a CDS Hooks call: checks the request, gets the findings (prefetch, else the EHR's FHIR
 * server), runs the rules and writes the cards.
 *
 * <ul>
 * <li>pvp-refracture-preop: a card only when a PVP order is among the draft orders (for
 *     order-select, among the newly selected ones): the pre-operative estimate under each
 *     technique scenario, with the guidance, for the vertebrae the orders name (all when one
 *     names none); an info card when no finding of them is on record.
 * <li>pvp-refracture-risk: a card when post-operative findings exist. When a PVP is on record
 *     but the post-operative findings are missing, a card says so, with the estimate by scenario
 *     if pre-operative findings exist. No PVP and no findings: no card.
 * </ul>
 * A fetch that cannot be had is 412; a fetch that runs past the time budget gives an info card
 * that says what could not be fetched, and no estimate.
 */
final class CdsHooks {

    /** Where the findings are in the request, for messages. */
    private static final String FINDINGS = "prefetch.findings";

    private final ObjectMapper json;
    private final Supplier<Assessor> assessor;
    private final FhirFetcher fetcher;
    private final CardWriter cards;
    private final InputValidation validation;
    private final Semaphore turns;
    private final PvpProcedures pvp;
    private final int fetchTimeoutMillis;
    private final Clock clock;

    CdsHooks(ServiceConfig config, ObjectMapper json, Supplier<Assessor> assessor, FhirFetcher fetcher,
             CardWriter cards, Semaphore turns, InputValidation validation, Clock clock) {
        this.json = json;
        this.assessor = assessor;
        this.fetcher = fetcher;
        this.cards = cards;
        this.turns = turns;
        this.validation = validation;
        this.pvp = new PvpProcedures(config.extraPvpCodes());
        this.fetchTimeoutMillis = config.fetchTimeoutMillis();
        this.clock = clock;
    }

    ObjectNode discovery() {
        return CdsService.discovery(json, pvp.codes());
    }

    /**
     * Answers one call; the caller holds one of {@code turns}, which is given away while fetching.
     * The fhirServer allowlist guards connections: a call whose prefetch is complete is answered
     * whatever fhirServer it names, and only a fetch that is needed from a server not on the list
     * is refused (an optional key is then left out, as without a fhirServer).
     */
    ObjectNode call(CdsService service, JsonNode body) {
        HookRequest request = HookRequest.parse(body, service);
        String base = request.fhirServer() == null ? null : fetcher.allowed(request.fhirServer());
        References references = new References(request.fhirServer());
        Assessor rules = assessor.get();
        checkPatient(request);
        List<Order> orders = List.of();
        if (service == CdsService.PREOP) {
            orders = pvpOrders(request, rules.rules().vocabulary(), references);
            if (orders.isEmpty()) {
                return response(List.of());
            }
        }
        Map<String, List<InputReader.Entry>> data = new LinkedHashMap<>();
        List<CdsService.Prefetch> missing = new ArrayList<>();
        List<String> incomplete = new ArrayList<>();
        for (CdsService.Prefetch prefetch : service.prefetch(pvp.codes())) {
            JsonNode sent = request.prefetched(prefetch.key());
            // The findings and the PVPs on record decide the estimate: another key sent in part (the Conditions) is
            // read as sent, the exclusions it may leave out named by the rules.
            String partial = sent == null || !DECIDING.contains(prefetch.key()) ? null : PartialBundles.why(sent);
            if (sent != null && partial == null) {
                data.put(prefetch.key(), read(sent, prefetch.key(), request.patientId(), references));
            } else if (base != null || !prefetch.optional() && sent == null) {
                missing.add(prefetch); // a part sent is fetched whole, every page of it
            } else if (partial != null) {
                incomplete.add("prefetch." + prefetch.key() + " " + partial);
            }
        }
        if (!incomplete.isEmpty()) {
            return response(List.of(cards.infoCard("Refracture risk not assessed: what the EHR sent is incomplete",
                    "What the EHR sent is not all there is: " + String.join("; ", incomplete) + ", and the request names"
                    + " no fhirServer to read the rest from. No estimate is shown rather than one from incomplete"
                    + " data: a finding or a PVP not read could change it.")));
        }
        if (!missing.isEmpty()) {
            List<String> late;
            // Waiting on the network needs no CPU: give the turn to the next request meanwhile.
            turns.release();
            try {
                late = fetch(request, base, missing, data);
            } finally {
                turns.acquireUninterruptibly();
            }
            late.removeIf(key -> missing.stream().anyMatch(p -> p.key().equals(key) && p.optional()));
            if (!late.isEmpty()) {
                return response(List.of(cards.infoCard("Refracture risk not assessed: the EHR's FHIR server did not"
                        + " answer in time", "These could not be fetched from the EHR's FHIR server within "
                        + fetchTimeoutMillis + " ms: " + String.join(", ", late) + ". No estimate is shown rather than"
                        + " one from incomplete findings; it will be shown when the findings can be had.")));
            }
        }
        Input input = new Input(data, request.patientId(), references,
                request.encounterId() == null ? null : "Encounter/" + request.encounterId());
        try {
            return service == CdsService.PREOP ? preoperative(rules, orders, input) : afterPvp(rules, input);
        } catch (UnusableFindings e) {
            List<String> done = pvpsDone(input);
            return response(List.of(cards.infoCard("Refracture risk not assessed: the imaging findings on record"
                    + " could not be used", (done.isEmpty() ? "" : "A PVP is on record (" + String.join(", ", done) + "). ")
                    + "The patient " + atMost(e.getMessage(), UNUSABLE_ON_CARD) + ". No estimate is shown rather than one"
                    + " that leaves these out silently; correct them in the record (docs/CODES.md).")));
        }
    }

    /** The characters of the reasons the findings could not be used that a card shows. */
    private static final int UNUSABLE_ON_CARD = 1000;

    /** {@code reasons} ("has no usable finding...: A left out, ...; B left out, ...") cut at a "; ", between reasons or within one. */
    private static String atMost(String reasons, int characters) {
        if (reasons.length() <= characters) {
            return reasons;
        }
        int cut = reasons.lastIndexOf("; ", characters);
        return (cut > 0 ? reasons.substring(0, cut) : HttpError.cut(reasons, characters)) + "; and others left out alike";
    }

    /** "Procedure/pvp-1 (2025-03-05)" for each PVP on record that counts as done. */
    private List<String> pvpsDone(Input input) {
        return input.get("procedures").stream().map(InputReader.Entry::resource)
                .filter(r -> r instanceof Procedure procedure && pvp.isDone(procedure))
                .map(r -> PvpProcedures.named((Procedure) r)).toList();
    }

    /** The prefetch keys an estimate depends on: one sent in part gives no estimate, or is fetched whole. */
    private static final List<String> DECIDING = List.of("findings", "procedures");

    /** Findings were sent, but none of them could be used: the card says why, rather than showing nothing. */
    private static final class UnusableFindings extends RuntimeException {
        UnusableFindings(String message) {
            super(message, null, false, false);
        }
    }

    /** What the call brought, by prefetch key (sent or fetched), with how to read its references. */
    private record Input(Map<String, List<InputReader.Entry>> data, String patientId, References references,
                         String encounter) {

        List<InputReader.Entry> get(String key) {
            return data.getOrDefault(key, List.of());
        }
    }

    /**
     * The card for PVP orders: about the vertebrae they name (bodySite), or about every vertebra
     * with findings when an order names none.
     *
     * @param rules the live rules, taken once for the whole call
     */
    private ObjectNode preoperative(Assessor rules, List<Order> orders, Input input) {
        String ordered = "Ordered: " + orders.stream().map(Order::label).collect(Collectors.joining(", ")) + ".";
        List<String> notes = new ArrayList<>(List.of(ordered));
        orders.stream().filter(order -> !order.unknownSites().isEmpty()).forEach(order -> notes.add(order.name()
                + " names " + String.join("; ", order.unknownSites()) + ": not a vertebra this module knows (T4 to L5,"
                + " the levels the paper studied; a deployment adds its codes to rules/vocabulary.drl.csv)."));
        boolean namesNone = orders.stream().anyMatch(order -> order.levels().isEmpty() && order.unknownSites().isEmpty());
        if (!namesNone && orders.stream().allMatch(order -> order.levels().isEmpty())) {
            return response(List.of(cards.infoCard("PVP ordered at a site this module cannot assess: no refracture"
                    + " risk estimated", String.join(" ", notes) + " " + rules.rules().wording(Wording.SITE_NOT_STUDIED))));
        }
        PatientFindings patient = findingsOf(rules, input);
        if (patient != null && !input.data().containsKey("procedures")) {
            patient = patient.withNotices(List.of(Notice.info("PVP-I112", "patient", "The patient's PVPs on record"
                    + " (Procedure) were not part of the input (not sent, or not had from the FHIR server in time), so"
                    + " whether a level ordered was cemented before (PVP-A108) was not checked")));
        }
        if (patient == null) {
            return response(List.of(cards.infoCard("PVP ordered: no imaging findings on record to estimate the"
                    + " refracture risk", String.join(" ", notes) + " But " + noFindings(rules))));
        }
        Set<String> orderedLevels = Set.of();
        if (!namesNone) {
            Set<String> levels = orders.stream().flatMap(order -> order.levels().stream())
                    .collect(Collectors.toCollection(LinkedHashSet::new));
            orderedLevels = levels;
            List<String> others = patient.vertebrae().stream().map(Vertebra::getLevel)
                    .filter(level -> level != null && !levels.contains(level)).toList();
            patient = patient.atLevels(levels);
            if (patient.vertebrae().isEmpty()) {
                String named = String.join(", ", levels);
                return response(List.of(cards.infoCard("PVP ordered at " + named + ": no imaging findings of that"
                        + " level on record", String.join(" ", notes) + " The imaging findings on record are of "
                        + String.join(", ", others) + " only, so no refracture risk of " + named + " is estimated."
                        + " Findings whose bodySite names " + named + ", coded per CodeSystem " + Codes.FINDINGS
                        + ", give one.")));
            }
            if (!others.isEmpty()) {
                notes.add("Findings of " + String.join(", ", others) + " are on record too; this card is about the"
                        + " level ordered.");
            }
            Set<String> found = patient.vertebrae().stream().map(Vertebra::getLevel).collect(Collectors.toSet());
            List<String> without = levels.stream().filter(level -> !found.contains(level)).toList();
            if (!without.isEmpty()) {
                notes.add(String.join(", ", without) + " ordered, but no imaging finding of " + (without.size() == 1
                        ? "it" : "them") + " is on record: no refracture risk of " + String.join(", ", without)
                        + " is estimated.");
            }
        }
        Assessment assessment = rules.assessOrder(patient, orderedLevels);
        // A level ordered that was cemented before (PVP-A108): its estimate is of that cement, said first and whole.
        List<String> treated = assessment.notices().stream().filter(n -> n.code().equals(Assessor.TREATED_BEFORE))
                .map(n -> n.where() + (n.message().startsWith("may") ? " may have been" : " was") + " treated by PVP"
                        + " before: its estimate is of the earlier cement, not of the PVP ordered, and the study enrolled"
                        + " no patient with a PVP before (" + Assessor.TREATED_BEFORE + ").").toList();
        notes.addAll(0, treated);
        return response(List.of(cards.assessmentCard(assessment, input.encounter(),
                orders.stream().map(Order::id).toList(),
                treated.isEmpty() ? "PVP ordered" : "PVP ordered at a level treated before", notes)));
    }

    private ObjectNode afterPvp(Assessor rules, Input input) {
        List<String> done = pvpsDone(input);
        // The vertebra a PVP on record treated is after PVP, its post-op findings sent or not (ObservationMapper).
        PatientFindings patient = findingsOf(rules, input);
        Assessment assessment = patient == null ? null : rules.assess(patient);
        String onRecord = "A PVP is on record (" + String.join(", ", done) + ")";
        if (assessment == null) {
            return response(done.isEmpty() ? List.of() : List.of(cards.infoCard(onRecord.replace("A PVP is", "PVP")
                    + ": no imaging findings to estimate the refracture risk", onRecord + ", but " + noFindings(rules))));
        }
        boolean postOperative = assessment.input().vertebrae().stream()
                .anyMatch(v -> "post-operative".equals(v.getPhase()));
        boolean treatedWithoutPostOp = assessment.notices().stream()
                .anyMatch(n -> n.code().equals(ObservationMapper.TREATED_WITHOUT_POST_OP));
        if (postOperative && !treatedWithoutPostOp) {
            return response(List.of(cards.assessmentCard(assessment, input.encounter(), List.of(), "After PVP", List.of())));
        }
        if (done.isEmpty()) {
            return response(List.of());
        }
        if (!postOperative) {
            // Every PVP on record treated a level with no findings here (PVP-W123): the vertebrae with findings were
            // not treated, so nothing is after PVP; as with no PVP on record, their pre-operative estimate is no card.
            String levels = assessment.input().vertebrae().stream().map(Vertebra::getLabel).collect(Collectors.joining(", "));
            String why = assessment.notices().stream().filter(n -> n.code().equals("PVP-W123"))
                    .map(n -> n.where() + " " + n.message()).collect(Collectors.joining("; "));
            return response(List.of(cards.infoCard("PVP on record of a level without imaging findings: no refracture"
                    + " risk of it estimated", (why.isEmpty() ? onRecord : "PVP on record: " + why)
                    + ". The imaging findings on record are of " + levels + ", which no PVP on record treated."
                    + " Post-operative findings of the level treated (cement-endplate contact, reduction rate), coded per"
                    + " CodeSystem " + Codes.FINDINGS + ", give its estimate.")));
        }
        // A PVP of a level with no findings (PVP-W123) beside a level after PVP leaves the others as they are; the card
        // says the post-op findings are missing.
        return response(List.of(cards.assessmentCard(assessment, input.encounter(), List.of(), "After PVP, post-op findings missing",
                List.of(onRecord + ", but " + rules.rules().wording(Wording.POST_OP_MISSING)))));
    }

    /**
     * The patient's findings, checked against the profiles as set; null when there is no finding of
     * a vertebra. The patient (for the age) and the Conditions (for the study's exclusions) go along.
     */
    private PatientFindings findingsOf(Assessor rules, Input input) {
        List<InputReader.Entry> findings = input.get("findings");
        if (findings.stream().noneMatch(e -> e.resource() instanceof Observation || e.resource() instanceof DiagnosticReport)) {
            return null;
        }
        List<InputValidation.Problem> problems = validation.check(findings);
        if (validation.mode() == InputValidation.Mode.STRICT && !problems.isEmpty()) {
            throw new HttpError(422, "PVP-H110", problems.get(0).at(FINDINGS), "does not conform to its profile"
                    + " (fhir-profiles/; setting validation: strict): " + problems.stream().limit(5)
                    .map(p -> p.at(FINDINGS) + ": " + p.issue().message()).collect(Collectors.joining("; "))
                    + (problems.size() > 5 ? "; and " + (problems.size() - 5) + " more" : ""));
        }
        List<InputReader.Entry> all = new ArrayList<>(findings);
        all.addAll(input.get("patient"));
        all.addAll(input.get("conditions"));
        all.addAll(input.get("procedures"));
        List<PatientFindings> patients;
        try {
            patients = new ObservationMapper(rules.rules().vocabulary(), input.references(), clock, pvp)
                    .map(all, input.data().containsKey("conditions"));
        } catch (InputException e) {
            if (e.code().equals("PVP-E109")) {
                return null;
            }
            if (e.code().equals("PVP-E117")) {
                throw new UnusableFindings(e.getMessage());
            }
            throw new HttpError(400, e.code(), e.where().startsWith("prefetch.") || e.where().startsWith("fetched ")
                    ? e.where() : InputReader.within(FINDINGS, e.where()), e.getMessage());
        }
        String expected = "Patient/" + input.patientId();
        for (PatientFindings other : patients) {
            if (!other.patient().equals(expected)) {
                throw new HttpError(400, "PVP-H109", FINDINGS, "holds findings of " + other.patient() + " ("
                        + String.join(", ", other.basis()) + "), not of context.patientId " + input.patientId()
                        + ": only this patient's data may be sent");
            }
        }
        return patients.get(0).withNotices(problems.stream().map(InputValidation.Problem::notice).toList());
    }

    private static String noFindings(Assessor rules) {
        return rules.rules().wording(Wording.NO_FINDINGS) + ", coded per CodeSystem " + Codes.FINDINGS + ".";
    }

    /**
     * Fetches the missing keys in parallel within the budget; returns the keys that ran out of time.
     * When the budget ends, the fetches still running are aborted, their threads freed.
     */
    private List<String> fetch(HookRequest request, String base, List<CdsService.Prefetch> missing,
                               Map<String, List<InputReader.Entry>> data) {
        if (base == null && request.fhirServer() != null) {
            throw FhirFetcher.notAllowed(request.fhirServer());
        }
        if (base == null) {
            throw new HttpError(412, "PVP-H302", "prefetch." + missing.get(0).key(), "was not sent (or was null or"
                    + " an OperationOutcome) and the request names no fhirServer to fetch it from: send it as "
                    + missing.get(0).template());
        }
        List<String> late = new ArrayList<>();
        try (FhirFetcher.Fetches fetches = fetcher.fetches(System.nanoTime()
                + TimeUnit.MILLISECONDS.toNanos(fetchTimeoutMillis))) {
            Map<CdsService.Prefetch, CompletableFuture<Bundle>> started = new LinkedHashMap<>();
            for (CdsService.Prefetch prefetch : missing) {
                started.put(prefetch, fetches.search(base, request.accessToken(), prefetch.resourceType(),
                        request.patientId(), prefetch.param(), prefetch.values()));
            }
            for (Map.Entry<CdsService.Prefetch, CompletableFuture<Bundle>> search : started.entrySet()) {
                CdsService.Prefetch prefetch = search.getKey();
                Bundle found;
                try {
                    found = fetches.await(search.getValue());
                } catch (FhirFetcher.FetchFailed e) {
                    if (!prefetch.optional()) {
                        throw new HttpError(412, "PVP-H303", "prefetch." + prefetch.key(),
                                "was not sent and cannot be fetched: " + e.getMessage());
                    }
                    found = null; // not had, like a late answer: named as not checked
                }
                if (found == null) {
                    late.add(prefetch.key());
                    continue;
                }
                List<InputReader.Entry> entries = InputReader.entries(found, "fetched " + prefetch.key());
                sameSubject(entries, request.patientId(), "fetched " + prefetch.key(), new References(base));
                data.put(prefetch.key(), entries);
            }
        } // the fetches still running are aborted here
        return late;
    }

    private List<InputReader.Entry> read(JsonNode resource, String key, String patientId, References references) {
        List<InputReader.Entry> entries;
        try {
            entries = new InputReader(FhirContext.forR4Cached()).read(resource);
        } catch (InputException e) {
            throw new HttpError(400, e.code(), InputReader.within("prefetch." + key, e.where()), e.getMessage());
        }
        sameSubject(entries, patientId, "prefetch." + key, references);
        return entries;
    }

    /**
     * Refuses data of another patient, or of a patient on another server: an EHR mix-up must never
     * become this patient's card. Resources without a subject are left to the mapping, which names them.
     */
    private static void sameSubject(List<InputReader.Entry> entries, String patientId, String where,
                                    References references) {
        for (InputReader.Entry entry : entries) {
            Reference subject = entry.resource() instanceof Observation o ? o.getSubject()
                    : entry.resource() instanceof Procedure p ? p.getSubject()
                    : entry.resource() instanceof Condition c ? c.getSubject()
                    : entry.resource() instanceof DiagnosticReport r ? r.getSubject() : null;
            if (subject == null || !subject.hasReference()) {
                continue;
            }
            String at = InputReader.within(where, (entry.where().equals("the input") ? "" : entry.where() + ".resource ")
                    + "(" + entry.resource().fhirType() + (entry.resource().getIdElement().hasIdPart()
                    ? "/" + entry.resource().getIdElement().getIdPart() : "") + ").subject");
            String patient;
            try {
                patient = references.patient(subject, entry.fullUrl(), at);
            } catch (InputException e) {
                throw new HttpError(400, e.code(), at, e.getMessage());
            }
            if (patient.contains("://")) {
                throw new HttpError(400, "PVP-H115", at, "is " + subject.getReference() + ", an absolute reference,"
                        + " but the request names no fhirServer and the Bundle entry no fullUrl, so its server cannot"
                        + " be compared: send Patient/" + patientId + ", or the request's fhirServer");
            }
            if (!patient.equals("Patient/" + patientId)) {
                throw new HttpError(400, "PVP-H109", at, "is " + subject.getReference() + ", not Patient/" + patientId
                        + " of context.patientId: only this patient's data may be sent");
            }
        }
    }

    private static void checkPatient(HookRequest request) {
        JsonNode patient = request.prefetched("patient");
        if (patient != null && (!"Patient".equals(patient.path("resourceType").asText())
                || !request.patientId().equals(patient.path("id").asText()))) {
            throw new HttpError(400, "PVP-H109", "prefetch.patient", "is " + patient.path("resourceType").asText()
                    + "/" + patient.path("id").asText() + ", not Patient/" + request.patientId() + " of context.patientId");
        }
    }

    /**
     * A PVP order, the vertebrae its bodySite names (T4-L5), and the sites it names that are no
     * vertebra this module knows ("http://snomed.info/sct|14806007 'C1'").
     *
     * @param id "ServiceRequest/pvp-order-1", or null for a draft order without an id of its own (a
     *           urn:uuid fullUrl means nothing outside the request): nothing can reference it
     */
    record Order(String id, List<String> levels, List<String> unknownSites) {

        /** "ServiceRequest/pvp-order-1", or what an order without an id is called. */
        String name() {
            return id != null ? id : "the draft PVP order without an id";
        }

        /** "ServiceRequest/pvp-order-1 (T12)" */
        String label() {
            return levels.isEmpty() ? name() : name() + " (" + String.join(", ", levels) + ")";
        }
    }

    /**
     * The PVP orders among the draft orders, read as FHIR (a malformed order is 400 with its path);
     * for order-select only the newly selected ones. An order for another patient is refused.
     */
    private List<Order> pvpOrders(HookRequest request, Vocabulary vocabulary, References references) {
        List<InputReader.Entry> entries;
        try {
            entries = new InputReader(FhirContext.forR4Cached()).read(request.draftOrders());
        } catch (InputException e) {
            throw new HttpError(400, e.code(), InputReader.within("context.draftOrders", e.where()), e.getMessage());
        }
        List<Order> found = new ArrayList<>();
        for (InputReader.Entry entry : entries) {
            if (!(entry.resource() instanceof ServiceRequest order) || !pvp.isPvp(order.getCode())
                    || order.hasStatus() && ENDED_ORDERS.contains(order.getStatus().toCode())) {
                continue;
            }
            // HAPI makes a urn:uuid fullUrl the id of a resource without one: that is no id.
            String idPart = order.getIdElement().getIdPart();
            String id = References.isFhirId(idPart) ? "ServiceRequest/" + idPart : null;
            if (request.hook().equals("order-select") && !request.selections().contains(id)) {
                continue;
            }
            String at = InputReader.within("context.draftOrders", entry.where() + ".resource"
                    + (id == null ? "" : " (" + id + ")") + ".subject");
            String patient;
            try {
                patient = references.patient(order.getSubject(), entry.fullUrl(), at);
            } catch (InputException e) {
                throw new HttpError(400, e.code(), at, e.getMessage());
            }
            if (!patient.equals("Patient/" + request.patientId())) {
                throw new HttpError(400, "PVP-H109", at, "is " + order.getSubject().getReference() + ", not Patient/"
                        + request.patientId() + " of context.patientId: an order for another patient gets no card here");
            }
            Set<String> levels = new LinkedHashSet<>();
            List<String> unknown = new ArrayList<>();
            for (CodeableConcept site : order.getBodySite()) {
                ObservationMapper.levelOf(vocabulary, site).ifPresentOrElse(levels::add,
                        () -> unknown.add("bodySite " + HttpError.cut(ObservationMapper.bodySite(site), 80)));
            }
            found.add(new Order(id, List.copyOf(levels), List.copyOf(unknown)));
        }
        return found;
    }

    /** Orders that no longer stand. */
    private static final List<String> ENDED_ORDERS = List.of("revoked", "entered-in-error", "completed");

    private ObjectNode response(List<ObjectNode> cardList) {
        ObjectNode response = json.createObjectNode();
        ArrayNode array = response.putArray("cards");
        cardList.forEach(array::add);
        return response;
    }
}
