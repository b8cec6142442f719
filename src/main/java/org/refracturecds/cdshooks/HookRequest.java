package org.refracturecds.cdshooks;

import org.hl7.fhir.r4.model.IdType;
import org.refracturecds.fhirin.References;
import org.refracturecds.http.HttpError;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A CDS Hooks 2.0 call, checked field by field: every field is hostile until it has the shape
 * the spec gives it. Errors are 400 with the field's JSON path.
 *
 * @param fhirServer   the EHR's FHIR base URL, or null
 * @param accessToken  fhirAuthorization.access_token, or null; never logged
 * @param encounterId  context.encounterId, or null
 * @param selections   order-select's newly selected orders, else empty
 * @param draftOrders  the order hooks' Bundle of draft orders, else null
 * @param prefetch     the prefetch object, or null
 */
record HookRequest(String hook, String hookInstance, String fhirServer, String accessToken, String patientId,
                   String encounterId, List<String> selections, JsonNode draftOrders, JsonNode prefetch) {

    /** A UUID as text, the form of hookInstance and of the card and suggestion ids in feedback. */
    static final String UUID_TEXT = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
    private static final Pattern UUID = Pattern.compile("(urn:uuid:)?" + UUID_TEXT);
    private static final Pattern BEARER_TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");

    static HookRequest parse(JsonNode body, CdsService service) {
        if (body == null || !body.isObject()) {
            throw bad("PVP-H101", null, "the body must be a JSON object (a CDS Hooks request)");
        }
        misspelled(body, "", REQUEST_FIELDS);
        String hook = text(body, "hook", true);
        if (!service.hooks.contains(hook)) {
            throw bad("PVP-H102", "hook", "'" + hook + "' is not answered by " + service.id + ", which answers "
                    + String.join(" and ", service.hooks));
        }
        String hookInstance = text(body, "hookInstance", true);
        if (!UUID.matcher(hookInstance).matches()) {
            throw bad("PVP-H103", "hookInstance", "must be a UUID");
        }
        String fhirServer = text(body, "fhirServer", false);
        String token = null;
        JsonNode authorization = body.get("fhirAuthorization");
        if (authorization != null && !authorization.isNull()) {
            if (!authorization.isObject()) {
                throw bad("PVP-H104", "fhirAuthorization", "must be an object with access_token and token_type");
            }
            misspelled(authorization, "fhirAuthorization.", AUTHORIZATION_FIELDS);
            if (fhirServer == null) {
                throw bad("PVP-H104", "fhirServer", "is required when fhirAuthorization is sent (CDS Hooks cds-r-1)");
            }
            token = text(authorization, "fhirAuthorization.", "access_token", true);
            // RFC 6750's b64token, which is all a Bearer header carries: a line break would end the header.
            if (!BEARER_TOKEN.matcher(token).matches()) {
                throw bad("PVP-H104", "fhirAuthorization.access_token", "is not a bearer token (RFC 6750: letters,"
                        + " digits and -._~+/ then =): send the token the EHR's authorization server gave");
            }
            JsonNode expires = authorization.get("expires_in");
            if (expires != null && !expires.isNull() && !expires.isIntegralNumber()) {
                throw bad("PVP-H104", "fhirAuthorization.expires_in", "must be a whole number of seconds");
            }
            JsonNode scope = authorization.get("scope");
            if (scope != null && !scope.isNull() && !scope.isTextual()) {
                throw bad("PVP-H104", "fhirAuthorization.scope", "must be a string of scopes");
            }
            String type = text(authorization, "fhirAuthorization.", "token_type", true);
            if (!"Bearer".equalsIgnoreCase(type)) {
                throw bad("PVP-H104", "fhirAuthorization.token_type", "must be Bearer");
            }
        }
        JsonNode context = body.get("context");
        if (context == null || !context.isObject()) {
            throw bad("PVP-H105", "context", "is required: an object with the fields of the " + hook + " hook");
        }
        misspelled(context, "context.", contextFields(hook));
        text(context, "context.", "userId", true);
        String patientId = text(context, "context.", "patientId", true);
        if (!References.isFhirId(patientId)) {
            throw bad("PVP-H106", "context.patientId", "is not a FHIR id (letters, digits, - and ., at most 64)");
        }
        String encounterId = text(context, "context.", "encounterId", hook.equals("encounter-discharge"));
        if (encounterId != null && !References.isFhirId(encounterId)) {
            throw bad("PVP-H106", "context.encounterId", "is not a FHIR id (letters, digits, - and ., at most 64)");
        }
        List<String> selections = new ArrayList<>();
        JsonNode draftOrders = null;
        if (hook.startsWith("order-")) {
            draftOrders = context.get("draftOrders");
            if (draftOrders == null || draftOrders.isNull()) {
                throw bad("PVP-H107", "context.draftOrders", "is required for " + hook + ": a FHIR Bundle of the draft orders");
            }
            if (!draftOrders.isObject() || !"Bundle".equals(draftOrders.path("resourceType").asText())) {
                throw bad("PVP-H107", "context.draftOrders", "is " + (draftOrders.isArray() ? "an array"
                        : draftOrders.isObject() ? "not a Bundle" : "not an object") + ": send the draft orders as a FHIR"
                        + " Bundle (resourceType Bundle, each order an entry)");
            }
        }
        if (hook.equals("order-select")) {
            JsonNode chosen = context.get("selections");
            if (chosen == null || !chosen.isArray() || chosen.isEmpty()) {
                throw bad("PVP-H107", "context.selections", "is required for order-select: the ids of the newly"
                        + " selected orders, e.g. [\"ServiceRequest/pvp-1\"]");
            }
            for (int i = 0; i < chosen.size(); i++) {
                if (!chosen.get(i).isTextual()) {
                    throw bad("PVP-H107", "context.selections[" + i + "]", "must be a string such as ServiceRequest/pvp-1");
                }
                selections.add(chosen.get(i).asText());
            }
            // A selection names one of the draft orders by its id (CDS Hooks order-select): one that does not would get no
            // card, unsaid. A draft order without an id cannot be selected ("ServiceRequest/" names nothing).
            Set<String> drafted = new HashSet<>();
            for (JsonNode entry : draftOrders.path("entry")) {
                String id = entry.path("resource").path("id").asText();
                if (id.isEmpty() && entry.path("fullUrl").isTextual()) {
                    // As HAPI reads the order for its card: an absolute fullUrl gives a resource without an id its own.
                    id = new IdType(entry.path("fullUrl").asText()).getIdPart();
                }
                if (References.isFhirId(id)) {
                    drafted.add(entry.path("resource").path("resourceType").asText() + "/" + id);
                }
            }
            for (int i = 0; i < selections.size(); i++) {
                if (!drafted.contains(selections.get(i))) {
                    throw bad("PVP-H107", "context.selections[" + i + "]", "names " + HttpError.cut(selections.get(i), 80)
                            + ", which is not among context.draftOrders: a selection is the type and id of a draft order");
                }
            }
        }
        JsonNode prefetch = body.get("prefetch");
        if (prefetch != null && !prefetch.isNull() && !prefetch.isObject()) {
            throw bad("PVP-H108", "prefetch", "must be an object of prefetch keys");
        }
        if (prefetch != null && prefetch.isObject()) {
            misspelled(prefetch, "prefetch.", PREFETCH_KEYS);
        }
        return new HookRequest(hook, hookInstance, fhirServer, token, patientId, encounterId, List.copyOf(selections), draftOrders,
                prefetch == null || prefetch.isNull() ? null : prefetch);
    }

    /** The prefetched resource under {@code key}, or null when it was not sent, sent as null, or as an OperationOutcome. */
    JsonNode prefetched(String key) {
        JsonNode value = prefetch == null ? null : prefetch.get(key);
        if (value == null || value.isNull() || "OperationOutcome".equals(value.path("resourceType").asText())) {
            return null;
        }
        if (!value.isObject() || !value.path("resourceType").isTextual()) {
            throw bad("PVP-H108", "prefetch." + key, "must be a FHIR resource (a JSON object with resourceType)");
        }
        return value;
    }

    /** The request's fields this service reads, and those of fhirAuthorization and of each hook's context. */
    private static final List<String> REQUEST_FIELDS = List.of("hook", "hookInstance", "fhirServer", "fhirAuthorization",
            "context", "prefetch");
    private static final List<String> AUTHORIZATION_FIELDS = List.of("access_token", "token_type");
    /** The prefetch keys, the same for every service: the codes a key searches change, not the keys. */
    private static final List<String> PREFETCH_KEYS = CdsService.RISK.prefetch(List.of()).stream()
            .map(CdsService.Prefetch::key).toList();

    private static List<String> contextFields(String hook) {
        return switch (hook) {
            case "order-sign" -> List.of("userId", "patientId", "encounterId", "draftOrders");
            case "order-select" -> List.of("userId", "patientId", "encounterId", "draftOrders", "selections");
            default -> List.of("userId", "patientId", "encounterId");
        };
    }

    /**
     * A field named as one of {@code known}, which this service reads, but for its case or separators ("Prefetch",
     * "patient_id") would be passed over as another field, and what it holds lost: refused, naming the field it is
     * meant to be. Fields it does not read are left alone, however named.
     */
    private static void misspelled(JsonNode object, String prefix, List<String> known) {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            String loose = known.contains(name) ? null : loosely(name);
            if (loose != null) {
                for (String field : known) {
                    if (loosely(field).equals(loose)) {
                        throw bad("PVP-H100", prefix + HttpError.cut(name, 80), "is not a CDS Hooks field (field names"
                                + " are case-sensitive), so what it holds would not be read: send it as " + prefix + field);
                    }
                }
            }
        }
    }

    /** The name's ASCII letters and digits, in lower case. */
    private static String loosely(String name) {
        StringBuilder loose = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 128 && Character.isLetterOrDigit(c)) {
                loose.append(Character.toLowerCase(c));
            }
        }
        return loose.toString();
    }

    private static String text(JsonNode node, String field, boolean required) {
        return text(node, "", field, required);
    }

    private static String text(JsonNode node, String prefix, String field, boolean required) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw bad("PVP-H100", prefix + field, "is required");
            }
            return null;
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            throw bad("PVP-H100", prefix + field, "must be a non-empty string");
        }
        return value.asText();
    }

    static HttpError bad(String code, String where, String message) {
        return new HttpError(400, code, where, message);
    }
}
