package org.refracturecds.cdshooks;

import java.io.IOException;
import java.sql.SQLException;
import java.text.ParseException;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;

import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.refracturecds.authoring.LiveRules;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Settings;
import org.refracturecds.fhirin.StrictJson;
import org.refracturecds.fhirout.RiskAssessmentWriter;
import org.refracturecds.store.Database;
import org.refracturecds.store.FeedbackStore;
import org.refracturecds.store.UsedJwtIds;
import org.refracturecds.validation.InputValidation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;

/**
 * The CDS Hooks 2.0 service over HTTP: discovery, the service calls and their feedback. Handlers
 * only parse, delegate and write; every error leaves as one OperationOutcome shape.
 */
public final class CdsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CdsServer.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final ServiceConfig config;
    private final LiveRules rules;
    private final FhirFetcher fetcher;
    private final Database database;
    private final FeedbackStore feedback;
    private final JwtVerifier jwt;
    private final CdsHooks hooks;
    /** Requests worked on at once; the others wait in arrival order (setting concurrentRequests). */
    private final Semaphore turns;
    private final Javalin app;

    private CdsServer(ServiceConfig config, LiveRules rules, Clock clock) throws SQLException, IOException, ParseException {
        this.config = config;
        this.rules = rules;
        this.fetcher = new FhirFetcher(config.fhirServers(), config.fetchTimeoutMillis());
        this.database = Database.open(config.databaseSettings());
        this.feedback = new FeedbackStore(database, clock);
        this.jwt = config.auth().verify()
                ? new JwtVerifier(config.auth().issuers(), new UsedJwtIds(database, clock), clock) : null;
        this.turns = new Semaphore(config.requestsAtOnce(), true);
        this.hooks = new CdsHooks(config, JSON, rules::assessor, fetcher,
                new CardWriter(JSON, new RiskAssessmentWriter(clock)), turns,
                new InputValidation(InputValidation.mode(config.validation())), clock);
        this.app = Javalin.create(this::configure);
    }

    /** Starts the service on rules that never change. */
    public static CdsServer start(ServiceConfig config, RuleSet rules, Clock clock)
            throws SQLException, IOException, ParseException {
        return start(config, LiveRules.fixed(rules, new Settings(config.incidence())), clock);
    }

    /** Starts the service; the port is the configured one, or a free one when it is 0. It closes the rules when it stops. */
    public static CdsServer start(ServiceConfig config, LiveRules rules, Clock clock)
            throws SQLException, IOException, ParseException {
        CdsServer server = new CdsServer(config, rules, clock);
        try {
            server.warmUp();
            server.app.start();
        } catch (RuntimeException e) {
            server.closeResources();
            throw e;
        }
        return server;
    }

    public int port() {
        return app.port();
    }

    FeedbackStore feedback() {
        return feedback;
    }

    /** The base URL of the discovery endpoint, as the EHR is told to call it. */
    public String discoveryUrl() {
        return config.publicUrl() + "/cds-services";
    }

    /**
     * Runs the FHIR client, the parser, the rules (a Drools session) and the cards once before the
     * service listens: the first calls would otherwise spend their fetch budget on loading and
     * initialising them, and blame the EHR for it. A failure here is logged; the service still starts.
     */
    private void warmUp() {
        long start = System.nanoTime();
        try {
            fetcher.warm();
            for (String example : List.of("warm-up-patient-view.json", "warm-up-order-sign.json")) {
                JsonNode request;
                try (var in = CdsServer.class.getResourceAsStream(example)) {
                    request = JSON.readTree(in);
                }
                turns.acquireUninterruptibly();
                try {
                    hooks.call(request.path("hook").asText().startsWith("order") ? CdsService.PREOP : CdsService.RISK, request);
                } finally {
                    turns.release();
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("warming up failed, the first calls may be slow: {}", e.getMessage());
            return;
        }
        LOG.info("warmed up in {} ms", (System.nanoTime() - start) / 1_000_000);
    }

    private void configure(JavalinConfig javalin) {
        javalin.jetty.addConnector((server, http) -> {
            ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
            connector.setHost(config.host());
            connector.setPort(config.port());
            connector.setIdleTimeout(config.idleTimeoutMillis());
            return connector;
        });
        // Jetty leases acceptor and selector threads from the same pool: room for them on top.
        int leased = 4 + 2 * Runtime.getRuntime().availableProcessors();
        javalin.jetty.threadPool = new QueuedThreadPool(config.workerThreads() + leased, Math.min(8, config.workerThreads()));
        javalin.startup.showJavalinBanner = false;
        javalin.http.maxRequestSize = config.maxBodyBytes();
        javalin.http.prefer405over404 = true;
        JettyErrors errors = new JettyErrors(JSON);
        javalin.jetty.modifyServer(server -> {
            server.setErrorHandler(errors);
            server.insertHandler(new WholeBody(config.maxBodyBytes(), config.requestTimeoutMillis(), errors));
        });
        javalin.bundledPlugins.enableCors(cors -> cors.addRule(rule -> {
            if (config.corsOrigins().contains("*")) {
                rule.anyHost();
            } else if (!config.corsOrigins().isEmpty()) {
                rule.allowHost(config.corsOrigins().get(0),
                        config.corsOrigins().subList(1, config.corsOrigins().size()).toArray(String[]::new));
            }
        }));
        javalin.routes.get("/cds-services", ctx -> write(ctx, hooks.discovery()));
        javalin.routes.post("/cds-services/{id}", this::call);
        javalin.routes.post("/cds-services/{id}/feedback", this::feedback);
        javalin.routes.get("/rules/status", ctx -> write(ctx, rulesStatus()));
        javalin.routes.exception(HttpError.class, (e, ctx) -> fail(ctx, e));
        javalin.routes.exception(HttpResponseException.class, (e, ctx) -> fail(ctx, fromJavalin(e, ctx)));
        javalin.routes.exception(Exception.class, (e, ctx) -> {
            String incident = UUID.randomUUID().toString();
            LOG.error("internal error {} on {} {}: {}", incident, ctx.method(), abbreviate(ctx.path()), e.getClass().getName());
            LOG.debug("internal error " + incident, e);
            fail(ctx, new HttpError(500, "PVP-H500", null, "internal error " + incident + "; the service log has"
                    + " its details. Nothing was stored."));
        });
    }

    /**
     * Checks the caller's JWT. Called first in each POST handler, not as a before-handler, so that
     * the CORS headers are already set and a browser client can read a 401 as it reads a 404.
     */
    private void authenticate(Context ctx) throws SQLException {
        if (jwt == null) {
            return;
        }
        String id = ctx.path().substring("/cds-services/".length()).replaceFirst("/feedback$", "");
        jwt.verify(ctx.header("Authorization"), new HashSet<>(List.of(config.publicUrl() + "/cds-services/" + id,
                config.publicUrl() + ctx.path())));
    }

    /** The live rules and the last attempt to reload them; no patient data, so no token is needed. */
    private JsonNode rulesStatus() {
        LiveRules.Status status = rules.status();
        ObjectNode body = JSON.createObjectNode()
                .put("origin", status.origin())
                .put("version", status.version())
                .put("sha256", status.sha256())
                .put("loadedAt", status.loadedAt().toString())
                .put("watching", status.watching());
        if (status.watching()) {
            // A watched folder's scenarios ran at load; the bundled rules' scenarios run in the build.
            body.put("scenariosPassed", status.scenariosPassed());
        }
        if (status.lastAttempt() != null) {
            body.putObject("lastReload")
                    .put("at", status.lastAttempt().toString())
                    .put("millis", status.lastAttemptMillis())
                    .put("outcome", status.lastError() == null ? "live" : "refused: the rules above stay live")
                    .put("error", status.lastError());
        }
        return body;
    }

    /**
     * A hook call, in its turn: with as many requests worked on as there are cores, each runs
     * without being preempted by the others, and the slowest answers stay near the typical ones.
     */
    private void call(Context ctx) throws JsonProcessingException, SQLException {
        authenticate(ctx);
        CdsService service = service(ctx);
        byte[] sent = ctx.bodyAsBytes(); // already in memory (WholeBody): a slow client never holds a turn
        turns.acquireUninterruptibly();
        try {
            write(ctx, hooks.call(service, body(sent)));
        } finally {
            turns.release();
        }
    }

    private void feedback(Context ctx) throws SQLException, JsonProcessingException {
        authenticate(ctx);
        CdsService service = service(ctx);
        feedback.store(service.id, FeedbackRequest.parse(body(ctx.bodyAsBytes())));
        write(ctx, JSON.createObjectNode());
    }

    private static CdsService service(Context ctx) {
        CdsService service = CdsService.byId(ctx.pathParam("id"));
        if (service == null) {
            throw new HttpError(404, "PVP-H404", "path", "no CDS service '" + abbreviate(ctx.pathParam("id"))
                    + "' here; GET /cds-services lists them");
        }
        return service;
    }

    /**
     * The request as sent, or 400: one UTF-8 JSON document, each key once, at most
     * {@value StrictJson#MAX_DEPTH} levels deep, nothing after it.
     */
    private static JsonNode body(byte[] sent) {
        try {
            return StrictJson.one(StrictJson.utf8(sent));
        } catch (StrictJson.Problem e) {
            throw switch (e.kind()) {
                case EMPTY -> HookRequest.bad("PVP-H101", null, "the body is empty: send the JSON request");
                case MALFORMED -> HookRequest.bad("PVP-H101", e.where(), e.getMessage());
                case TRAILING, NOT_NDJSON -> HookRequest.bad("PVP-H111", e.where(), e.getMessage()
                        + ": send one JSON object, the CDS Hooks request");
                case DUPLICATE_KEY -> HookRequest.bad("PVP-H112", e.where(), e.getMessage()
                        + ": send it once, with the value meant");
                case TOO_DEEP -> HookRequest.bad("PVP-H113", e.where(), e.getMessage()
                        + ": send the CDS Hooks request as FHIR R4 JSON");
                case NOT_UTF8 -> HookRequest.bad("PVP-H114", e.where(), e.getMessage()
                        + ": JSON is UTF-8; send the request encoded as UTF-8");
            };
        }
    }

    private static void write(Context ctx, JsonNode body) throws JsonProcessingException {
        ctx.contentType("application/json").result(JSON.writeValueAsBytes(body));
    }

    private static void fail(Context ctx, HttpError error) {
        if (error.status() == 401) {
            ctx.header("WWW-Authenticate", "Bearer");
        }
        ctx.status(error.status()).contentType("application/json");
        try {
            ctx.result(JSON.writeValueAsBytes(error.toOperationOutcome(JSON)));
        } catch (JsonProcessingException e) {
            ctx.result("{\"resourceType\":\"OperationOutcome\"}");
        }
    }

    private HttpError fromJavalin(HttpResponseException e, Context ctx) {
        return switch (e.getStatus()) {
            case 404 -> new HttpError(404, "PVP-H404", "path", "nothing at " + abbreviate(ctx.path())
                    + "; GET /cds-services lists the services");
            case 405 -> {
                String allowed = e.getDetails().getOrDefault("availableMethods", "");
                ctx.header("Allow", allowed);
                yield new HttpError(405, "PVP-H405", "method", ctx.method() + " is not served at " + abbreviate(ctx.path())
                        + (allowed.isEmpty() ? "" : ": use " + allowed.replace(", ", " or ")));
            }
            case 413 -> new HttpError(413, "PVP-H413", null, "the body is larger than " + config.maxBodyBytes()
                    + " bytes (setting maxBodyBytes)");
            default -> new HttpError(e.getStatus(), "PVP-H400", null, e.getMessage());
        };
    }

    private static String abbreviate(String text) {
        return HttpError.cut(text, 80);
    }

    @Override
    public void close() throws IOException, SQLException {
        app.stop();
        closeResources();
    }

    private void closeResources() throws IOException, SQLException {
        rules.close();
        fetcher.close();
        database.close();
    }
}
