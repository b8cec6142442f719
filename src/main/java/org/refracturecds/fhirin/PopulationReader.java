package org.refracturecds.fhirin;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import javax.net.ssl.SSLException;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;

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
 * Reads a population from one FHIR R4 server that the user named (so no allowlist): the patients
 * with a finding (every one, or those whose findings were saved since a date, by
 * {@code _lastUpdated}), then each patient's data as the CDS Hooks service asks for it: the Patient,
 * the Observations with the finding codes and the Conditions that hold. Searches ask for large
 * pages ({@code _count}), for an answer not taken from a cache, and follow the next links while
 * they stay on the server.
 */
public final class PopulationReader {

    /** A read that failed, in words; {@link #stopsRun()} when no other read can succeed either. */
    public static final class ReadFailed extends Exception {
        private final boolean stopsRun;

        ReadFailed(String message, boolean stopsRun) {
            super(message);
            this.stopsRun = stopsRun;
        }

        /** The server is unreachable, is not a FHIR server, or refused the credentials. */
        public boolean stopsRun() {
            return stopsRun;
        }
    }

    /** The page size asked for one patient's searches. */
    static final int PAGE_SIZE = 100;
    /** The page size asked for the list of patients. */
    static final int LIST_PAGE_SIZE = 500;
    /** A patient's data beyond this many pages is refused rather than read without end. */
    private static final int MAX_PAGES = 20;
    /** Condition clinical statuses that hold, as the CDS Hooks prefetch asks for them. */
    private static final List<String> HOLDING = List.of("active", "recurrence", "relapse");

    private final IGenericClient client;
    private final String base;

    /** @param client a client on the server's base (see {@link #client}) */
    public PopulationReader(IGenericClient client) {
        this.client = client;
        this.base = client.getServerBase().replaceAll("/+$", "");
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
            return client.capabilities().ofType(CapabilityStatement.class).execute();
        } catch (RuntimeException e) {
            throw failed("the server's CapabilityStatement (GET " + base + "/metadata)", e, true);
        }
    }

    /**
     * The ids of the patients with a finding, in the order the server gives them.
     *
     * @param since a FHIR instant or date: only findings saved since then ({@code _lastUpdated=ge}); null for all
     */
    public List<String> patientsWithFindings(String since) throws ReadFailed {
        String url = "Observation?code=" + encode(String.join(",", Codes.findingTokens()))
                + (since == null ? "" : "&_lastUpdated=" + encode("ge" + since))
                + "&_elements=subject&_count=" + LIST_PAGE_SIZE;
        Set<String> patients = new LinkedHashSet<>();
        References references = new References(base);
        try {
            Bundle page = client.search().byUrl(url).returnBundle(Bundle.class).execute();
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
                page = next(page, "the list of patients with findings");
            }
        } catch (RuntimeException e) {
            throw failed("the list of patients with findings", e, true);
        }
    }

    /**
     * One patient's data: the Patient (left out when the server has none), the Observations with the
     * finding codes and the Conditions that hold.
     */
    public List<InputReader.Entry> patient(String id) throws ReadFailed {
        List<InputReader.Entry> entries = new ArrayList<>();
        String what = "Patient/" + id;
        try {
            try {
                Patient patient = client.read().resource(Patient.class).withId(id).execute();
                entries.add(new InputReader.Entry(patient, "fetched Patient/" + id));
            } catch (ResourceNotFoundException | ResourceGoneException e) {
                // the findings name a patient the server does not hold: assessed without age
            }
            entries.addAll(search("Observation?patient=" + encode(id) + "&code="
                    + encode(String.join(",", Codes.findingTokens())) + "&_count=" + PAGE_SIZE, "findings of " + what));
            entries.addAll(search("Condition?patient=" + encode(id) + "&clinical-status=" + String.join(",", HOLDING)
                    + "&_count=" + PAGE_SIZE, "conditions of " + what));
            return entries;
        } catch (RuntimeException e) {
            throw failed(what, e, false);
        }
    }

    private List<InputReader.Entry> search(String url, String what) throws ReadFailed {
        Bundle bundle = client.search().byUrl(url).returnBundle(Bundle.class).execute();
        Bundle page = bundle;
        for (int pages = 1; page.getLink(Bundle.LINK_NEXT) != null; pages++) {
            if (pages == MAX_PAGES) {
                throw new ReadFailed(what + ": more than " + MAX_PAGES + " pages of " + PAGE_SIZE, false);
            }
            page = next(page, what);
            bundle.getEntry().addAll(page.getEntry());
        }
        return InputReader.entries(bundle, "fetched " + what);
    }

    private Bundle next(Bundle page, String what) throws ReadFailed {
        String next = page.getLink(Bundle.LINK_NEXT).getUrl();
        if (!next.startsWith(base + "/") && !next.startsWith(base + "?")) {
            throw new ReadFailed(what + ": the server's next-page link leaves " + base + "; not followed", false);
        }
        return client.loadPage().next(page).execute();
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
        String at = what + ": ";
        if (e instanceof FhirClientConnectionException) {
            Throwable cause = e.getCause();
            String why = cause instanceof ConnectException ? "connection refused: nothing listens at its address"
                    : cause instanceof UnknownHostException ? "its host name is unknown"
                    : cause instanceof SocketTimeoutException ? "no answer in time"
                    : cause instanceof SSLException ? "the TLS connection failed: is its certificate trusted?"
                    : "the connection failed";
            return new ReadFailed(at + "the FHIR server at " + base + " is unreachable (" + why + ")", true);
        }
        if (e instanceof NonFhirResponseException nonFhir) {
            return new ReadFailed(at + "the server at " + base + " answered HTTP " + nonFhir.getStatusCode()
                    + " with something that is not FHIR: is this the base URL of a FHIR R4 server?", true);
        }
        if (e instanceof BaseServerResponseException http) {
            int status = http.getStatusCode();
            if (status == 401 || status == 403) {
                return new ReadFailed(at + "the FHIR server answered HTTP " + status + ": the credentials were "
                        + (status == 401 ? "missing or refused (--bearer-token-env names the variable that holds a token)"
                        : "accepted but may not read this"), true);
            }
            if (status == 404 && stopsRun) {
                return new ReadFailed(at + "the server at " + base + " answered HTTP 404: is this the base URL of a"
                        + " FHIR R4 server?", true);
            }
            return new ReadFailed(at + "the FHIR server answered HTTP " + status, stopsRun);
        }
        if (e instanceof DataFormatException) {
            return new ReadFailed(at + "the server's answer is not FHIR R4 JSON or XML that can be read", true);
        }
        return new ReadFailed(at + "the read failed unexpectedly", true);
    }
}
