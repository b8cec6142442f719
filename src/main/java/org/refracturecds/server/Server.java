package org.refracturecds.server;

import java.io.IOException;
import java.sql.SQLException;
import java.text.ParseException;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.Semaphore;

import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.refracturecds.authoring.LiveRules;
import org.refracturecds.cdshooks.CdsEndpoints;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Settings;
import org.refracturecds.fhirin.FhirFetcher;
import org.refracturecds.http.HttpError;
import org.refracturecds.http.JettyErrors;
import org.refracturecds.http.JwtVerifier;
import org.refracturecds.http.ServiceConfig;
import org.refracturecds.http.WholeBody;
import org.refracturecds.store.Database;
import org.refracturecds.store.FeedbackStore;
import org.refracturecds.store.UsedJwtIds;
import org.refracturecds.store.ViewPages;
import org.refracturecds.view.ViewEndpoints;
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
 * The host: one Javalin on Jetty with the faces on it (CDS Hooks, the surgeon's page), the rules' status, and
 * what every face shares: the database, the FHIR client, the JWT check, slow-client guards, and
 * every error in one OperationOutcome shape.
 */
public final class Server implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Server.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final ServiceConfig config;
    private final LiveRules rules;
    private final FhirFetcher fetcher;
    private final Database database;
    private final FeedbackStore feedback;
    private final JwtVerifier jwt;
    private final CdsEndpoints cds;
    private final ViewEndpoints view;
    private final Javalin app;
    private volatile boolean started;

    private Server(ServiceConfig config, LiveRules rules, Clock clock) throws SQLException, IOException, ParseException {
        this.config = config;
        this.rules = rules;
        this.fetcher = new FhirFetcher(config.fhirServers(), config.fetchTimeoutMillis());
        this.database = Database.open(config.databaseSettings());
        this.feedback = new FeedbackStore(database, clock);
        this.jwt = config.auth().verify()
                ? new JwtVerifier(config.auth().issuers(), new UsedJwtIds(database, clock), clock) : null;
        this.view = new ViewEndpoints(config, this::publicUrl, JSON, new ViewPages(database, clock), clock);
        this.cds = new CdsEndpoints(config, JSON, rules::assessor, fetcher, feedback, jwt,
                new Semaphore(config.requestsAtOnce(), true), clock, view);
        this.app = Javalin.create(this::configure);
    }

    /** Starts the service on rules that never change. */
    public static Server start(ServiceConfig config, RuleSet rules, Clock clock)
            throws SQLException, IOException, ParseException {
        return start(config, LiveRules.fixed(rules, new Settings(config.incidence())), clock);
    }

    /** Starts the service; the port is the configured one, or a free one when it is 0. It closes the rules when it stops. */
    public static Server start(ServiceConfig config, LiveRules rules, Clock clock)
            throws SQLException, IOException, ParseException {
        Server server = new Server(config, rules, clock);
        try {
            server.warmUp();
            server.app.start();
            server.started = true;
        } catch (RuntimeException e) {
            server.closeResources();
            throw e;
        }
        return server;
    }

    public int port() {
        return app.port();
    }

    public FeedbackStore feedback() {
        return feedback;
    }

    /** The service's URL: the setting, with the port it listens on once started when it was given as 0 (a free one). */
    private String publicUrl() {
        return started && config.publicUrl().endsWith(":0")
                ? config.publicUrl().substring(0, config.publicUrl().length() - 1) + app.port() : config.publicUrl();
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
            cds.warmUp();
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
        cds.register(javalin);
        view.register(javalin);
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
