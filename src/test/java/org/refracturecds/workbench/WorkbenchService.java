package org.refracturecds.workbench;

import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.refracturecds.authoring.LiveRules;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Settings;
import org.refracturecds.http.ServiceConfig;
import org.refracturecds.server.Server;

import at.favre.lib.crypto.bcrypt.BCrypt;

/**
 * The service with its workbench on, on a free port of 127.0.0.1, signing in through the test
 * run's OpenID Connect provider and two local accounts: {@code ann} (author) and {@code abe}
 * (approver), whose password is {@value #PASSWORD}.
 */
final class WorkbenchService implements AutoCloseable {

    static final String PASSWORD = "correct horse battery staple";
    private static RuleSet bundled;

    final Server server;
    final String base;

    WorkbenchService(Path dir) throws Exception {
        this(dir, Map.of());
    }

    WorkbenchService(Path dir, Map<String, Object> settings) throws Exception {
        String hash = BCrypt.withDefaults().hashToString(4, PASSWORD.toCharArray());
        Map<String, Object> all = new HashMap<>();
        all.put("port", 0);
        all.put("database", "jdbc:h2:" + dir.toAbsolutePath().resolve("pvp"));
        all.put("rulesPollSeconds", 1);
        all.put("workbench", OidcProvider.workbenchSettings(List.of(
                Map.of("user", "ann", "name", "Ann Author", "role", "author", "passwordHash", hash),
                Map.of("user", "abe", "name", "Abe Approver", "role", "approver", "passwordHash", hash))));
        all.putAll(settings);
        ServiceConfig config = ServiceConfig.load(null, all);
        this.server = Server.start(config, LiveRules.fixed(bundled(), new Settings(config.incidence())), Clock.systemUTC());
        this.base = "http://127.0.0.1:" + server.port();
    }

    static synchronized RuleSet bundled() throws Exception {
        if (bundled == null) {
            bundled = RuleSet.loadBundled();
        }
        return bundled;
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}
