package org.refracturecds.fhirapi;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.fhirin.InputException;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.References;
import org.refracturecds.http.AuditedCalls;
import org.refracturecds.http.HttpError;
import org.refracturecds.http.JsonBodies;
import org.refracturecds.http.JwtVerifier;

import com.fasterxml.jackson.databind.JsonNode;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import jakarta.servlet.http.HttpServletRequest;

/**
 * {@code $pvp-refracture-risk} (fhir-profiles/OperationDefinition-pvp-refracture-risk.json), on
 * Patient: at instance level ({@code GET|POST /fhir/Patient/{id}/$pvp-refracture-risk}) from the
 * patient's data on the hospital's FHIR server; at type level ({@code POST
 * /fhir/Patient/$pvp-refracture-risk}) from the findings sent inline, a Parameters resource whose
 * parameter {@code findings} is a Bundle (or that Bundle alone), of one patient. It answers the
 * RiskAssessment; an error is an OperationOutcome with the CDS Hooks service's codes.
 */
public final class RiskOperation {

    static final String NAME = "$pvp-refracture-risk";
    /** The query parameters FHIR gives every interaction for the form of its answer (HAPI applies them). */
    private static final Set<String> ANSWER_FORM = Set.of("_format", "_pretty");
    /** FHIR's query parameters for a part of the answer (HAPI applies them): a RiskAssessment in part misleads. */
    private static final Set<String> PART = Set.of("_summary", "_elements", "_elements:exclude");
    static final String CANONICAL = "https://fhir.refracture-cds.org/OperationDefinition/pvp-refracture-risk";
    /** What a type-level call sends. */
    private static final String SEND = "send a Parameters resource whose parameter findings is a Bundle of the"
            + " patient's findings, or that Bundle alone";

    private final Supplier<Assessor> assessor;
    private final PatientAssessment assessments;
    private final ServerData server;
    /** Null when authentication is off. */
    private final JwtVerifier jwt;
    private final Supplier<String> base;
    private final Semaphore turns;
    private final AuditedCalls audited;

    /**
     * @param base  the FHIR face's base URL ({@code publicUrl/fhir}), the audience a caller's JWT names
     * @param turns the requests worked on at once, shared with the other faces
     */
    RiskOperation(Supplier<Assessor> assessor, PatientAssessment assessments, ServerData server, JwtVerifier jwt,
                  Supplier<String> base, Semaphore turns, AuditedCalls audited) {
        this.assessor = assessor;
        this.assessments = assessments;
        this.server = server;
        this.jwt = jwt;
        this.base = base;
        this.turns = turns;
        this.audited = audited;
    }

    @Operation(name = NAME, type = Patient.class, idempotent = true, manualRequest = true, canonicalUrl = CANONICAL)
    public RiskAssessment assess(@IdParam(optional = true) IdType patient, HttpServletRequest http,
                                 RequestDetails request) throws SQLException {
        AuditedCalls.Operation call = audited.begin(patient == null ? "Patient/" + NAME : "Patient/{id}/" + NAME);
        try {
            authenticate(http, call);
            refuseQueryParameters(request);
            if (patient != null) {
                refuseFindingsSent(request);
            }
            RiskAssessment risk = patient == null ? inline(request, call) : fromServer(patient, call);
            call.end(200, null);
            return risk;
        } catch (HttpError e) {
            call.end(e.status(), e.code());
            throw e;
        } catch (RuntimeException | SQLException e) {
            call.end(500, "PVP-H500");
            throw e;
        }
    }

    private void authenticate(HttpServletRequest http, AuditedCalls.Operation call) throws SQLException {
        if (jwt == null) {
            return;
        }
        String requested = http.getRequestURL().toString();
        JwtVerifier.Caller caller = jwt.verify(http.getHeader("Authorization"),
                new HashSet<>(List.of(base.get(), requested)));
        call.caller(caller);
    }

    /**
     * The operation's one input parameter, findings, is a Bundle, which a URL cannot carry: a query
     * parameter other than FHIR's for the answer's format ({@code _format}, {@code _pretty}) would be
     * silently unused, so it is refused. So are those for a part of the answer ({@code _summary},
     * {@code _elements}): HAPI would leave out the prediction, its interval, the guidance or the notes,
     * and a risk without its limits and basis reads as more certain than it is.
     */
    private static void refuseQueryParameters(RequestDetails request) {
        List<String> names = request.getParameters().keySet().stream().sorted().toList();
        for (String name : names) {
            if (PART.contains(name)) {
                throw new HttpError(400, "PVP-H124", name, "would have the answer hold part of the RiskAssessment"
                        + " (HAPI leaves out the prediction, its interval, the guidance or the notes), and a risk is"
                        + " only meaningful whole, with its limits and basis: leave " + name + " out");
            }
            if (!ANSWER_FORM.contains(name)) {
                throw new HttpError(400, "PVP-H124", HttpError.cut(name, 40), "is not a parameter of " + NAME
                        + ", which takes its findings as a Bundle in the body (type level) or reads them from the FHIR"
                        + " server (on a Patient); leave it out");
            }
        }
        String[] pretty = request.getParameters().get("_pretty");
        if (pretty != null && (pretty.length > 1 || !Set.of("true", "false").contains(pretty[0]))) {
            throw new HttpError(400, "PVP-H124", "_pretty", "is '" + HttpError.cut(String.join(",", pretty), 40)
                    + "': give _pretty=true (the JSON or XML indented) or false, once");
        }
        String[] format = request.getParameters().get("_format");
        if (format != null && format.length > 1) {
            // HAPI would answer in the first: the others would go unread.
            throw new HttpError(400, "PVP-H124", "_format", "is given " + format.length + " times ("
                    + HttpError.cut(String.join(", ", format), 60) + "): give it once, json or xml");
        }
    }

    /**
     * A call on a Patient reads the findings from the FHIR server: findings sent with it (a Bundle, or
     * a Parameters resource with findings) would be silently unused, so they are refused, as is any
     * other parameter.
     */
    private static void refuseFindingsSent(RequestDetails request) {
        byte[] body = request.loadRequestContents();
        if (body == null || new String(body, StandardCharsets.UTF_8).isBlank()) {
            return;
        }
        Inline sent = Inline.read(body, "a call on a Patient takes no body, or a Parameters resource without"
                + " parameters: it reads the patient's findings from the hospital's FHIR server");
        if (sent.findings() != null) {
            throw new HttpError(400, "PVP-H123", sent.where(), "holds findings, but a call on a Patient reads the"
                    + " patient's findings from the hospital's FHIR server: POST the findings to Patient/" + NAME
                    + " (type level) to assess them, or send no body");
        }
    }

    private RiskAssessment fromServer(IdType patient, AuditedCalls.Operation call) {
        String id = patient.getIdPart();
        if (!References.isFhirId(id)) {
            throw new HttpError(400, "PVP-H106", "Patient.id", "is not a FHIR id (letters, digits, - and ., at most 64)");
        }
        call.patient(id);
        Assessor rules = assessor.get();
        ServerData.Found found = server.of(id, rules.rules().vocabulary()); // waits on the network: no turn held
        ServerData.Order order = found.orders().size() == 1 ? found.orders().get(0) : null;
        turns.acquireUninterruptibly();
        try {
            return assessments.assess(rules, found.input(), "fetched findings", "Patient/" + id,
                    order == null ? Set.of() : order.levels(), order == null ? null : order.id());
        } finally {
            turns.release();
        }
    }

    private RiskAssessment inline(RequestDetails request, AuditedCalls.Operation call) {
        if (request.getRequestType() == RequestTypeEnum.GET) {
            throw new HttpError(405, "PVP-H405", "method", "GET is not served on /fhir/Patient/" + NAME + ": its findings"
                    + " are a Bundle, which only a POST body carries. POST a Parameters resource with the findings, or"
                    + " GET /fhir/Patient/{id}/" + NAME + " to have them read from the FHIR server");
        }
        byte[] body = request.loadRequestContents();
        turns.acquireUninterruptibly();
        try {
            Inline sent = Inline.read(body, SEND);
            if (sent.findings() == null) {
                throw new HttpError(400, "PVP-H120", "Parameters.parameter", "has no parameter findings: send the"
                        + " patient's findings as a Bundle in the parameter findings, or call"
                        + " Patient/{id}/" + NAME + " to read them from the hospital's FHIR server");
            }
            List<InputReader.Entry> entries;
            try {
                entries = InputReader.ofWholeInput(FhirContext.forR4Cached()).read(sent.findings());
            } catch (InputException e) {
                throw new HttpError(400, e.code(), InputReader.within(sent.where(), e.where()), e.getMessage());
            }
            RiskAssessment risk = assessments.assess(assessor.get(), new PatientAssessment.Input(entries, List.of(),
                    false, References.ofFiles(), List.of()), sent.where(), null, Set.of(), null);
            call.patient(new IdType(risk.getSubject().getReference()).getIdPart());
            return risk;
        } finally {
            turns.release();
        }
    }

    /**
     * The findings Bundle sent in the body, and where it is; null findings when the body is a
     * Parameters resource without them.
     */
    record Inline(JsonNode findings, String where) {

        /** The Parameters resource's elements taken (id and meta change nothing); implicitRules and language are not. */
        private static final Set<String> PARAMETERS = Set.of("resourceType", "id", "meta", "parameter");

        /**
         * The body, a Bundle or a Parameters resource whose one parameter, findings, is a Bundle
         * (fhir-profiles/OperationDefinition-pvp-refracture-risk.json); anything else in it is refused,
         * not left unused.
         *
         * @param send what to send instead of a body that is not a Bundle or Parameters resource
         */
        static Inline read(byte[] body, String send) {
            JsonNode root = json(body);
            if (!root.isObject()) {
                throw new HttpError(400, "PVP-H120", null, "the body is a JSON " + (root.isArray() ? "array"
                        : "value (" + root.getNodeType().name().toLowerCase(Locale.ROOT) + ")")
                        + ", not a FHIR resource: " + send);
            }
            JsonNode type = root.path("resourceType");
            if (type.asText().equals("Bundle") && type.isTextual()) {
                return new Inline(root, "Bundle");
            }
            if (!type.asText().equals("Parameters") || !type.isTextual()) {
                throw new HttpError(400, "PVP-H120", "resourceType", (type.isMissingNode() ? "is missing"
                        : "is " + (type.isTextual() ? "'" + HttpError.cut(type.asText(), 40) + "'"
                        : HttpError.cut(type.toString(), 40))) + ": " + send);
            }
            root.fieldNames().forEachRemaining(key -> {
                if (!PARAMETERS.contains(key)) {
                    throw new HttpError(400, "PVP-H120", "Parameters." + HttpError.cut(key, 40), "is not read by "
                            + NAME + ", which reads a Parameters resource's parameter only: leave it out");
                }
            });
            JsonNode parameters = root.path("parameter");
            if (!parameters.isMissingNode() && !parameters.isArray()) {
                throw new HttpError(400, "PVP-H120", "Parameters.parameter", "is not an array: send"
                        + " \"parameter\": [{\"name\": \"findings\", \"resource\": {the Bundle}}]");
            }
            JsonNode found = null;
            String where = null;
            for (int i = 0; i < parameters.size(); i++) {
                String at = "Parameters.parameter[" + i + "]";
                JsonNode parameter = parameters.get(i);
                JsonNode name = parameter.path("name");
                if (!name.isTextual() || !name.asText().equals("findings")) {
                    String takes = "one parameter, findings, a Bundle"
                            + " (fhir-profiles/OperationDefinition-pvp-refracture-risk.json)";
                    throw new HttpError(400, "PVP-H120", at, name.isTextual() ? "is '" + HttpError.cut(name.asText(), 40)
                            + "', not a parameter of " + NAME + ", which takes " + takes + ": leave it out"
                            : "has no name: " + NAME + " takes " + takes + "; name it findings");
                }
                if (found != null) {
                    throw new HttpError(400, "PVP-H120", at, "is a second findings parameter: send one Bundle with"
                            + " all the patient's findings");
                }
                parameter.fieldNames().forEachRemaining(key -> {
                    if (!key.equals("name") && !key.equals("resource")) {
                        throw new HttpError(400, "PVP-H120", at + "." + HttpError.cut(key, 40), "is not read: the"
                                + " parameter findings holds its Bundle as resource, and nothing else; leave it out");
                    }
                });
                where = at + ".resource";
                found = parameter.get("resource");
                if (found == null || !"Bundle".equals(found.path("resourceType").asText())) {
                    throw new HttpError(400, "PVP-H120", where, "is not a Bundle: the findings parameter holds a"
                            + " Bundle of the patient's findings (Observations; the Patient and Conditions may go along)");
                }
            }
            return new Inline(found, where);
        }

        /** The body as sent, or 400 ({@link JsonBodies#read}). */
        private static JsonNode json(byte[] body) {
            return JsonBodies.read(body, "the Parameters resource", "FHIR R4 JSON", "POST a Parameters resource with the"
                    + " findings, or GET Patient/{id}/" + NAME + " to read them from the FHIR server");
        }
    }
}
