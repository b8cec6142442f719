package org.refracturecds.cdshooks;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.List;

import org.apache.http.client.config.RequestConfig;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClientBuilder;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.IRestfulClientFactory;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.exceptions.FhirClientConnectionException;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.gclient.ReferenceClientParam;
import ca.uhn.fhir.rest.gclient.TokenClientParam;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;

/**
 * Fetches what the EHR did not prefetch, from the EHR's FHIR server, with HAPI's generic client.
 *
 * <p>Only a server on the configured allowlist is ever contacted, compared as exact base URLs:
 * a request naming anything else (localhost, a link-local or metadata address, a file: URL) is
 * refused before any connection. Redirects are not followed, and a paging link that leaves the
 * allowlisted base is refused. Every connection and read has a timeout.
 */
final class FhirFetcher implements AutoCloseable {

    /** A fetch that failed for a reason other than time: the server refused, or is not there. */
    static final class FetchFailed extends Exception {
        FetchFailed(String message) {
            super(message);
        }
    }

    private static final int MAX_PAGES = 20;

    private final List<String> allowlist;
    private final FhirContext fhir;
    private final CloseableHttpClient http;

    FhirFetcher(List<String> allowlist, int timeoutMillis) {
        this.allowlist = List.copyOf(allowlist);
        RequestConfig timeouts = RequestConfig.custom().setConnectTimeout(timeoutMillis)
                .setSocketTimeout(timeoutMillis).setConnectionRequestTimeout(timeoutMillis)
                .setRedirectsEnabled(false).build();
        this.http = HttpClientBuilder.create().disableRedirectHandling().disableCookieManagement()
                .setDefaultRequestConfig(timeouts).setMaxConnTotal(64).setMaxConnPerRoute(32).build();
        this.fhir = FhirContext.forR4();
        IRestfulClientFactory factory = fhir.getRestfulClientFactory();
        factory.setServerValidationMode(ServerValidationModeEnum.NEVER);
        factory.setHttpClient(http);
    }

    /** The request's fhirServer as a base URL if it is on the allowlist, else null: it is never contacted. */
    String allowed(String fhirServer) {
        String base = fhirServer.endsWith("/") ? fhirServer.substring(0, fhirServer.length() - 1) : fhirServer;
        return allowlist.contains(base) ? base : null;
    }

    /** 403 for a fetch that is needed from a server not on the allowlist. */
    static HttpError notAllowed(String fhirServer) {
        return new HttpError(403, "PVP-H301", "fhirServer", "'" + abbreviate(fhirServer) + "' is not on this"
                + " service's allowlist (setting fhirServers), so it is not contacted, and the prefetch is not"
                + " complete; an administrator adds the EHR's FHIR base URL there, or the EHR sends the prefetch");
    }

    /**
     * Searches {@code resourceType?patient=ID&param=...} on an allowlisted base, following the
     * next links while they stay on that base.
     */
    Bundle search(String base, String token, String resourceType, String patientId, String param, List<String> codes)
            throws FetchFailed, SocketTimeoutException {
        IGenericClient client = fhir.newRestfulGenericClient(base);
        if (token != null) {
            client.registerInterceptor(new BearerTokenAuthInterceptor(token));
        }
        Coding[] codings = codes.stream().filter(c -> c.contains("|")).map(c -> new Coding(c.substring(0, c.indexOf('|')),
                c.substring(c.indexOf('|') + 1), null)).toArray(Coding[]::new);
        String what = resourceType + " of Patient/" + patientId;
        try {
            Bundle bundle = client.search().forResource(resourceType)
                    .where(new ReferenceClientParam("patient").hasId(patientId))
                    .and(codes.get(0).contains("|") ? new TokenClientParam(param).exactly().codings(codings)
                            : new TokenClientParam(param).exactly().codes(codes))
                    .returnBundle(Bundle.class).execute();
            Bundle page = bundle;
            for (int pages = 1; page.getLink(Bundle.LINK_NEXT) != null; pages++) {
                String next = page.getLink(Bundle.LINK_NEXT).getUrl();
                if (!next.startsWith(base + "/") && !next.startsWith(base + "?")) {
                    throw new FetchFailed(what + ": the server's next-page link leaves " + base + "; not followed");
                }
                if (pages == MAX_PAGES) {
                    throw new FetchFailed(what + ": more than " + MAX_PAGES + " pages");
                }
                page = client.loadPage().next(page).execute();
                bundle.getEntry().addAll(page.getEntry());
            }
            bundle.getLink().clear();
            return bundle;
        } catch (FhirClientConnectionException e) {
            if (e.getCause() instanceof SocketTimeoutException timeout) {
                throw timeout;
            }
            throw new FetchFailed(what + ": cannot connect to the FHIR server ("
                    + (e.getCause() == null ? "no answer" : e.getCause().getClass().getSimpleName()) + ")");
        } catch (BaseServerResponseException e) {
            throw new FetchFailed(what + ": the FHIR server answered HTTP " + e.getStatusCode()
                    + (e.getStatusCode() == 401 || e.getStatusCode() == 403 ? " (the fhirAuthorization token was refused)" : ""));
        }
    }

    private static String abbreviate(String text) {
        return HttpError.cut(text, 200);
    }

    @Override
    public void close() throws IOException {
        http.close();
    }
}
