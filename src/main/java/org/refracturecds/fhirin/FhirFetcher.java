package org.refracturecds.fhirin;

import org.refracturecds.http.HttpError;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;

import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.HttpRequestBase;
import org.apache.http.conn.ConnectTimeoutException;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClientBuilder;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.refracturecds.fhirin.Codes;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.StrictErrorHandler;
import ca.uhn.fhir.rest.client.apache.ApacheHttpRequest;
import ca.uhn.fhir.rest.client.api.IClientInterceptor;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.IHttpRequest;
import ca.uhn.fhir.rest.client.api.IHttpResponse;
import ca.uhn.fhir.rest.client.api.IRestfulClientFactory;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.exceptions.FhirClientConnectionException;
import ca.uhn.fhir.rest.client.exceptions.NonFhirResponseException;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.gclient.ReferenceClientParam;
import ca.uhn.fhir.rest.gclient.TokenClientParam;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Fetches what the EHR did not prefetch, from the EHR's FHIR server, with HAPI's generic client.
 *
 * <p>Only a server on the configured allowlist is ever contacted, compared as exact base URLs:
 * a request naming anything else (localhost, a link-local or metadata address, a file: URL) is
 * refused before any connection. Redirects are not followed, and a paging link that leaves the
 * allowlisted base is refused. Every connection and read has a timeout.
 *
 * <p>Searches ask for pages of {@value #PAGE_SIZE} and for an answer not taken from a cache. A
 * call's fetches end with its budget: those still running are aborted, their connections closed
 * and their threads freed, however slowly a server is still answering; and one server (host and
 * port) has at most {@value #FETCHES_PER_SERVER} fetches running at once, so a slow server cannot
 * take the threads that fetch from the others.
 */
public final class FhirFetcher implements AutoCloseable {

    /** A fetch that failed for a reason other than time: the server refused, or is not there. */
    public static final class FetchFailed extends Exception {

        /** Why, in one word of a bounded set, for the metrics: refused, unreachable, tls, denied, http-error, not-fhir, error. */
        private final String outcome;

        FetchFailed(String outcome, String message) {
            super(message);
            this.outcome = outcome;
        }
    }

    private static final int MAX_PAGES = 20;
    /** The page size asked for (_count): a server's default may be as small as 10, or 2. */
    static final int PAGE_SIZE = 100;
    /** Threads that wait on FHIR servers, for all calls. */
    private static final int FETCH_THREADS = 32;
    /** Fetches running at once against one server (host and port). */
    static final int FETCHES_PER_SERVER = 8;

    private final List<String> allowlist;
    private final FhirContext fhir;
    private final CloseableHttpClient http;
    private final int timeoutMillis;
    private final ExecutorService threads;
    private final Map<String, Semaphore> perServer = new ConcurrentHashMap<>();
    private final MeterRegistry registry;

    /** @param registry where each fetch is timed by outcome ({@code pvp.fhir.fetches}) */
    public FhirFetcher(List<String> allowlist, int timeoutMillis, MeterRegistry registry) {
        this.allowlist = List.copyOf(allowlist);
        this.registry = registry;
        this.timeoutMillis = timeoutMillis;
        RequestConfig timeouts = RequestConfig.custom().setConnectTimeout(timeoutMillis)
                .setSocketTimeout(timeoutMillis).setConnectionRequestTimeout(timeoutMillis)
                .setRedirectsEnabled(false).build();
        this.http = HttpClientBuilder.create().disableRedirectHandling().disableCookieManagement()
                .setDefaultRequestConfig(timeouts).setMaxConnTotal(FETCH_THREADS).setMaxConnPerRoute(FETCHES_PER_SERVER)
                .build();
        this.threads = Executors.newFixedThreadPool(FETCH_THREADS, runnable -> {
            Thread thread = new Thread(runnable, "fhir-fetch");
            thread.setDaemon(true);
            return thread;
        });
        this.fhir = FhirContext.forR4();
        // An XML answer (JSON ones are checked first, StrictAnswers) is refused for an element HAPI does not know, not thinned.
        fhir.setParserErrorHandler(new StrictErrorHandler());
        IRestfulClientFactory factory = fhir.getRestfulClientFactory();
        factory.setServerValidationMode(ServerValidationModeEnum.NEVER);
        factory.setHttpClient(http);
    }

    /** The request's fhirServer as a base URL if it is on the allowlist, else null: it is never contacted. */
    public String allowed(String fhirServer) {
        String base = fhirServer.endsWith("/") ? fhirServer.substring(0, fhirServer.length() - 1) : fhirServer;
        return allowlist.contains(base) ? base : null;
    }

    /** 403 for a fetch that is needed from a server not on the allowlist. */
    public static HttpError notAllowed(String fhirServer) {
        return new HttpError(403, "PVP-H301", "fhirServer", "'" + abbreviate(fhirServer) + "' is not on this"
                + " service's allowlist (setting fhirServers), so it is not contacted, and the prefetch is not"
                + " complete; an administrator adds the EHR's FHIR base URL there, or the EHR sends the prefetch");
    }

    /** The fetches of one call, which end at {@code deadline} ({@link System#nanoTime()}). */
    public Fetches fetches(long deadline) {
        return new Fetches(deadline);
    }

    /**
     * The fetches of one call. Each runs on a fetch thread once its server has room; {@link #close}
     * aborts those still running when the call stops waiting for them.
     */
    public final class Fetches implements AutoCloseable {

        private final long deadline;
        private final Set<HttpRequestBase> open = ConcurrentHashMap.newKeySet();
        private volatile boolean closed;

        private Fetches(long deadline) {
            this.deadline = deadline;
        }

        /** Starts a search (see {@link FhirFetcher#search}); null when its server had no room before the deadline. */
        public CompletableFuture<Bundle> search(String base, String token, String resourceType, String patientId, String param,
                                         List<String> codes) {
            Semaphore room = perServer.computeIfAbsent(URI.create(base).getAuthority(),
                    server -> new Semaphore(FETCHES_PER_SERVER));
            long asked = System.nanoTime();
            try {
                if (!room.tryAcquire(left(), TimeUnit.NANOSECONDS)) {
                    timed(resourceType, "busy", asked);
                    return null;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            return CompletableFuture.supplyAsync(() -> {
                long start = System.nanoTime();
                String outcome = null;
                try {
                    Bundle found = FhirFetcher.this.search(base, token, resourceType, patientId, param, codes, this);
                    outcome = "ok";
                    return found;
                } catch (FetchFailed e) {
                    outcome = e.outcome;
                    throw new CompletionException(e);
                } catch (SocketTimeoutException e) {
                    outcome = "timeout";
                    throw new CompletionException(e);
                } finally {
                    room.release();
                    // A fetch aborted when the call's budget ended failed for lack of time, whatever it threw.
                    timed(resourceType, closed && !"ok".equals(outcome) ? "timeout" : outcome == null ? "error" : outcome,
                            start);
                }
            }, threads);
        }

        /** The search's result; null when it is late (no room, or not done by the deadline). */
        public Bundle await(CompletableFuture<Bundle> search) throws FetchFailed {
            if (search == null) {
                return null;
            }
            try {
                return search.get(left(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() instanceof CompletionException wrapped ? wrapped.getCause() : e.getCause();
                if (cause instanceof FetchFailed failed) {
                    throw failed;
                }
                if (cause instanceof SocketTimeoutException) {
                    return null;
                }
                throw new IllegalStateException("fetch failed", cause);
            }
        }

        private long left() {
            return Math.max(0, deadline - System.nanoTime());
        }

        private void opened(HttpRequestBase request) {
            open.add(request);
            if (closed) {
                request.abort();
            }
        }

        /** Aborts the fetches still running: their connections are closed and their threads freed. */
        @Override
        public void close() {
            closed = true;
            open.forEach(HttpRequestBase::abort);
        }
    }

    /**
     * Records one fetch in {@code pvp.fhir.fetches}: its time, by resource type and outcome (ok,
     * timeout, busy: no room on that server before the budget ended, or why it failed).
     */
    private void timed(String resourceType, String outcome, long start) {
        Timer.builder("pvp.fhir.fetches").description("Searches on the EHR's FHIR server, by outcome")
                .tag("resource", resourceType).tag("outcome", outcome)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }

    /**
     * Searches {@code resourceType?patient=ID&param=...&_count=100} on an allowlisted base, or
     * {@code Patient?_id=ID} when {@code param} is {@code _id}, following the next links while they
     * stay on that base.
     *
     * @param fetches the call's fetches, which may abort it; null for none
     */
    private Bundle search(String base, String token, String resourceType, String patientId, String param,
                          List<String> codes, Fetches fetches) throws FetchFailed, SocketTimeoutException {
        IGenericClient client = fhir.newRestfulGenericClient(base);
        StrictAnswers strict = new StrictAnswers(fhir);
        client.registerInterceptor(strict);
        if (token != null) {
            client.registerInterceptor(new BearerTokenAuthInterceptor(token));
        }
        client.registerInterceptor(new IClientInterceptor() {
            @Override
            public void interceptRequest(IHttpRequest request) {
                // A caching proxy or a JPA server's search cache would miss a finding saved a moment ago.
                request.addHeader("Cache-Control", "no-cache");
                if (fetches != null && request instanceof ApacheHttpRequest apache) {
                    fetches.opened(apache.getApacheRequest());
                }
            }

            @Override
            public void interceptResponse(IHttpResponse response) {
            }
        });
        Coding[] codings = codes.stream().filter(c -> c.contains("|")).map(c -> new Coding(c.substring(0, c.indexOf('|')),
                c.substring(c.indexOf('|') + 1), null)).toArray(Coding[]::new);
        String what = resourceType + " of Patient/" + patientId;
        try {
            // The Patient itself is searched by _id (Patient?_id=ID), the others by their patient.
            Bundle bundle = ("_id".equals(param) ? client.search().forResource(resourceType)
                    .where(new TokenClientParam("_id").exactly().code(patientId))
                    : client.search().forResource(resourceType)
                    .where(new ReferenceClientParam("patient").hasId(patientId))
                    .and(codes.get(0).contains("|") ? new TokenClientParam(param).exactly().codings(codings)
                            : new TokenClientParam(param).exactly().codes(codes)))
                    .count(PAGE_SIZE).returnBundle(Bundle.class).execute();
            refuseInvalid(what, strict);
            Bundle page = bundle;
            for (int pages = 1; page.getLink(Bundle.LINK_NEXT) != null; pages++) {
                String next = page.getLink(Bundle.LINK_NEXT).getUrl();
                if (!next.startsWith(base + "/") && !next.startsWith(base + "?")) {
                    throw new FetchFailed("error", what + ": the server's next-page link leaves " + base + "; not followed");
                }
                if (pages == MAX_PAGES) {
                    throw new FetchFailed("error", what + ": more than " + MAX_PAGES + " pages");
                }
                page = client.loadPage().next(page).execute();
                refuseInvalid(what, strict);
                bundle.getEntry().addAll(page.getEntry());
            }
            bundle.getLink().clear();
            if ("_id".equals(param)) {
                // Patient?_id=ID: that Patient only, even from a server that ignores _id.
                bundle.getEntry().removeIf(e -> !(e.getResource() instanceof Patient p
                        && patientId.equals(p.getIdElement().getIdPart())));
            }
            return bundle;
        } catch (FhirClientConnectionException e) {
            if (e.getCause() instanceof SocketTimeoutException timeout) {
                throw timeout;
            }
            throw failed(what, e.getCause());
        } catch (DataFormatException e) {
            throw failed(what, e);
        } catch (NonFhirResponseException e) {
            throw new FetchFailed("not-fhir", what + ": the FHIR server answered HTTP " + e.getStatusCode()
                    + " with something that is not FHIR");
        } catch (BaseServerResponseException e) {
            boolean denied = e.getStatusCode() == 401 || e.getStatusCode() == 403;
            throw new FetchFailed(denied ? "denied" : "http-error", what + ": the FHIR server answered HTTP "
                    + e.getStatusCode() + (e.getStatusCode() == 401 ? " (the access token was refused: not valid, or expired)"
                    : denied ? " (the access token does not allow reading " + resourceType + ": check its scope)" : ""));
        }
    }

    private static void refuseInvalid(String what, StrictAnswers strict) throws FetchFailed {
        InputException problem = strict.problem();
        if (problem != null) {
            throw new FetchFailed("invalid", what + ": the FHIR server answered data that is not valid FHIR R4, so"
                    + " none of it is used (" + problem.code() + " at " + problem.where() + ": " + problem.getMessage()
                    + ")");
        }
    }

    /** Why a fetch failed: in words, never a Java class name, and in one word for the metrics. */
    private FetchFailed failed(String what, Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return new FetchFailed("unreachable", what + ": the FHIR server is unreachable (no connection within "
                    + timeoutMillis + " ms)");
        }
        if (cause instanceof ConnectException) {
            return new FetchFailed("refused", what + ": the FHIR server is unreachable (connection refused: nothing"
                    + " listens at its address)");
        }
        if (cause instanceof UnknownHostException) {
            return new FetchFailed("unreachable", what + ": the FHIR server is unreachable (its host name is unknown)");
        }
        if (cause instanceof SSLException) {
            return new FetchFailed("tls", what + ": the TLS connection to the FHIR server failed (is its certificate"
                    + " trusted?)");
        }
        if (cause instanceof DataFormatException) {
            return new FetchFailed("not-fhir", what + ": the FHIR server's answer is not FHIR R4 JSON or XML that can"
                    + " be read");
        }
        return new FetchFailed("error", what + ": the connection to the FHIR server failed");
    }

    /**
     * Runs the client once before the service listens, so that the first call does not spend its
     * budget loading and initialising it (the EHR would be blamed as slow): a search with a second
     * page against a throw-away server on this machine's loopback address, and one refused
     * connection. Nothing else is contacted.
     */
    public void warm() throws IOException {
        HttpServer local = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String base = "http://127.0.0.1:" + local.getAddress().getPort() + "/fhir";
        byte[] first = warmUpPage(base + "?_getpages=warm-up");
        byte[] second = warmUpPage(null);
        local.createContext("/fhir", exchange -> {
            String query = exchange.getRequestURI().getQuery();
            byte[] body = query != null && query.contains("_getpages") ? second : first;
            exchange.getResponseHeaders().add("Content-Type", "application/fhir+json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        local.start();
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        try {
            search(base, "warm-up", "Observation", "warm-up", "code", Codes.findingTokens(), null);
            search("http://127.0.0.1:" + closedPort + "/fhir", null, "Observation", "warm-up", "code", Codes.findingTokens(),
                    null);
        } catch (FetchFailed | SocketTimeoutException expected) {
            // the refused connection
        } finally {
            local.stop(0);
        }
    }

    /** A searchset page with one finding of Patient/warm-up, linking to {@code next} when it is not null. */
    private byte[] warmUpPage(String next) {
        Observation finding = new Observation();
        finding.setId("warm-up");
        finding.setStatus(Observation.ObservationStatus.FINAL);
        finding.getCode().addCoding(new Coding(Codes.FINDINGS, "intravertebral-cleft", null));
        finding.setSubject(new Reference("Patient/warm-up"));
        finding.setValue(new BooleanType(true));
        Bundle page = new Bundle().setType(Bundle.BundleType.SEARCHSET);
        page.addEntry().setFullUrl("Observation/warm-up").setResource(finding);
        if (next != null) {
            page.addLink().setRelation(Bundle.LINK_NEXT).setUrl(next);
        }
        return fhir.newJsonParser().encodeResourceToString(page).getBytes(StandardCharsets.UTF_8);
    }

    private static String abbreviate(String text) {
        return HttpError.cut(text, 200);
    }

    @Override
    public void close() throws IOException {
        threads.shutdownNow();
        http.close();
    }
}
