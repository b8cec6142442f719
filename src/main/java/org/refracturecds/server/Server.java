package org.refracturecds.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.component.Graceful;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.refracturecds.authoring.LiveRules;
import org.refracturecds.authoring.RulesSync;
import org.refracturecds.cdshooks.CdsEndpoints;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Settings;
import org.refracturecds.fhirapi.FhirFace;
import org.refracturecds.fhirin.FhirFetcher;
import org.refracturecds.fhirin.PvpProcedures;
import org.refracturecds.fhirin.ServerCredentials;
import org.refracturecds.http.AuditedCalls;
import org.refracturecds.http.CorsHeaders;
import org.refracturecds.http.HttpError;
import org.refracturecds.http.JettyErrors;
import org.refracturecds.http.JwtVerifier;
import org.refracturecds.http.RequestIds;
import org.refracturecds.http.ServiceConfig;
import org.refracturecds.http.WholeBody;
import org.refracturecds.store.AuditTrail;
import org.refracturecds.store.Database;
import org.refracturecds.store.FeedbackStore;
import org.refracturecds.store.RulesVersions;
import org.refracturecds.store.UsedJwtIds;
import org.refracturecds.store.ViewPages;
import org.refracturecds.subscriptions.Subscriptions;
import org.refracturecds.view.SmartLaunch;
import org.refracturecds.view.ViewEndpoints;
import org.refracturecds.workbench.Workbench;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.router.Endpoint;
import io.javalin.router.ParsedEndpoint;

/**
 * The host: one Javalin on Jetty with the faces on it (CDS Hooks, FHIR, the surgeon's page), the rules' status, and
 * what every face shares: the database, the FHIR client, the JWT check, slow-client guards, and
 * every error in one OperationOutcome shape. It serves the node's health (GET /health/live,
 * /health/ready) and metrics (GET /metrics), gives every request an id, and stops by draining.
 */
public final class Server implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Server.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /** Runs a start-up task on a thread of its own, beside the others. */
    private static final Executor OWN_THREAD = task -> {
        Thread thread = new Thread(task, "start-up");
        thread.setDaemon(true);
        thread.start();
    };
    /** The longest the readiness check waits for the database (probes should allow 2 s). */
    static final long DATABASE_CHECK_MILLIS = 1000;

    private final ServiceConfig config;
    private final LiveRules rules;
    private final FhirFetcher fetcher;
    private final Database database;
    private final FeedbackStore feedback;
    private final JwtVerifier jwt;
    private final CdsEndpoints cds;
    private final Metrics metrics;
    private final Readiness readiness = new Readiness();
    private final AuditTrail audit;
    private final AuditedCalls audited;
    private final RulesSync rulesSync;
    private final ViewPages pages;
    private final ViewEndpoints view;
    /** The page as a SMART app, or null when setting smart.enabled is false. */
    private final SmartLaunch smart;
    private final FhirFace fhir;
    /** The write-back face; null when writeBack.enabled is false. */
    private final Subscriptions subscriptions;
    /** The rules workbench, or null when setting workbench.enabled is false. */
    private final Workbench workbench;
    private final Javalin app;
    private final String hostName;
    /** What the warm-up found; null until it has run. */
    private volatile Readiness.Check warm;
    private volatile boolean stopping;
    private volatile boolean listening;
    private org.eclipse.jetty.server.Server jetty;

    private Server(ServiceConfig config, LiveRules rules, Database database, Clock clock)
            throws SQLException, IOException, ParseException {
        this.config = config;
        this.rules = rules;
        this.database = database;
        this.metrics = new Metrics();
        this.fetcher = new FhirFetcher(config.fetchedFrom(), config.fetchTimeoutMillis(), metrics.registry());
        this.feedback = new FeedbackStore(database, clock);
        this.jwt = config.auth().verify()
                ? new JwtVerifier(config.auth().issuers(), new UsedJwtIds(database, clock), clock) : null;
        this.audit = new AuditTrail(database, clock, config.auditKey(), config.auditRetentionDays());
        this.rulesSync = new RulesSync(rules, new RulesVersions(database, clock), audit,
                Duration.ofSeconds(config.rulesPollSeconds()), this::nodeName, clock);
        this.pages = new ViewPages(database, clock);
        this.view = new ViewEndpoints(config, this::publicUrl, JSON, pages, hash -> rules.served(hash).isPresent(),
                rulesSync::rulesFor, clock);
        this.smart = config.smart() != null && config.smart().enabled()
                ? new SmartLaunch(config, this::publicUrl, view, config.fetchedFrom(), metrics.registry(), rules::assessor, clock)
                : null;
        Turns turns = new Turns(config.requestsAtOnce(), metrics.registry());
        this.cds = new CdsEndpoints(config, JSON, rules::assessor, fetcher, feedback, jwt, turns, clock,
                metrics.registry(), view);
        metrics.countReloads(rules);
        this.hostName = hostName(config);
        this.audited = new AuditedCalls(audit, () -> {
            LiveRules.Status live = rules.status();
            return new AuditTrail.Rules(live.version(), live.sha256());
        }, this::nodeName, clock);
        ServerCredentials credentials = ServerCredentials.of(config.fhirServer().auth(), clock);
        this.fhir = new FhirFace(config, this::publicUrl, rules::assessor, fetcher, credentials::token, jwt, turns,
                audited, clock);
        this.subscriptions = config.writeBack().on() ? new Subscriptions(config.writeBack(), config.fhirServer().url(),
                new PvpProcedures(config.extraPvpCodes()), credentials.interceptor(), database, audit, rules::assessor, () -> {
                    LiveRules.Status live = rules.status();
                    return new AuditTrail.Rules(live.version(), live.sha256());
                }, this::nodeName, clock, metrics.registry()) : null;
        this.workbench = config.workbench() != null && config.workbench().enabled() ? new Workbench(config,
                this::publicUrl, JSON, rules, rulesSync, database, audit, this::nodeName, clock, cds::card) : null;
        readiness.add("shutdown", () -> stopping ? Readiness.Check.fail("the service is stopping: the requests in"
                        + " flight finish, new ones go to another node") : Readiness.Check.pass("not stopping"))
                .add("warm-up", () -> warm != null ? warm : Readiness.Check.fail("not finished: the FHIR client, the"
                        + " parser and the rules are being run once, so that the first calls are not slow"))
                .add("rules", this::rulesLoaded)
                .add("database", this::databaseAnswers)
                .add(RulesSync.CHECK, () -> {
                    RulesSync.Readiness check = rulesSync.readiness();
                    return new Readiness.Check(check.ok(), check.reason());
                });
        if (subscriptions != null) {
            readiness.add("write-back", this::writeBackState);
        }
        this.app = Javalin.create(this::configure);
    }

    /** Starts the service on rules that never change. */
    public static Server start(ServiceConfig config, RuleSet rules, Clock clock)
            throws SQLException, IOException, ParseException {
        return start(config, LiveRules.fixed(rules, new Settings(config.incidence())), clock);
    }

    /**
     * Starts the service and returns once it is warm and ready; the port is the configured one, or
     * a free one when it is 0. It closes the rules when it stops.
     */
    public static Server start(ServiceConfig config, LiveRules rules, Clock clock)
            throws SQLException, IOException, ParseException {
        return start(config, rules, Database.open(config.databaseSettings()), clock);
    }

    /** Starts the service on a database already opened ({@link #openDatabase}); it closes it when it stops. */
    public static Server start(ServiceConfig config, LiveRules rules, Database database, Clock clock)
            throws SQLException, IOException, ParseException {
        return open(config, rules, database, clock, true);
    }

    /**
     * Opens the service's database (the pool, the migrations) on another core, so that it can be
     * done while the rules load; {@link CompletionException} holds what went wrong.
     */
    public static CompletableFuture<Database> openDatabase(ServiceConfig config) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return Database.open(config.databaseSettings());
            } catch (SQLException e) {
                throw new CompletionException(e);
            }
        }, OWN_THREAD);
    }

    /**
     * Starts the service without warming it up: it listens and answers, /health/live says so, and
     * /health/ready answers 503 until {@link #warmUp} has run.
     */
    public static Server listen(ServiceConfig config, LiveRules rules, Clock clock)
            throws SQLException, IOException, ParseException {
        return open(config, rules, Database.open(config.databaseSettings()), clock, false);
    }

    /** @param warm whether to warm up (on another core, while the rules version is read and Jetty starts) */
    private static Server open(ServiceConfig config, LiveRules rules, Database database, Clock clock, boolean warm)
            throws SQLException, IOException, ParseException {
        Server server = new Server(config, rules, database, clock);
        CompletableFuture<Void> warming = warm ? CompletableFuture.runAsync(server::warmUp, OWN_THREAD) : null;
        try {
            // The published rules version first, so that the node answers with it from its first call.
            server.rulesSync.start();
            server.app.start();
            server.listening = true;
            if (server.subscriptions != null) {
                server.subscriptions.start();
            }
        } catch (RuntimeException e) {
            if (warming != null) {
                warming.join();
            }
            server.closeResources();
            throw e;
        }
        if (warming != null) {
            warming.join();
        }
        return server;
    }

    /**
     * Loads HAPI's R4 model (it scans every resource type once, about half a second) on another
     * core while the settings and the rules are read, before the service is opened.
     */
    public static void preload() {
        CompletableFuture.runAsync(() -> FhirContext.forR4Cached().getResourceDefinition("Observation"), OWN_THREAD);
    }

    /** The checks of GET /health/ready; a part adds its own with {@link Readiness#add}. */
    public Readiness readiness() {
        return readiness;
    }

    public int port() {
        return app.port();
    }

    public FeedbackStore feedback() {
        return feedback;
    }

    /** This node's name in the audit trail and in rules publications: its host name and port. */
    private String nodeName() {
        return hostName + ":" + (listening ? app.port() : config.port());
    }

    private static String hostName(ServiceConfig config) {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return config.host();
        }
    }

    /** The service's URL: the setting, with the port it listens on once started when it was given as 0 (a free one). */
    private String publicUrl() {
        return listening && config.publicUrl().endsWith(":0")
                ? config.publicUrl().substring(0, config.publicUrl().length() - 1) + app.port() : config.publicUrl();
    }

    /** The base URL of the discovery endpoint, as the EHR is told to call it. */
    public String discoveryUrl() {
        return config.publicUrl() + "/cds-services";
    }

    /**
     * Runs the FHIR client, the parser, the rules (a Drools session) and the cards once before the
     * service listens: the first calls would otherwise spend their fetch budget on loading and
     * initialising them, and blame the EHR for it. Until it is done, /health/ready answers 503. A
     * failure here is logged; the service is then ready all the same.
     */
    public synchronized void warmUp() {
        if (warm != null) {
            return;
        }
        long start = System.nanoTime();
        try {
            // The FHIR client on one core, the hook calls on the other.
            CompletableFuture<Void> client = CompletableFuture.runAsync(() -> {
                try {
                    fetcher.warm();
                } catch (IOException e) {
                    throw new UncheckedIOException(e.getMessage(), e);
                }
            }, OWN_THREAD);
            cds.warmUp();
            client.join();
        } catch (IOException | RuntimeException e) {
            String reason = (e instanceof CompletionException && e.getCause() != null ? e.getCause() : e).getMessage();
            LOG.warn("warming up failed, the first calls may be slow: {}", reason);
            warm = Readiness.Check.pass("failed (" + reason + "); the first calls may be slow");
            return;
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        LOG.info("warmed up in {} ms", millis);
        warm = Readiness.Check.pass("done in " + millis + " ms");
    }

    private Readiness.Check rulesLoaded() {
        LiveRules.Status status = rules.status();
        return Readiness.Check.pass("version " + status.version() + " sha256:" + status.sha256().substring(0, 12)
                + " (" + status.origin() + ")");
    }

    private Readiness.Check databaseAnswers() {
        try {
            database.ping(DATABASE_CHECK_MILLIS);
            return Readiness.Check.pass("answers");
        } catch (SQLTimeoutException e) {
            return Readiness.Check.fail(e.getMessage() + ": check the database server and the network to it");
        } catch (SQLException e) {
            return Readiness.Check.fail("SELECT 1 failed: " + String.valueOf(e.getMessage()).split("\n")[0]);
        }
    }

    /** The write-back queue in words; it passes whatever the FHIR server's trouble, which is not this node's. */
    private Readiness.Check writeBackState() {
        try {
            return Readiness.Check.pass(subscriptions.state());
        } catch (SQLException e) {
            return Readiness.Check.pass("the queue cannot be read (see the database check)");
        }
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
        JettyErrors errors = new JettyErrors(JSON, new CorsHeaders(config.corsOrigins()));
        javalin.jetty.modifyServer(server -> {
            server.setErrorHandler(errors);
            // Each insert goes outside the ones before: outermost the id, then the timing, the drain, the body.
            server.insertHandler(new RequestIds.Logged());
            server.insertHandler(new WholeBody(config.maxBodyBytes(), config.requestTimeoutMillis(), errors));
            server.insertHandler(new GracefulHandler());
            server.insertHandler(new RequestMetrics(metrics.registry(), CdsEndpoints.serviceIds()));
            server.insertHandler(new RequestIds.Assign());
            jetty = server;
        });
        javalin.bundledPlugins.enableCors(cors -> cors.addRule(rule -> {
            rule.exposeHeader(CorsHeaders.EXPOSED);
            if (config.corsOrigins().contains("*")) {
                rule.anyHost();
            } else if (!config.corsOrigins().isEmpty()) {
                rule.allowHost(config.corsOrigins().get(0),
                        config.corsOrigins().subList(1, config.corsOrigins().size()).toArray(String[]::new));
            }
        }));
        audited.register(javalin, "/cds-services", CdsEndpoints.serviceIds());
        cds.register(javalin);
        view.register(javalin);
        if (smart != null) {
            smart.register(javalin);
        }
        fhir.register(javalin);
        if (subscriptions != null) {
            subscriptions.register(javalin);
        }
        if (workbench != null) {
            workbench.register(javalin);
        }
        javalin.routes.get("/rules/status", ctx -> write(ctx, rulesStatus()));
        // Health and metrics: no token (no patient data in them), and no turn: they answer while calls wait.
        javalin.routes.get("/health/live", ctx -> write(ctx, Readiness.live(JSON)));
        javalin.routes.get("/health/ready", ctx -> {
            Readiness.Report report = readiness.check();
            ctx.status(report.ready() ? 200 : 503);
            write(ctx, report.toOperationOutcome(JSON));
        });
        javalin.routes.get("/metrics", ctx -> ctx.contentType(Metrics.CONTENT_TYPE).result(metrics.scrape()));
        answerHeadAsGet(javalin);
        javalin.routes.exception(HttpError.class, (e, ctx) -> fail(ctx, e));
        javalin.routes.exception(HttpResponseException.class, (e, ctx) -> fail(ctx, fromJavalin(e, ctx)));
        javalin.routes.exception(Exception.class, (e, ctx) -> {
            // The request id is on this log line (MDC) and in the answer: the operator finds one from the other.
            String request = MDC.get(RequestIds.MDC_KEY);
            LOG.error("internal error in request {} on {} {}: {}", request, ctx.method(), abbreviate(ctx.path()),
                    e.getClass().getName());
            LOG.debug("internal error in request " + request, e);
            fail(ctx, JettyErrors.internal(500, request));
        });
    }

    /**
     * Registers each GET route for HEAD too. Javalin answers a HEAD itself, 200, for a path with a GET route,
     * without running the route (and has no setting to run it): /health/ready would say ready while not, a
     * page with a bad link would be found. Run as GET, a HEAD gets the status its GET would; Jetty sends no body.
     * Not the sign-in callbacks: a GET there spends a one-time code, which a link checker's HEAD must not.
     */
    private static void answerHeadAsGet(JavalinConfig javalin) {
        for (ParsedEndpoint route : List.copyOf(javalin.unsafe.internalRouter.allHttpHandlers())) {
            if (route.endpoint.method == HandlerType.GET && !route.endpoint.path.endsWith("/callback")) {
                javalin.routes.addEndpoint(new Endpoint(HandlerType.HEAD, route.endpoint.path, route.endpoint.handler));
            }
        }
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
        RulesSync.View sync = rulesSync.view();
        body.put("inSync", sync.inSync());
        if (sync.published() != null) {
            body.putObject("published")
                    .put("sha256", sync.published().sha256())
                    .put("version", sync.published().version())
                    .put("at", sync.published().publishedAt().toString())
                    .put("by", sync.published().publishedBy());
        } else {
            body.putNull("published");
        }
        if (sync.problem() != null) {
            body.put("problem", sync.problem());
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
        AuditedCalls.errorCode(ctx, error.code());
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

    /**
     * Stops by draining: /health/ready turns 503 first, then new connections are refused and new
     * requests on open connections get 503, while the requests in flight get up to
     * {@code drainSeconds} to finish; then the rules, the FHIR client and the database close.
     */
    @Override
    public void close() throws IOException, SQLException {
        stopping = true;
        long start = System.nanoTime();
        LOG.info("stopping: readiness 503, new connections refused, up to {} s for the requests in flight",
                config.drainSeconds());
        try {
            drain();
            app.stop();
        } finally {
            closeResources();
        }
        LOG.info("stopped in {} ms", (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * Jetty's graceful shutdown: the connectors stop accepting, new requests on open connections
     * get 503, and this waits for the requests in flight, at most drainSeconds; those still
     * running then are cut when Jetty stops.
     */
    private void drain() {
        if (jetty == null || config.drainSeconds() == 0) {
            return;
        }
        try {
            Graceful.shutdown(jetty).get(config.drainSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            LOG.warn("requests still in flight after drainSeconds ({} s) are cut", config.drainSeconds());
        } catch (ExecutionException e) {
            LOG.warn("draining failed, the requests in flight are cut: {}", e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeResources() throws IOException, SQLException {
        try {
            if (subscriptions != null) {
                subscriptions.close();
            }
            rulesSync.close();
            rules.close();
            fetcher.close();
            if (smart != null) {
                smart.close();
            }
            audit.close();
            pages.close();
        } finally {
            database.close();
            metrics.close();
        }
    }
}
