package org.refracturecds.cdshooks;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.fhirin.FhirFetcher;
import org.refracturecds.fhirout.RiskAssessmentWriter;
import org.refracturecds.http.AuditedCalls;
import org.refracturecds.http.HttpError;
import org.refracturecds.http.JsonBodies;
import org.refracturecds.http.JwtVerifier;
import org.refracturecds.http.PageLinks;
import org.refracturecds.http.ServiceConfig;
import org.refracturecds.store.Feedback;
import org.refracturecds.store.FeedbackStore;
import org.refracturecds.validation.InputValidation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The CDS Hooks 2.0 face over HTTP: discovery, the service calls and their feedback. Handlers only
 * parse, delegate and write; the host renders every error in one shape.
 */
public final class CdsEndpoints {

    private final ServiceConfig config;
    private final ObjectMapper json;
    private final FeedbackStore feedback;
    /** Null when authentication is off. */
    private final JwtVerifier jwt;
    /** Requests worked on at once; the others wait in arrival order (setting concurrentRequests). */
    private final Semaphore turns;
    private final Clock clock;
    private final CdsHooks hooks;
    private final CardWriter cards;
    private final MeterRegistry registry;

    /**
     * @param registry where the feedback items stored are counted ({@code pvp.feedback.items})
     * @param pages stores an assessment's page and gives the link to it, for the cards; null for no link
     */
    public CdsEndpoints(ServiceConfig config, ObjectMapper json, Supplier<Assessor> assessor, FhirFetcher fetcher,
            FeedbackStore feedback, JwtVerifier jwt, Semaphore turns, Clock clock, MeterRegistry registry,
            PageLinks pages) {
        this.config = config;
        this.registry = registry;
        this.json = json;
        this.feedback = feedback;
        this.jwt = jwt;
        this.turns = turns;
        this.clock = clock;
        this.cards = new CardWriter(json, new RiskAssessmentWriter(clock), pages, Duration.ofMinutes(config.view().linkMinutes()));
        this.hooks = new CdsHooks(config, json, assessor, fetcher, cards, turns,
                new InputValidation(InputValidation.mode(config.validation())), clock);
    }

    /**
     * The card an assessment gives, exactly as a hook call would answer it (its page kept and
     * linked): what the rules workbench previews.
     *
     * @param context "PVP ordered" before PVP, "After PVP" after it
     */
    public ObjectNode card(Assessment assessment, String context) {
        return cards.assessmentCard(assessment, null, List.of(), context, List.of());
    }

    public void register(JavalinConfig javalin) {
        javalin.routes.get("/cds-services", ctx -> write(ctx, hooks.discovery()));
        javalin.routes.post("/cds-services/{id}", this::call);
        javalin.routes.post("/cds-services/{id}/feedback", this::feedback);
    }

    /** The ids answered at /cds-services/{id}: one per service and hook, as discovery lists them. */
    public static Set<String> serviceIds() {
        return Stream.of(CdsService.values()).flatMap(service -> service.ids().stream()).collect(Collectors.toSet());
    }

    /** Answers the bundled example calls once, so that the first real calls do not pay for loading. */
    public void warmUp() throws IOException {
        for (String example : List.of("warm-up-patient-view.json", "warm-up-order-sign.json")) {
            JsonNode request;
            try (var in = CdsEndpoints.class.getResourceAsStream(example)) {
                request = json.readTree(in);
            }
            turns.acquireUninterruptibly();
            try {
                hooks.call(request.path("hook").asText().startsWith("order") ? CdsService.PREOP : CdsService.RISK, request);
            } finally {
                turns.release();
            }
        }
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
        JwtVerifier.Caller caller = jwt.verify(ctx.header("Authorization"), new HashSet<>(List.of(
                config.publicUrl() + "/cds-services/" + id, config.publicUrl() + ctx.path())));
        AuditedCalls.caller(ctx, caller.iss(), caller.sub());
    }

    /**
     * A hook call, in its turn: with as many requests worked on as there are cores, each runs
     * without being preempted by the others, and the slowest answers stay near the typical ones.
     */
    private void call(Context ctx) throws JsonProcessingException, SQLException {
        authenticate(ctx);
        CdsService service = service(ctx);
        requireJson(ctx);
        byte[] sent = ctx.bodyAsBytes(); // already in memory (WholeBody): a slow client never holds a turn
        turns.acquireUninterruptibly();
        try {
            JsonNode request = body(sent);
            AuditedCalls.patient(ctx, request.path("context").path("patientId").textValue());
            write(ctx, hooks.call(service, request));
        } finally {
            turns.release();
        }
    }

    private void feedback(Context ctx) throws SQLException, JsonProcessingException {
        authenticate(ctx);
        CdsService service = service(ctx);
        requireJson(ctx);
        List<Feedback> items = FeedbackRequest.parse(body(ctx.bodyAsBytes()), clock.instant());
        // Counted as stored now: an item sent again is answered 200 too, and stored once.
        for (Feedback item : feedback.store(service.id, items, AuditedCalls.feedbackStored(ctx))) {
            Counter.builder("pvp.feedback.items").description("Feedback items stored durably, by outcome")
                    .tag("service", service.id).tag("outcome", item.outcome()).register(registry).increment();
        }
        write(ctx, json.createObjectNode());
    }

    /** A hook call or feedback not declared JSON: 415 ({@link JsonBodies}). */
    private static void requireJson(Context ctx) {
        JsonBodies.require(ctx.header("Content-Type"), "a CDS Hooks request is JSON; send Content-Type: application/json");
    }

    private static CdsService service(Context ctx) {
        CdsService service = CdsService.byId(ctx.pathParam("id"));
        if (service == null) {
            throw new HttpError(404, "PVP-H404", "path", "no CDS service '" + HttpError.cut(ctx.pathParam("id"), 80)
                    + "' here; GET /cds-services lists them");
        }
        return service;
    }

    /** The request as sent, or 400 ({@link JsonBodies#read}). */
    private static JsonNode body(byte[] sent) {
        return JsonBodies.read(sent, "the CDS Hooks request", "FHIR R4 JSON", "send the JSON request");
    }

    private void write(Context ctx, JsonNode body) throws JsonProcessingException {
        ctx.contentType("application/json").result(json.writeValueAsBytes(body));
    }
}
