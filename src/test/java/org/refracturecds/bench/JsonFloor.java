package org.refracturecds.bench;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;

/**
 * The "JSON floor" of the speed issue (docs/PERFORMANCE.md, bench/floor.sh): the same Javalin and
 * Jetty as the service, reading each hook call's body with Jackson and answering the service's own
 * answer, written from a JsonNode. What the service does beyond it is its own work.
 *
 * <p>Usage: {@code JsonFloor PORT ANSWER.json}
 */
public final class JsonFloor {

    private JsonFloor() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        ObjectMapper json = new ObjectMapper();
        JsonNode answer = json.readTree(Files.readAllBytes(Path.of(args[1])));
        Javalin.create(config -> config.routes.post("/cds-services/{id}", ctx -> {
            JsonNode call = json.readTree(ctx.bodyInputStream());
            if (!call.path("hook").isTextual()) {
                ctx.status(400).result("no hook");
                return;
            }
            ctx.contentType("application/json").result(json.writeValueAsBytes(answer));
        })).start("127.0.0.1", port);
    }
}
