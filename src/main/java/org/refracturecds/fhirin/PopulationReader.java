package org.refracturecds.fhirin;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import javax.net.ssl.SSLException;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.refracturecds.http.HttpError;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.client.api.IClientInterceptor;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.IHttpRequest;
import ca.uhn.fhir.rest.client.api.IHttpResponse;
import ca.uhn.fhir.rest.client.api.IRestfulClientFactory;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.exceptions.FhirClientConnectionException;
import ca.uhn.fhir.rest.client.exceptions.NonFhirResponseException;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;

/**
 * Reads from one FHIR R4 server that the user or the settings named (so no allowlist), for the
 * population run and for write-back alike: the patients with a finding (every one, or those whose
 * findings were saved since a date, by {@code _lastUpdated}), the patient a finding is about, and
 * each patient's data as the CDS Hooks service asks for it: the Patient, the Observations with the
 * finding codes and the Conditions that hold. Searches ask for large pages ({@code _count}), for
 * an answer not taken from a cache, and follow the next links while they stay on the server, up to
 * {@value #MAX_PAGES} pages of one patient's data. When the server's CapabilityStatement lists
 * {@value #INCLUDE_PATIENT} among Observation's {@code searchInclude}, the Patient comes with the
 * findings ({@code _include}), one request fewer a patient; otherwise it is read on its own. Each JSON
 * answer is checked as a prefetch is ({@link StrictAnswers}): FHIR that is not valid R4 is refused,
 * naming where, rather than read leniently. A reader may be shared by threads.
 */
public final class PopulationReader {

    /** Why a read failed, as a caller sorts it. */
    public enum Cause {
        /** No connection, or no answer in time. */
        UNREACHABLE,
        /** An answer that is not FHIR. */
        NOT_FHIR,
        /** An HTTP error status ({@link ReadFailed#status()}). */
        HTTP,
        /** FHIR that is not valid R4 JSON. */
        INVALID,
        /** Next-page links that leave the server, repeat, or go on past the cap. */
        PAGING
    }

    /** A read that failed, in words; {@link #stopsRun()} when no other read can succeed either. */
    public static final class ReadFailed extends Exception {
        private final boolean stopsRun;
        private final Cause cause;
        private final int status;
        private final String why;

        /** A failure of the Bulk Data export, which only a run has. */
        ReadFailed(String message, boolean stopsRun) {
            this(Cause.HTTP, 0, stopsRun, message, message);
        }

        ReadFailed(String what, String why, boolean stopsRun, Cause cause, int status) {
            this(cause, status, stopsRun, what + ": " + why, why);
        }

        /** @param message what was read, and why in full; {@code why} without what and without any value */
        private ReadFailed(Cause cause, int status, boolean stopsRun, String message, String why) {
            super(message, null, false, false);
            this.stopsRun = stopsRun;
            this.cause = cause;
            this.status = status;
            this.why = why;
        }

        /** The server is unreachable, is not a FHIR server, or refused the credentials. */
        public boolean stopsRun() {
            return stopsRun;
        }

        public Cause cause() {
            return cause;
        }

        /** The HTTP status the server answered, or 0 when it gave none that matters. */
        public int status() {
            return status;
        }

        /** Why, without what was read: it names no patient. */
        public String why() {
            return why;
        }

        /** The same read may succeed later: the server unreachable, timing out, or answering 5xx, 408 or 429. */
        public boolean retryable() {
            return cause == Cause.UNREACHABLE
                    || cause == Cause.HTTP && (status >= 500 || status == 408 || status == 429);
        }

        /** The server does not hold what was read (404 or 410). */
        public boolean notFound() {
            return cause == Cause.HTTP && (status == 404 || status == 410);
        }
    }

    /** The page size asked for one patient's searches. */
    static final int PAGE_SIZE = 100;
    /** The page size asked for the list of patients. */
    static final int LIST_PAGE_SIZE = 500;
    /** A patient's data beyond this many pages is refused rather than read without end. */
    static final int MAX_PAGES = 20;
    /** Condition clinical statuses that hold, as the CDS Hooks prefetch asks for them. */
    private static final List<String> HOLDING = List.of("active", "recurrence", "relapse");
    /** The include that brings a finding's Patient with it. */
    static final String INCLUDE_PATIENT = "Observation:patient";

    private final IGenericClient client;
    private final String base;
    private final StrictAnswers strict;
    private final String credentialsHint;
    private final PvpProcedures pvp;
    /** Whether the server lists {@value #INCLUDE_PATIENT}; null until its CapabilityStatement has been read. */
    private volatile Boolean includesPatient;

    /**
     * @param client          a client on the server's base (see {@link #client}); the strict check is registered on it
     * @param credentialsHint where the credentials are set, for a server that refuses them
     * @param pvp             the codes of a PVP: its Procedures are read with the findings
     */
    public PopulationReader(IGenericClient client, String credentialsHint, PvpProcedures pvp) {
        this.client = client;
        this.credentialsHint = credentialsHint;
        this.pvp = pvp;
        this.base = client.getServerBase().replaceAll("/+$", "");
        this.strict = new StrictAnswers(client.getFhirContext());
        client.registerInterceptor(strict);
    }

    /**
     * A client on {@code base}: connection and read timeouts, no check of the server's metadata
     * before each call, every request {@code Cache-Control: no-cache}, and the given interceptors
     * (authentication) registered.
     */
    public static IGenericClient client(String base, List<IClientInterceptor> interceptors, int timeoutMillis) {
        FhirContext fhir = FhirContext.forR4();
        IRestfulClientFactory factory = fhir.getRestfulClientFactory();
        factory.setServerValidationMode(ServerValidationModeEnum.NEVER);
        factory.setConnectTimeout(timeoutMillis);
        factory.setSocketTimeout(timeoutMillis);
        factory.setConnectionRequestTimeout(timeoutMillis);
        IGenericClient client = fhir.newRestfulGenericClient(base.replaceAll("/+$", ""));
        client.registerInterceptor(new IClientInterceptor() {
            @Override
            public void interceptRequest(IHttpRequest request) {
                // A JPA server's search cache would miss a finding saved a moment ago.
                request.addHeader("Cache-Control", "no-cache");
            }

            @Override
            public void interceptResponse(IHttpResponse response) {
            }
        });
        interceptors.forEach(client::registerInterceptor);
        return client;
    }

    /** Reads the server's CapabilityStatement: it answers, speaks FHIR, and accepts the credentials. */
    public CapabilityStatement capabilities() throws ReadFailed {
        try {
            CapabilityStatement capabilities = client.capabilities().ofType(CapabilityStatement.class).execute();
            strict.take(); // only read for what it offers: a server's own extensions there do not matter
            includesPatient = lists(capabilities, "Observation", INCLUDE_PATIENT);
            return capabilities;
        } catch (RuntimeException e) {
            throw failed("the server's CapabilityStatement (GET " + base + "/metadata)", e, true);
        }
    }

    /**
     * The ids of the patients with a finding, in the order the server gives them.
     *
     * @param since a FHIR instant or date: only findings saved since then ({@code _lastUpdated=ge}); null for all
     * @param newestFirst the patients whose findings were saved last first ({@code _sort=-_lastUpdated});
     *     a server that does not sort may leave its own order, and one that refuses the sort (400) is
     *     asked again without it
     */
    public List<String> patientsWithFindings(String since, boolean newestFirst) throws ReadFailed {
        try {
            return patientsWithFindings(since, newestFirst ? "&_sort=" + encode("-_lastUpdated") : "");
        } catch (ReadFailed refused) {
            if (newestFirst && refused.status() == 400) {
                return patientsWithFindings(since, ""); // a server that refuses to sort: in its own order
            }
            throw refused;
        }
    }

    private List<String> patientsWithFindings(String since, String sort) throws ReadFailed {
        String url = "Observation?code=" + encode(String.join(",", Codes.findingTokens()))
                + (since == null ? "" : "&_lastUpdated=" + encode("ge" + since))
                + sort
                + "&_elements=subject&_count=" + LIST_PAGE_SIZE;
        Set<String> patients = new LinkedHashSet<>();
        References references = new References(base);
        String what = "the list of patients with findings";
        try {
            Bundle page = strictly(what, true, () -> client.search().byUrl(url).returnBundle(Bundle.class).execute());
            Set<String> seen = new HashSet<>();
            while (true) {
                for (Bundle.BundleEntryComponent entry : page.getEntry()) {
                    if (entry.getResource() instanceof Observation finding && finding.getSubject().hasReference()) {
                        try {
                            String patient = references.patient(finding.getSubject(), entry.getFullUrl(), "subject");
                            if (patient.startsWith("Patient/")) {
                                patients.add(patient.substring("Patient/".length()));
                            }
                        } catch (InputException notThisServers) {
                            // a subject on another server, or no reference: not a patient of this server
                        }
                    }
                }
                if (page.getLink(Bundle.LINK_NEXT) == null) {
                    return List.copyOf(patients);
                }
                page = next(page, what, seen, true);
            }
        } catch (RuntimeException e) {
            throw failed(what, e, true);
        }
    }

    /** Reads each Patient on its own, whatever the server lists: what the include is compared with (JpaIncludeTest). */
    void readPatientsOnTheirOwn() {
        includesPatient = false;
    }

    /**
     * Whether {@code capabilities} lists {@code include} among a type's searchInclude, by name: "*"
     * is not taken at its word (the tests' in-memory HAPI RestfulServer, which ignores includes,
     * passed for one that honours them when it counted).
     */
    static boolean lists(CapabilityStatement capabilities, String type, String include) {
        return capabilities.getRest().stream().flatMap(rest -> rest.getResource().stream())
                .filter(resource -> type.equals(resource.getType()))
                .flatMap(resource -> resource.getSearchInclude().stream())
                .anyMatch(listed -> include.equals(listed.getValue()));
    }

    /**
     * One patient's data: the Patient (left out when the server has none), the Observations with the
     * finding codes, the Conditions that hold and the PVP Procedures (the vertebrae treated), in that order, labelled alike whether the Patient
     * came with the findings or was read on its own.
     */
    public List<InputReader.Entry> patient(String id) throws ReadFailed {
        if (includesPatient == null) {
            try {
                capabilities();
            } catch (ReadFailed e) {
                includesPatient = false; // plain searches then, which say what fails
            }
        }
        List<InputReader.Entry> entries = new ArrayList<>();
        String what = "Patient/" + id;
        String findings = "Observation?patient=" + encode(id) + "&code=" + encode(String.join(",", Codes.findingTokens()))
                + "&_count=" + PAGE_SIZE;
        List<String> reading = List.of("Observation"); // the resource types being read, for a refusal's words
        try {
            if (Boolean.TRUE.equals(includesPatient)) {
                reading = List.of("Observation", "Patient"); // the Patient comes with the findings
                Bundle found = searchBundle(findings + "&_include=" + encode(INCLUDE_PATIENT), "findings of " + what);
                Patient patient = included(found, id, "findings of " + what);
                if (patient == null) {
                    // No finding to include it with, or a server that lists the include but ignores it: read on its own.
                    reading = List.of("Patient");
                    readPatient(id, entries);
                } else {
                    entries.add(new InputReader.Entry(patient, "fetched Patient/" + id));
                }
                entries.addAll(InputReader.entries(found, "fetched findings of " + what));
            } else {
                reading = List.of("Patient");
                readPatient(id, entries);
                reading = List.of("Observation");
                entries.addAll(search(findings, "findings of " + what));
            }
            reading = List.of("Condition");
            entries.addAll(search("Condition?patient=" + encode(id) + "&clinical-status=" + String.join(",", HOLDING)
                    + "&_count=" + PAGE_SIZE, "conditions of " + what));
            reading = List.of("Procedure");
            entries.addAll(search("Procedure?patient=" + encode(id) + "&code=" + encode(String.join(",", pvp.codes()))
                    + "&_count=" + PAGE_SIZE, "PVPs of " + what));
            return entries;
        } catch (RuntimeException e) {
            throw failed(what, reading, e, false);
        }
    }

    private void readPatient(String id, List<InputReader.Entry> entries) throws ReadFailed {
        try {
            Patient patient = strictly("Patient/" + id, false, () -> client.read().resource(Patient.class).withId(id).execute());
            entries.add(new InputReader.Entry(patient, "fetched Patient/" + id));
        } catch (ResourceNotFoundException | ResourceGoneException e) {
            // the findings name a patient the server does not hold: assessed without age
            strict.take();
        }
    }

    /**
     * The Patient the server included with the findings, taken out of {@code found} (each page
     * includes it again), so that the findings stand as a plain search gives them; null when none
     * was included. Anything else included was not asked for and refuses the answer.
     */
    private static Patient included(Bundle found, String id, String what) throws ReadFailed {
        Patient patient = null;
        for (Iterator<Bundle.BundleEntryComponent> entries = found.getEntry().iterator(); entries.hasNext(); ) {
            Bundle.BundleEntryComponent entry = entries.next();
            if (entry.getSearch().getMode() != Bundle.SearchEntryMode.INCLUDE) {
                continue;
            }
            entries.remove();
            if (!(entry.getResource() instanceof Patient included) || !id.equals(included.getIdElement().getIdPart())) {
                throw new ReadFailed(what, "the server included a resource that was not asked for (only Patient/"
                        + id + " was), so none of it is used", false, Cause.INVALID, 0);
            }
            patient = patient == null ? included : patient;
        }
        return patient;
    }

    /**
     * The Patient a finding is about: its id, or null when its subject is no Patient of this server.
     */
    public String patientOf(String observationId) throws ReadFailed {
        String what = "Observation/" + observationId;
        try {
            Observation finding = strictly(what, false,
                    () -> client.read().resource(Observation.class).withId(observationId).execute());
            try {
                String patient = new References(base).patient(finding.getSubject(), base + "/" + what, "subject");
                return patient.startsWith("Patient/") ? patient.substring("Patient/".length()) : null;
            } catch (InputException notThisServers) {
                return null;
            }
        } catch (RuntimeException e) {
            throw failed(what, e, false);
        }
    }

    private List<InputReader.Entry> search(String url, String what) throws ReadFailed {
        return InputReader.entries(searchBundle(url, what), "fetched " + what);
    }

    /** Every page of a search, their entries in one Bundle. */
    private Bundle searchBundle(String url, String what) throws ReadFailed {
        Bundle bundle = strictly(what, false, () -> client.search().byUrl(url).returnBundle(Bundle.class).execute());
        Bundle page = bundle;
        Set<String> seen = new HashSet<>();
        for (int pages = 1; page.getLink(Bundle.LINK_NEXT) != null; pages++) {
            if (pages == MAX_PAGES) {
                throw new ReadFailed(what, "more than " + MAX_PAGES + " pages of " + PAGE_SIZE + "; not read further,"
                        + " and none of it used", false, Cause.PAGING, 0);
            }
            page = next(page, what, seen, false);
            bundle.getEntry().addAll(page.getEntry());
        }
        return bundle;
    }

    /** The next page, when its link stays on the server and names no page read before. */
    private Bundle next(Bundle page, String what, Set<String> seen, boolean stopsRun) throws ReadFailed {
        String next = page.getLink(Bundle.LINK_NEXT).getUrl();
        if (!next.startsWith(base + "/") && !next.startsWith(base + "?")) {
            throw new ReadFailed(what, "the server's next-page link leaves " + base + "; not followed", stopsRun,
                    Cause.PAGING, 0);
        }
        if (!seen.add(next)) {
            throw new ReadFailed(what, "the server's next-page link names a page read before; not followed",
                    stopsRun, Cause.PAGING, 0);
        }
        return strictly(what, stopsRun, () -> client.loadPage().next(page).execute());
    }

    /**
     * One request, its answer checked strictly: FHIR that is not valid R4 refuses it, with where and
     * the problem's code. The problem's words may quote a value, and the path names resources: both
     * are in the message, neither in {@link ReadFailed#why()}.
     */
    private <T> T strictly(String what, boolean stopsRun, Supplier<T> request) throws ReadFailed {
        strict.take(); // what this thread's earlier requests (a write) left
        T answer = request.get();
        InputException problem = strict.take();
        if (problem != null) {
            String why = "the FHIR server answered data that is not valid FHIR R4, so none of it is used";
            throw new ReadFailed(Cause.INVALID, 0, stopsRun, what + ": " + why + " (" + problem.render() + ")",
                    why + " (" + problem.code() + " at " + withoutIds(problem.where()) + ")");
        }
        return answer;
    }

    /** A JSON path with the resources' ids left out ({@code (Observation/ivc-1)} becomes {@code (Observation)}). */
    private static String withoutIds(String where) {
        return where.replaceAll("\\(([A-Za-z]+)/[^)]*\\)", "($1)");
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /**
     * Why a read failed, in words, never a Java class name. Connection failures, answers that are
     * not FHIR and refused credentials stop the run; anything else is about this read only, unless
     * {@code stopsRun} says every read is.
     */
    private ReadFailed failed(String what, RuntimeException e, boolean stopsRun) {
        return failed(what, List.of(), e, stopsRun);
    }

    /** @param types the resource types read when it failed (a 403 names them: the credentials' scope may lack one), or none */
    private ReadFailed failed(String what, List<String> types, RuntimeException e, boolean stopsRun) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof HttpError noToken) {
                // The authorization server of SMART Backend Services gave no token (ServerCredentials).
                return new ReadFailed(what, noToken.where() + ": " + noToken.getMessage(), true, Cause.UNREACHABLE, 0);
            }
        }
        if (e instanceof FhirClientConnectionException) {
            Throwable cause = e.getCause();
            String why = cause instanceof ConnectException ? "connection refused: nothing listens at its address"
                    : cause instanceof UnknownHostException ? "its host name is unknown"
                    : cause instanceof SocketTimeoutException ? "no answer in time"
                    : cause instanceof SSLException ? "the TLS connection failed: is its certificate trusted?"
                    : "the connection failed";
            return new ReadFailed(what, "the FHIR server at " + base + " is unreachable (" + why + ")", true,
                    Cause.UNREACHABLE, 0);
        }
        if (e instanceof NonFhirResponseException nonFhir) {
            return new ReadFailed(what, "the server at " + base + " answered HTTP " + nonFhir.getStatusCode()
                    + " with something that is not FHIR: is this the base URL of a FHIR R4 server?", true,
                    Cause.NOT_FHIR, nonFhir.getStatusCode());
        }
        if (e instanceof BaseServerResponseException http) {
            int status = http.getStatusCode();
            if (status == 401 || status == 403) {
                return new ReadFailed(what, "the FHIR server answered HTTP " + status + ": the credentials were "
                        + (status == 401 ? "missing or refused (" + credentialsHint + ")"
                        : types.isEmpty() ? "accepted but may not read this"
                        : "accepted but may not read " + String.join(" and ", types) + ": check the scope they are given ("
                        + String.join(", ", types.stream().map(type -> type + ".read").toList()) + ")"),
                        true, Cause.HTTP, status);
            }
            if (status == 404 && stopsRun) {
                return new ReadFailed(what, "the server at " + base + " answered HTTP 404: is this the base URL of a"
                        + " FHIR R4 server?", true, Cause.HTTP, status);
            }
            return new ReadFailed(what, "the FHIR server answered HTTP " + status, stopsRun, Cause.HTTP, status);
        }
        if (e instanceof DataFormatException) {
            return new ReadFailed(what, "the server's answer is not FHIR R4 JSON or XML that can be read", true,
                    Cause.NOT_FHIR, 0);
        }
        return new ReadFailed(what, "the read failed unexpectedly", true, Cause.UNREACHABLE, 0);
    }
}
