package org.refracturecds.subscriptions;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Supplier;

import org.refracturecds.engine.Assessor;
import org.refracturecds.fhirin.PopulationReader;
import org.refracturecds.fhirin.PvpProcedures;
import org.refracturecds.fhirin.StrictJson;
import org.refracturecds.fhirout.WriteBack;
import org.refracturecds.http.HttpError;
import org.refracturecds.http.JsonBodies;
import org.refracturecds.http.RequestIds;
import org.refracturecds.http.ServiceConfig;
import org.refracturecds.store.AuditTrail;
import org.refracturecds.store.Database;
import org.refracturecds.store.WorkQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IClientInterceptor;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The write-back face: FHIR Subscription notifications at {@code POST /fhir-notify} (and
 * {@code PUT /fhir-notify/Observation/{id}}, where HAPI's rest-hook sends the resource), each one's
 * patients queued durably before it is answered 200, and this node's {@link WriteBackWorker}. The
 * handler is thin: check the token, read the notification ({@link NotificationReader}), queue, answer.
 */
public final class Subscriptions implements AutoCloseable {

    public static final String PATH = "/fhir-notify";
    /** The audit trail's event of a notification received (accepted or refused). */
    public static final String NOTIFICATION = "notification";
    private static final Logger LOG = LoggerFactory.getLogger(Subscriptions.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final ServiceConfig.WriteBack settings;
    private final WorkQueue queue;
    private final NotificationReader reader;
    private final WriteBackWorker worker;
    private final AuditTrail audit;
    private final Supplier<AuditTrail.Rules> rules;
    private final Supplier<String> node;
    private final Clock clock;
    private final MeterRegistry registry;

    /**
     * @param fhirServer  the FHIR server's base URL (setting fhirServer.url)
     * @param pvp         which Procedures are a PVP on record (setting extraPvpCodes)
     * @param credentials the module's credentials for it (fhirin.ServerCredentials)
     */
    public Subscriptions(ServiceConfig.WriteBack settings, String fhirServer, PvpProcedures pvp, IClientInterceptor credentials,
                         Database database, AuditTrail audit, Supplier<Assessor> assessor,
                         Supplier<AuditTrail.Rules> rules, Supplier<String> node, Clock clock, MeterRegistry registry) {
        this.settings = settings;
        this.queue = WriteBackWorker.queue(database, clock);
        this.reader = new NotificationReader(fhirServer);
        this.audit = audit;
        this.rules = rules;
        this.node = node;
        this.clock = clock;
        this.registry = registry;
        FhirContext fhir = FhirContext.forR4Cached();
        IGenericClient client = client(fhir, fhirServer, credentials);
        PopulationReader reader = new PopulationReader(client, "setting fhirServer.auth", pvp);
        this.worker = new WriteBackWorker(settings, queue, new ServerAssessments(reader, fhirServer, pvp, assessor,
                clock), new WriteBack(fhir), client, audit, rules, node, clock, registry);
        Gauge.builder("pvp.writeback.pending", queue, q -> count(q::pending))
                .description("Write-back items waiting, on every node").register(registry);
        Gauge.builder("pvp.writeback.given.up.stored", queue, q -> count(q::givenUp))
                .description("Write-back items given up and kept in the queue table, on every node").register(registry);
        if (settings.notifyToken() == null) {
            LOG.warn("writeBack.notifyToken is not set: anyone who can reach {} can queue write-backs; set it for"
                    + " anything but a local demo", PATH);
        }
    }

    /** The client of the FHIR server, with the module's credentials. */
    private static IGenericClient client(FhirContext fhir, String base, IClientInterceptor credentials) {
        fhir.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        IGenericClient client = fhir.newRestfulGenericClient(base);
        client.registerInterceptor(credentials);
        client.registerInterceptor(new IClientInterceptor() {
            @Override
            public void interceptRequest(ca.uhn.fhir.rest.client.api.IHttpRequest request) {
                // A JPA server's search cache would miss a finding saved a moment ago.
                request.addHeader("Cache-Control", "no-cache");
            }

            @Override
            public void interceptResponse(ca.uhn.fhir.rest.client.api.IHttpResponse response) {
            }
        });
        return client;
    }

    public void start() {
        worker.start();
    }

    public void register(JavalinConfig javalin) {
        javalin.routes.post(PATH, ctx -> notified(ctx, null, null));
        javalin.routes.post(PATH + "/{type}/{id}", ctx -> notified(ctx, ctx.pathParam("type"), ctx.pathParam("id")));
        javalin.routes.put(PATH + "/{type}/{id}", ctx -> notified(ctx, ctx.pathParam("type"), ctx.pathParam("id")));
        javalin.routes.delete(PATH + "/{type}/{id}", ctx -> {
            long start = System.nanoTime();
            authorized(ctx);
            // A deleted finding names no patient any more; the next finding saved reassesses the patient.
            answer(ctx, outcome("a deletion is not written back: the next finding saved reassesses the patient"));
            record(NotificationReader.R4_REST_HOOK + " delete", 200, null, start);
        });
    }

    /** The queue's state in words, for GET /health/ready (it never fails the node: the FHIR server's trouble is not this node's). */
    public String state() throws SQLException {
        long pending = queue.pending();
        long givenUp = queue.givenUpSince(clock.instant().minus(Duration.ofDays(1)));
        return pending + " waiting, " + givenUp + " given up in the last 24 h" + (givenUp == 0 ? ""
                : " (audit trail, event write-back, error_code PVP-N202 to PVP-N209)");
    }

    private void notified(Context ctx, String type, String id) throws JsonProcessingException {
        long start = System.nanoTime();
        String source = type == null ? "notification" : NotificationReader.R4_REST_HOOK;
        try {
            authorized(ctx);
            JsonNode notification = body(ctx);
            NotificationReader.Request request = reader.read(notification, type, id);
            source = request.source();
            int queued = queue.add(WorkQueue.PATIENT, request.patients(), request.source())
                    + queue.add(WorkQueue.FINDING, request.findings(), request.source())
                    + (request.sweep() ? queue.add(WorkQueue.SWEEP, java.util.Collections.singletonList(null),
                    request.source()) : 0);
            if (queued > 0) {
                worker.wake();
            }
            JsonNode outcome = outcome(queuedText(request, queued));
            answer(ctx, notification != null && "Bundle".equals(notification.path("resourceType").asText())
                    ? inABundle(outcome) : outcome);
            record(source, 200, null, start);
        } catch (HttpError e) {
            record(source, e.status(), e.code(), start);
            throw e;
        } catch (SQLException e) {
            LOG.warn("a notification could not be queued: {}", String.valueOf(e.getMessage()).split("\n")[0]);
            HttpError error = new HttpError(503, "PVP-N130", null, "the notification could not be queued (the"
                    + " database does not answer): send it again; nothing was queued");
            record(source, 503, error.code(), start);
            throw error;
        }
    }

    private static String queuedText(NotificationReader.Request request, int queued) {
        if (request.sweep()) {
            return queued > 0 ? "queued: the findings saved lately are looked for and their patients assessed"
                    : "received: a look for the findings saved lately is waiting already, and will find these too";
        }
        if (request.patients().isEmpty() && request.findings().isEmpty()) {
            return "received: nothing to write back";
        }
        int named = request.patients().size() + request.findings().size();
        return "queued " + queued + " of " + named + (queued == named ? "" : queued == 0 ? " (all were waiting already)"
                : " (the others were waiting already)");
    }

    private void authorized(Context ctx) {
        if (settings.notifyToken() == null) {
            return;
        }
        String header = ctx.header("Authorization");
        // The scheme's case does not matter (RFC 7235), the token's does.
        boolean bearer = header != null && header.length() > 7 && header.regionMatches(true, 0, "Bearer ", 0, 7);
        byte[] expected = settings.notifyToken().getBytes(StandardCharsets.UTF_8);
        if (!bearer || !MessageDigest.isEqual(header.substring(7).getBytes(StandardCharsets.UTF_8), expected)) {
            throw new HttpError(401, "PVP-N110", "Authorization", header == null ? "is missing: the Subscription"
                    + " must send Authorization: Bearer TOKEN (channel.header), the token of setting writeBack.notifyToken"
                    : "does not hold the token of setting writeBack.notifyToken");
        }
    }

    private static JsonNode body(Context ctx) {
        byte[] bytes = ctx.bodyAsBytes();
        if (bytes.length == 0 || new String(bytes, StandardCharsets.UTF_8).isBlank()) {
            return null;
        }
        // Read as JSON as every JSON route reads it (JsonBodies), refused with the write-back's own code.
        String type = ctx.contentType();
        if (!JsonBodies.isJson(type)) {
            throw new HttpError(415, "PVP-N108", "Content-Type", type != null && type.toLowerCase(Locale.ROOT).contains("xml")
                    ? "XML is not read: set the Subscription's channel.payload to application/fhir+json"
                    : (type == null ? "is missing" : "is '" + HttpError.cut(type, 80) + "', not JSON")
                    + ": send the resource as application/fhir+json (the Subscription's channel.payload)");
        }
        try {
            return StrictJson.one(StrictJson.utf8(bytes));
        } catch (StrictJson.Problem e) {
            throw NotificationReader.refused("PVP-N101", e.where() == null ? "body" : "body, " + e.where(), e.getMessage()
                    + ": send the resource in JSON (application/fhir+json), or nothing");
        }
    }

    private static void answer(Context ctx, JsonNode body) throws JsonProcessingException {
        ctx.status(200).contentType("application/fhir+json").result(JSON.writeValueAsBytes(body));
    }

    private static ObjectNode outcome(String text) {
        ObjectNode outcome = JSON.createObjectNode().put("resourceType", "OperationOutcome");
        outcome.putArray("issue").addObject().put("severity", "information").put("code", "informational")
                .putObject("details").put("text", text);
        return outcome;
    }

    /**
     * A notification Bundle is answered with a Bundle (a batch-response whose one entry carries the
     * outcome): HAPI FHIR posts topic-based notifications as a transaction and reads the answer as
     * a Bundle. Answered with an OperationOutcome alone, it counted each delivery as failed and
     * sent it again and again, which held back the notifications behind it.
     */
    private static ObjectNode inABundle(JsonNode outcome) {
        ObjectNode bundle = JSON.createObjectNode().put("resourceType", "Bundle").put("type", "batch-response");
        ObjectNode response = bundle.putArray("entry").addObject().putObject("response").put("status", "200 OK");
        response.set("outcome", outcome);
        return bundle;
    }

    private void record(String source, int status, String code, long start) {
        registry.counter("pvp.notifications", "shape", source, "status", Integer.toString(status)).increment();
        audit.later(new AuditTrail.Event(clock.instant(), NOTIFICATION, node.get(), null, null,
                WriteBackWorker.SERVICE, null, rules.get(), status, code, (System.nanoTime() - start) / 1_000_000,
                MDC.get(RequestIds.MDC_KEY), source));
    }

    private static double count(Counting counting) {
        try {
            return counting.get();
        } catch (SQLException e) {
            return Double.NaN;
        }
    }

    @FunctionalInterface
    private interface Counting {
        long get() throws SQLException;
    }

    /** Stops the worker after the item in hand; what is queued stays for the next start or another node. */
    @Override
    public void close() {
        worker.close();
    }
}
