package org.refracturecds;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.hl7.fhir.r4.model.StringType;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.annotation.ConditionalUrlParam;
import ca.uhn.fhir.rest.annotation.Create;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Update;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.FifoMemoryPagingProvider;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;

/**
 * A FHIR R4 server in a test: a real HAPI RestfulServer on Jetty (127.0.0.1, a free port) that
 * keeps Patients, Observations, Procedures, Conditions and RiskAssessments in memory, with
 * versions. It creates, reads (also a version), updates by id or conditionally by
 * {@code identifier=system|value}, and searches by patient/subject, identifier and
 * {@code _lastUpdated}, paging its results ({@code _count}, at most {@value #MAX_PAGE}). With a
 * token set it answers 401 to a request without {@code Authorization: Bearer} that token.
 */
public final class MemoryFhirServer implements AutoCloseable {

    static final int MAX_PAGE = 500;

    /** One HTTP request as the server received it. */
    public record Received(String method, String uri, String cacheControl) {
    }

    public final String base;
    public final List<Received> received = new CopyOnWriteArrayList<>();
    private final Server jetty;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Class<?>, Store<?>> stores = new ConcurrentHashMap<>();
    private volatile String token;
    private volatile java.util.function.Predicate<String> tokens;
    private volatile int delayMillis;
    /** The export files, by path (/bulk/JOB/TYPE.ndjson). */
    private final Map<String, String> exportFiles = new ConcurrentHashMap<>();

    /** Every version of each resource of one type, by id; the last is the current one. */
    private final class Store<T extends Resource> implements IResourceProvider {
        private final Class<T> type;
        private final Map<String, List<T>> versions = new java.util.LinkedHashMap<>();
        /**
         * The ids of the resources of each subject ("Patient/syn7"), in the order they were first saved
         * with it: a search by patient looks at these, not at the thousands of resources held.
         */
        private final Map<String, Set<String>> bySubject = new HashMap<>();

        Store(Class<T> type) {
            this.type = type;
        }

        @Override
        public Class<T> getResourceType() {
            return type;
        }

        synchronized T put(String id, T resource) {
            List<T> history = versions.computeIfAbsent(id, i -> new ArrayList<>());
            @SuppressWarnings("unchecked")
            T stored = (T) resource.copy();
            stored.setId(new IdType(stored.fhirType(), id, String.valueOf(history.size() + 1)));
            stored.getMeta().setVersionId(String.valueOf(history.size() + 1)).setLastUpdated(new Date());
            history.add(stored);
            String subject = subjectOf(stored);
            if (subject != null) {
                bySubject.computeIfAbsent(subject, s -> new LinkedHashSet<>()).add(id);
            }
            return stored;
        }

        synchronized List<T> current() {
            return versions.values().stream().map(history -> history.get(history.size() - 1)).toList();
        }

        /** The current version of each resource whose subject is or was {@code subject}. */
        synchronized List<T> currentOf(String subject) {
            return bySubject.getOrDefault(subject, Set.of()).stream().map(versions::get)
                    .map(history -> history.get(history.size() - 1)).toList();
        }

        @Create
        public MethodOutcome create(@ResourceParam T resource) {
            T stored = put(String.valueOf(ids.incrementAndGet()), resource);
            return new MethodOutcome(stored.getIdElement()).setCreated(true).setResource(stored);
        }

        @Read(version = true)
        public synchronized T read(@IdParam IdType id) {
            List<T> history = versions.get(id.getIdPart());
            if (history == null) {
                throw new ResourceNotFoundException(id);
            }
            if (!id.hasVersionIdPart()) {
                return history.get(history.size() - 1);
            }
            int version = Integer.parseInt(id.getVersionIdPart());
            if (version < 1 || version > history.size()) {
                throw new ResourceNotFoundException(id);
            }
            return history.get(version - 1);
        }

        @Update
        public synchronized MethodOutcome update(@IdParam IdType id, @ResourceParam T resource,
                                                 @ConditionalUrlParam String conditional) {
            String target;
            if (conditional != null) {
                String token = URLDecoder.decode(conditional.substring(conditional.indexOf("identifier=") + 11),
                        StandardCharsets.UTF_8);
                String system = token.substring(0, token.indexOf('|'));
                String value = token.substring(token.indexOf('|') + 1);
                List<T> matches = current().stream().filter(r -> hasIdentifier(r, system, value)).toList();
                if (matches.size() > 1) {
                    throw new PreconditionFailedException("more than one resource matches " + conditional);
                }
                target = matches.isEmpty() ? String.valueOf(ids.incrementAndGet()) : matches.get(0).getIdElement().getIdPart();
            } else {
                target = id.getIdPart();
            }
            boolean created = !versions.containsKey(target);
            T stored = put(target, resource);
            return new MethodOutcome(stored.getIdElement()).setCreated(created).setResource(stored);
        }

        @Search(allowUnknownParams = true)
        public List<T> search(@OptionalParam(name = "patient") ReferenceParam patient,
                              @OptionalParam(name = "subject") ReferenceParam subject,
                              @OptionalParam(name = "identifier") TokenParam identifier,
                              @OptionalParam(name = "code") TokenOrListParam code,
                              @OptionalParam(name = Constants.PARAM_LASTUPDATED) DateRangeParam lastUpdated) {
            ReferenceParam who = patient != null ? patient : subject;
            String reference = who == null ? null : "Patient/" + who.getIdPart();
            return (reference == null ? current() : currentOf(reference)).stream()
                    .filter(r -> reference == null || reference.equals(subjectOf(r)))
                    .filter(r -> identifier == null || hasIdentifier(r, identifier.getSystem(), identifier.getValue()))
                    .filter(r -> lastUpdated == null || within(lastUpdated, r.getMeta().getLastUpdated()))
                    .toList();
        }
    }

    /**
     * The Bulk Data system export (https://hl7.org/fhir/uv/bulkdata/export.html) of the resources
     * held, as a server that takes its time answers it: the kick-off (Prefer: respond-async) gives
     * 202 and a status URL, the first poll 202 with Retry-After: 1, the next the manifest, whose
     * files are served under /bulk/. Each type is exported whole ({@code _typeFilter} is accepted
     * and not applied: every Observation here is a finding).
     */
    public final class BulkExportProvider {
        private final Map<String, Integer> polls = new ConcurrentHashMap<>();
        private final Map<String, List<String>> types = new ConcurrentHashMap<>();

        @Operation(name = "$export", manualResponse = true, idempotent = true)
        public void export(@OperationParam(name = "_type") StringType type,
                           @OperationParam(name = "_typeFilter") StringType typeFilter,
                           HttpServletRequest request, HttpServletResponse response) throws java.io.IOException {
            if (!"respond-async".equals(request.getHeader("Prefer"))) {
                response.sendError(400, "Prefer: respond-async is required");
                return;
            }
            String job = java.util.UUID.randomUUID().toString();
            List<String> exported = List.of(type == null ? "Patient,Observation,Condition" : type.getValue()).stream()
                    .flatMap(t -> java.util.Arrays.stream(t.split(","))).toList();
            IParser json = FhirContext.forR4Cached().newJsonParser();
            for (String name : exported) {
                Store<?> store = stores.values().stream().filter(st -> st.type.getSimpleName().equals(name)).findFirst()
                        .orElseThrow();
                StringBuilder ndjson = new StringBuilder();
                store.current().forEach(r -> ndjson.append(json.encodeResourceToString(r)).append('\n'));
                exportFiles.put("/bulk/" + job + "/" + name + ".ndjson", ndjson.toString());
            }
            types.put(job, exported);
            polls.put(job, 0);
            response.setStatus(202);
            response.setHeader("Content-Location", base + "/$export-poll-status?_jobId=" + job);
        }

        @Operation(name = "$export-poll-status", manualResponse = true, idempotent = true)
        public void poll(@OperationParam(name = "_jobId") StringType job, HttpServletResponse response)
                throws java.io.IOException {
            Integer count = polls.computeIfPresent(job.getValue(), (j, n) -> n + 1);
            if (count == null) {
                response.sendError(404, "no such export");
                return;
            }
            if (count == 1) {
                response.setStatus(202);
                response.setHeader("Retry-After", "1");
                response.setHeader("X-Progress", "in progress");
                return;
            }
            String root = base.substring(0, base.length() - "/fhir".length());
            String output = types.get(job.getValue()).stream().map(t -> "{\"type\":\"" + t + "\",\"url\":\"" + root
                    + "/bulk/" + job.getValue() + "/" + t + ".ndjson\"}").collect(java.util.stream.Collectors.joining(","));
            response.setStatus(200);
            response.setContentType("application/json");
            response.getWriter().write("{\"transactionTime\":\"" + java.time.Instant.now() + "\",\"request\":\"" + base
                    + "/$export\",\"requiresAccessToken\":" + (token != null) + ",\"output\":[" + output
                    + "],\"error\":[]}");
        }
    }

    private static boolean within(DateRangeParam range, Date date) {
        Date low = range.getLowerBoundAsInstant();
        Date high = range.getUpperBoundAsInstant();
        return (low == null || !date.before(low)) && (high == null || !date.after(high));
    }

    private static boolean hasIdentifier(Resource resource, String system, String value) {
        List<Identifier> identifiers = resource instanceof RiskAssessment r ? r.getIdentifier()
                : resource instanceof Patient p ? p.getIdentifier()
                : resource instanceof Observation o ? o.getIdentifier() : List.of();
        for (Identifier identifier : identifiers) { // (a loop, not a stream: searched for each resource held)
            if (Objects.equals(system, identifier.getSystem()) && Objects.equals(value, identifier.getValue())) {
                return true;
            }
        }
        return false;
    }

    private static String subjectOf(Resource resource) {
        Reference subject = resource instanceof Observation o ? o.getSubject()
                : resource instanceof Procedure p ? p.getSubject()
                : resource instanceof Condition c ? c.getSubject()
                : resource instanceof RiskAssessment r ? r.getSubject()
                : resource instanceof Patient ? new Reference("Patient/" + resource.getIdElement().getIdPart()) : null;
        return subject == null ? null : subject.getReference();
    }

    public MemoryFhirServer() throws Exception {
        this(false);
    }

    /** @param bulkExport also offer the Bulk Data system export ({@code $export}, in its CapabilityStatement) */
    public MemoryFhirServer(boolean bulkExport) throws Exception {
        FhirContext fhir = FhirContext.forR4Cached();
        RestfulServer restful = new RestfulServer(fhir);
        for (Class<? extends Resource> type : List.of(Patient.class, Observation.class, Procedure.class, Condition.class,
                RiskAssessment.class)) {
            stores.put(type, new Store<>(type));
        }
        restful.setResourceProviders(new ArrayList<>(stores.values().stream().map(s -> (IResourceProvider) s).toList()));
        if (bulkExport) {
            restful.registerProvider(new BulkExportProvider());
        }
        restful.setPagingProvider(new FifoMemoryPagingProvider(50).setDefaultPageSize(20).setMaximumPageSize(MAX_PAGE));
        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(restful), "/fhir/*");
        jetty.setHandler(new Handler.Wrapper(context) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                received.add(new Received(request.getMethod(), request.getHttpURI().getPathQuery(),
                        request.getHeaders().get(HttpHeader.CACHE_CONTROL)));
                if (delayMillis > 0) {
                    Thread.sleep(delayMillis);
                }
                String expected = token;
                String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
                java.util.function.Predicate<String> accepted = tokens;
                if (expected != null && !("Bearer " + expected).equals(authorization) || accepted != null
                        && (authorization == null || !authorization.startsWith("Bearer ")
                        || !accepted.test(authorization.substring("Bearer ".length())))) {
                    response.setStatus(401);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/fhir+json");
                    response.write(true, StandardCharsets.UTF_8.encode("{\"resourceType\":\"OperationOutcome\",\"issue\":"
                            + "[{\"severity\":\"error\",\"code\":\"login\"}]}"), callback);
                    return true;
                }
                String path = request.getHttpURI().getPath();
                if (path.startsWith("/bulk/")) {
                    String file = exportFiles.get(path);
                    response.setStatus(file == null ? 404 : 200);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/fhir+ndjson");
                    response.write(true, StandardCharsets.UTF_8.encode(file == null ? "" : file), callback);
                    return true;
                }
                return super.handle(request, response, callback);
            }
        });
        jetty.start();
        base = "http://127.0.0.1:" + connector.getLocalPort() + "/fhir";
    }

    /** From now on, only requests with {@code Authorization: Bearer token} are answered (null: all are). */
    public void requireToken(String token) {
        this.token = token;
    }

    /** From now on, only requests with {@code Authorization: Bearer} a token {@code accepted} passes are answered (null: all are). */
    public void requireTokenThat(java.util.function.Predicate<String> accepted) {
        this.tokens = accepted;
    }

    /** From now on, each request is answered {@code millis} later, as by a busy server. */
    public void delay(int millis) {
        this.delayMillis = millis;
    }

    /** Stores {@code resource} under its own id part, or a new id when it has none; returns the stored copy. */
    @SuppressWarnings("unchecked")
    public <T extends Resource> T put(T resource) {
        Store<T> store = (Store<T>) stores.get(resource.getClass());
        String id = resource.getIdElement().hasIdPart() ? resource.getIdElement().getIdPart()
                : String.valueOf(ids.incrementAndGet());
        return store.put(id, resource);
    }

    /** The current version of each resource of {@code type}. */
    @SuppressWarnings("unchecked")
    public <T extends Resource> List<T> all(Class<T> type) {
        return ((Store<T>) stores.get(type)).current();
    }

    /** The number of versions of the resource {@code id} ({@code RiskAssessment/12}). */
    public int versions(IIdType id) {
        Store<?> store = stores.values().stream().filter(s -> s.type.getSimpleName().equals(id.getResourceType()))
                .findFirst().orElseThrow();
        synchronized (store) {
            List<?> history = store.versions.get(id.getIdPart());
            return history == null ? 0 : history.size();
        }
    }

    @Override
    public void close() throws Exception {
        jetty.stop();
    }
}
