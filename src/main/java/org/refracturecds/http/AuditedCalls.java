package org.refracturecds.http;

import java.time.Clock;
import java.util.Set;
import java.util.function.Supplier;

import org.refracturecds.store.AuditTrail;
import org.slf4j.MDC;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;

/**
 * Records every POST under a path (a hook call, a feedback request) in the audit trail, whatever
 * its outcome, refusals included. The face fills in what only it knows as it goes (the verified
 * caller, the patient), the host the code of an error; the row is written when the answer is
 * ready: queued for a hook call, within the feedback's own transaction for feedback answered 200
 * ({@link #feedbackStored}). Not recorded: a request refused before it reaches the service (a body
 * over maxBodyBytes or not sent within requestTimeoutMillis, a malformed request line).
 */
public final class AuditedCalls {

    private static final String KEY = "pvp.audit";

    private final AuditTrail trail;
    private final Supplier<AuditTrail.Rules> rules;
    private final Supplier<String> node;
    private final Clock clock;

    /**
     * @param rules the rules live on this node (a call is recorded with those live when it arrived)
     * @param node  this node's name
     */
    public AuditedCalls(AuditTrail trail, Supplier<AuditTrail.Rules> rules, Supplier<String> node, Clock clock) {
        this.trail = trail;
        this.rules = rules;
        this.node = node;
        this.clock = clock;
    }

    /**
     * Records every POST under {@code prefix}, e.g. /cds-services.
     *
     * @param services the ids served there: any other path is kept as "unknown", not as the caller's text
     */
    public void register(JavalinConfig javalin, String prefix, Set<String> services) {
        javalin.routes.before(prefix + "/*", ctx -> {
            if (ctx.method() == HandlerType.POST) {
                ctx.attribute(KEY, new Call(prefix, services, rules.get()));
            }
        });
        javalin.routes.after(prefix + "/*", ctx -> {
            Call call = ctx.attribute(KEY);
            if (call != null && !(call.stored && ctx.statusCode() == 200)) {
                trail.later(call.event(ctx, ctx.statusCode()));
            }
        });
    }

    /**
     * A call of a face that is not served by Javalin (the FHIR face's operation): recorded as a row
     * {@link AuditTrail#FHIR_OPERATION} when {@link Operation#end} is called, with the rules live
     * when it began.
     *
     * @param service what was called, e.g. {@code Patient/$pvp-refracture-risk}
     */
    public Operation begin(String service) {
        return new Operation(service, rules.get());
    }

    /** One call of the FHIR face, filled in as it goes; {@link #end} queues its row. */
    public final class Operation {
        private final long startNanos = System.nanoTime();
        private final String service;
        private final AuditTrail.Rules rulesLive;
        private String clientIss;
        private String clientSub;
        private String patientHmac;

        private Operation(String service, AuditTrail.Rules rulesLive) {
            this.service = service;
            this.rulesLive = rulesLive;
        }

        public void caller(JwtVerifier.Caller caller) {
            clientIss = caller.iss();
            clientSub = caller.sub();
        }

        /** The patient the call is about; only its HMAC is kept. */
        public void patient(String patientId) {
            patientHmac = trail.patientHmac(patientId);
        }

        /** @param errorCode the PVP code of the error answered, null for a success */
        public void end(int status, String errorCode) {
            trail.later(new AuditTrail.Event(clock.instant(), AuditTrail.FHIR_OPERATION, node.get(), clientIss,
                    clientSub, service, patientHmac, rulesLive, status, status >= 400 ? errorCode : null,
                    (System.nanoTime() - startNanos) / 1_000_000, MDC.get(RequestIds.MDC_KEY), null));
        }
    }

    /** The caller, from its verified JWT. */
    public static void caller(Context ctx, String iss, String sub) {
        Call call = ctx.attribute(KEY);
        if (call != null) {
            call.clientIss = iss;
            call.clientSub = sub;
        }
    }

    /** The patient the call is about; only its HMAC is kept. */
    public static void patient(Context ctx, String patientId) {
        Call call = ctx.attribute(KEY);
        if (call != null) {
            call.patientHmac = call.hmac(patientId);
        }
    }

    /** The code of the error answered, e.g. PVP-H201. */
    public static void errorCode(Context ctx, String code) {
        Call call = ctx.attribute(KEY);
        if (call != null) {
            call.errorCode = code;
        }
    }

    /**
     * The audit row of a feedback request about to be answered 200, to be written in the
     * transaction that stores its feedback; when it is answered 200 the call is not recorded
     * again. Null when the call is not audited.
     */
    public static AuditTrail.Event feedbackStored(Context ctx) {
        Call call = ctx.attribute(KEY);
        if (call == null) {
            return null;
        }
        call.stored = true;
        return call.event(ctx, 200);
    }

    /** What is known of one call so far. */
    private final class Call {
        final long startNanos = System.nanoTime();
        final String prefix;
        final Set<String> services;
        final AuditTrail.Rules rules;
        String clientIss;
        String clientSub;
        String patientHmac;
        String errorCode;
        /** The row was handed to the feedback's transaction. */
        boolean stored;

        Call(String prefix, Set<String> services, AuditTrail.Rules rules) {
            this.prefix = prefix;
            this.services = services;
            this.rules = rules;
        }

        String hmac(String patientId) {
            return trail.patientHmac(patientId);
        }

        AuditTrail.Event event(Context ctx, int status) {
            String rest = ctx.path().length() > prefix.length() + 1 ? ctx.path().substring(prefix.length() + 1) : "";
            boolean feedback = rest.endsWith("/feedback");
            String named = feedback ? rest.substring(0, rest.length() - "/feedback".length()) : rest;
            // A path that names no service is the caller's text, which may be anything (a patient's name): not kept.
            String service = services.contains(named) ? named : "unknown";
            String requestId = ctx.res().getHeader(RequestIds.HEADER);
            if (requestId == null) {
                requestId = MDC.get(RequestIds.MDC_KEY);
            }
            return new AuditTrail.Event(clock.instant(), feedback ? AuditTrail.FEEDBACK : AuditTrail.HOOK_CALL,
                    node.get(), clientIss, clientSub, service, patientHmac, rules, status,
                    status >= 400 ? errorCode : null, (System.nanoTime() - startNanos) / 1_000_000, requestId, null);
        }
    }
}
