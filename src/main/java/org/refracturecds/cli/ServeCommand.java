package org.refracturecds.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;

import org.refracturecds.server.Server;
import org.refracturecds.http.ServiceConfig;
import org.refracturecds.authoring.LiveRules;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Settings;
import org.refracturecds.engine.RuleSetException;
import org.refracturecds.engine.RulesCache;
import org.refracturecds.store.Database;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.javalin.util.JavalinBindException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Runs the CDS Hooks 2.0 service: discovery at GET /cds-services. Without --config it runs the"
                + " bundled demo settings: 127.0.0.1:8080, no authentication.",
                "Exit 1 when the rules do not compile, 2 when a setting is wrong."})
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--port", paramLabel = "PORT", description = "Listen on PORT (0 picks a free one).")
    Integer port;

    @Option(names = "--rules", paramLabel = "DIR", description = "Read the rules from DIR instead of the bundled ones.")
    Path rules;

    @Option(names = "--config", paramLabel = "FILE", description = "Settings in YAML (see config/example.yaml).")
    Path config;

    @Option(names = "--log-format", paramLabel = "FORMAT",
            description = "Log lines as text or json (one JSON object per line); overrides logFormat and PVP_LOG_FORMAT.")
    String logFormat;

    @Spec
    CommandSpec spec;

    private final Clock clock;
    private final RulesCache rulesCache;

    ServeCommand(Clock clock, RulesCache rulesCache) {
        this.clock = clock;
        this.rulesCache = rulesCache;
    }

    @Override
    public Integer call() throws Exception {
        Server.preload();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Object> overrides = new LinkedHashMap<>();
        if (port != null) {
            overrides.put("port", port);
        }
        if (rules != null) {
            overrides.put("rules", rules.toString());
        }
        if (logFormat != null) {
            overrides.put("logFormat", logFormat);
        }
        ServiceConfig settings;
        LiveRules liveRules;
        CompletableFuture<Database> database = null;
        try {
            settings = ServiceConfig.load(config, overrides, System.getenv());
            database = Server.openDatabase(settings); // while the rules load
            Settings model = new Settings(settings.incidence());
            liveRules = settings.rules() == null ? LiveRules.fixed(RuleSet.loadBundled(rulesCache), model, rulesCache)
                    : LiveRules.load(Path.of(settings.rules()), model, rulesCache);
        } catch (ServiceConfig.ConfigException e) {
            err.println("error " + e.getMessage());
            return Cli.BAD_INPUT;
        } catch (RuleSetException e) {
            database.thenAccept(Database::close);
            err.println("error " + e.getMessage());
            return Cli.BAD_RULES;
        }
        LogFormat.use(settings.logFormat());
        Logger log = LoggerFactory.getLogger(ServeCommand.class);
        if (settings.feedbackJdbcUrl() != null) {
            log.warn("setting 'feedbackJdbcUrl' is now called 'database' (it holds more than feedback): rename it in {};"
                    + " its value is used.", config);
        }
        if (!settings.auth().verify()) {
            log.warn("authentication is OFF (auth.mode: off). Any program on this machine can call the service without"
                    + " a JWT. This is for a local demo only; never use it with patient data.");
        }
        if (settings.auth().verify() && settings.auditKey() == null) {
            log.warn("no audit key (setting auditKeyEnv): the audit trail records each call without its patient. To"
                    + " record patients as HMACs, set auditKeyEnv to an environment variable holding a random secret of"
                    + " at least 32 characters (openssl rand -hex 32), the same on every node.");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Server server;
        try {
            server = Server.start(settings, liveRules, opened(database), clock);
        } catch (SQLException e) {
            err.println("error [PVP-C104] setting '" + (settings.feedbackJdbcUrl() == null ? "database" : "feedbackJdbcUrl")
                    + "' (" + Database.withoutParameters(settings.database()) + "): the database cannot be opened: "
                    + String.valueOf(e.getMessage()).split("\n")[0]);
            return Cli.BAD_INPUT;
        } catch (JavalinBindException e) {
            err.println("error [PVP-C105] setting 'port': " + settings.host() + ":" + settings.port() + " is in use or"
                    + " cannot be bound; stop the other program or give --port");
            return Cli.BAD_INPUT;
        }
        // SIGTERM: readiness 503, no new connections, the requests in flight finish (drainSeconds), then the database closes.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                log.error("stopping failed: {}", e.getMessage());
            } finally {
                stopped.countDown();
            }
        }, "stop"));
        liveRules.watch();
        LiveRules.Status rules = liveRules.status();
        out.println("pvp-refracture-cds: CDS Hooks service on http://" + settings.host() + ":" + server.port()
                + "/cds-services (public URL " + server.discoveryUrl() + "); rules: " + rules.origin() + ", version "
                + rules.version() + " (sha256:" + rules.sha256().substring(0, 12) + ")"
                + (rules.watching() ? " (reloaded on change, GET /rules/status)" : "") + ", auth " + settings.auth().mode()
                + ", FHIR servers fetched from: " + (settings.fetchedFrom().isEmpty() ? "none (prefetch only)"
                : String.join(", ", settings.fetchedFrom())));
        out.flush();
        stopped.await();
        return 0;
    }

    private static Database opened(CompletableFuture<Database> database) throws SQLException {
        try {
            return database.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof SQLException refused) {
                throw refused;
            }
            throw e;
        }
    }
}
