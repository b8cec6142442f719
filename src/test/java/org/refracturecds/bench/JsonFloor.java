package org.refracturecds.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import org.hl7.fhir.r4.model.Resource;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Settings;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.ObservationMapper;
import org.refracturecds.fhirin.References;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.JsonParser;
import ca.uhn.fhir.parser.json.jackson.JacksonStructure;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;

/**
 * The "JSON floor" of the speed issue (docs/PERFORMANCE.md, bench/floor.sh): the same Javalin and
 * Jetty as the service, reading each hook call's body with Jackson and answering the service's own
 * answer, written from a JsonNode. What the service does beyond it is its own work.
 *
 * <p>Three more floors measure what the stack and the model cost on the same call, still answering the
 * same bytes: {@code hapi} also parses the call's FHIR resources (the prefetch and the draft orders)
 * into HAPI's R4 model from the tree Jackson read, as the service does; {@code assess} also runs the
 * rules and the model in a Drools session ({@code Assessor.assess}) on the call's findings as facts,
 * mapped once at start; {@code rules} maps the findings to facts on each call too
 * ({@code ObservationMapper}). None checks the input, writes a card or a RiskAssessment, or stores
 * anything.
 *
 * <p>Usage: {@code JsonFloor PORT ANSWER.json [json|hapi|assess|rules]}; the assess floor maps its facts
 * from the call in {@code -Dcall=FILE} (default examples/cds-hooks/order-sign.json, bench/floor.sh's call).
 */
public final class JsonFloor {

    private JsonFloor() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String floor = args.length > 2 ? args[2] : "json";
        if (!List.of("json", "hapi", "assess", "rules").contains(floor)) {
            throw new IllegalArgumentException("no floor " + floor + ": json, hapi, assess or rules");
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode answer = json.readTree(Files.readAllBytes(Path.of(args[1])));
        FhirContext fhir = FhirContext.forR4Cached();
        Assessor assessor = floor.equals("rules") || floor.equals("assess")
                ? new Assessor(RuleSet.loadBundled(), new Settings(null)) : null;
        // The assess floor's facts: the bundled call's findings, mapped once.
        PatientFindings facts = !floor.equals("assess") ? null : mapper(assessor).map(hapiParse(fhir, json.readTree(
                Files.readAllBytes(Path.of(System.getProperty("call", "examples/cds-hooks/order-sign.json")))))).get(0);
        Javalin.create(config -> config.routes.post("/cds-services/{id}", ctx -> {
            JsonNode call = json.readTree(ctx.bodyInputStream());
            if (!call.path("hook").isTextual()) {
                ctx.status(400).result("no hook");
                return;
            }
            if (!floor.equals("json")) {
                List<InputReader.Entry> entries = hapiParse(fhir, call);
                if (assessor != null) {
                    List<PatientFindings> patients = facts != null ? List.of(facts) : mapper(assessor).map(entries);
                    if (patients.isEmpty() || assessor.assess(patients.get(0)).predictions().isEmpty()) {
                        ctx.status(500).result("no assessment: the " + floor + " floor would measure nothing");
                        return;
                    }
                    patients.stream().skip(1).forEach(assessor::assess);
                }
            }
            ctx.contentType("application/json").result(json.writeValueAsBytes(answer));
        })).start("127.0.0.1", port);
    }

    private static ObservationMapper mapper(Assessor assessor) {
        return new ObservationMapper(assessor.rules().vocabulary(), References.ofFiles(), Clock.systemUTC());
    }

    /** The call's prefetch resources and draft orders, parsed by HAPI from the tree, Bundles opened. */
    private static List<InputReader.Entry> hapiParse(FhirContext fhir, JsonNode call) {
        List<JsonNode> resources = new ArrayList<>();
        call.path("prefetch").forEach(resources::add);
        resources.add(call.path("context").path("draftOrders"));
        List<InputReader.Entry> entries = new ArrayList<>();
        for (JsonNode resource : resources) {
            if (resource instanceof ObjectNode object) {
                JacksonStructure tree = new JacksonStructure();
                tree.setNativeObject(object);
                Resource parsed = (Resource) ((JsonParser) fhir.newJsonParser()).parseResource(tree);
                entries.addAll(InputReader.entries(parsed, "prefetch"));
            }
        }
        return entries;
    }
}
