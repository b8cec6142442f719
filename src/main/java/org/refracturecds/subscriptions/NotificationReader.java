package org.refracturecds.subscriptions;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.refracturecds.fhirin.InputException;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.References;
import org.refracturecds.http.HttpError;

import com.fasterxml.jackson.databind.JsonNode;

import ca.uhn.fhir.context.FhirContext;

/**
 * Reads what a FHIR Subscription notification asks for, trusting none of it: each shape below, and
 * nothing else, is accepted; every reference must be a plain FHIR id of a Patient or an Observation on
 * the configured server. It reads, it does not fetch.
 *
 * <ul>
 * <li>R4 rest-hook, payload omitted: an empty body. Nothing is named: a sweep of the findings saved lately.
 * <li>R4 rest-hook with the resource as payload: the Observation (HAPI sends it with PUT to
 *     {@code endpoint/Observation/{id}}); its subject is the patient.
 * <li>Subscriptions R5 Backport IG, R4 notification Bundle ({@code type} history, the first entry a
 *     Parameters SubscriptionStatus): {@code handshake} and {@code heartbeat} ask for nothing;
 *     {@code event-notification} names the changed findings, by reference (id-only: each event's
 *     {@code focus}) or with the resources in the later entries (full-resource).
 * </ul>
 */
final class NotificationReader {

    /** What one notification asks for: patients to assess, findings whose patient is still to be read, or a sweep. */
    record Request(String source, List<String> patients, List<String> findings, boolean sweep) {

        static Request nothing(String source) {
            return new Request(source, List.of(), List.of(), false);
        }
    }

    static final String R4_EMPTY = "r4-empty";
    static final String R4_REST_HOOK = "r4-rest-hook";
    static final String BACKPORT_ID_ONLY = "backport-id-only";
    static final String BACKPORT_FULL = "backport-full-resource";
    static final String BACKPORT_STATUS = "backport-status";

    private static final Pattern REFERENCE = Pattern.compile("(?:(.+)/)?(Patient|Observation)/([^/]+)(?:/_history/[^/]+)?");
    private static final int MOST_EVENTS = 1000;

    private final String serverBase;

    /** @param serverBase the configured FHIR server; an absolute reference elsewhere is refused */
    NotificationReader(String serverBase) {
        this.serverBase = serverBase;
    }

    /**
     * @param body       the parsed body, or null when it was empty
     * @param pathType   the resource type in the path (PUT endpoint/Observation/id), or null
     * @param pathId     the id in the path, or null
     */
    Request read(JsonNode body, String pathType, String pathId) {
        if (pathType != null) {
            if (!"Observation".equals(pathType)) {
                throw refused("PVP-N102", "path", "a notification about a " + cut(pathType) + " is not one this"
                        + " service asks for: subscribe to Observations of the findings (the subscribe command)");
            }
            if (!References.isFhirId(pathId)) {
                throw refused("PVP-N103", "path", "the Observation id in the path is not a FHIR id");
            }
        }
        if (body == null) {
            return pathType == null ? new Request(R4_EMPTY, List.of(), List.of(), true)
                    : new Request(R4_REST_HOOK, List.of(), List.of("Observation/" + pathId), false);
        }
        if (!body.isObject() || !body.path("resourceType").isTextual()) {
            throw refused("PVP-N101", "body", "is not a FHIR resource in JSON: send the Observation, a notification"
                    + " Bundle, or nothing");
        }
        String type = body.get("resourceType").asText();
        if (type.equals("Observation") || type.equals("Bundle")) {
            // What the notification holds is FHIR R4 JSON, read as every input is (StrictJson, FhirJsonCheck).
            try {
                new InputReader(FhirContext.forR4Cached()).read(body);
            } catch (InputException e) {
                throw refused(e.code(), InputReader.within("body", e.where()), e.getMessage());
            }
        }
        if (pathId != null && body.path("id").isTextual() && !pathId.equals(body.get("id").asText())) {
            throw refused("PVP-N103", "id", "is '" + cut(body.get("id").asText()) + "', not the path's Observation "
                    + pathId + ": a rest-hook sends an Observation to the path of its own id; send them the same");
        }
        return switch (type) {
            case "Observation" -> new Request(R4_REST_HOOK, List.of(patientOf(body, "Observation")), List.of(), false);
            case "Bundle" -> bundle(body);
            default -> throw refused("PVP-N102", "resourceType", "a " + cut(type) + " is not a notification this"
                    + " service reads: send an Observation (R4 rest-hook) or a Subscription notification Bundle");
        };
    }

    private Request bundle(JsonNode bundle) {
        JsonNode entries = bundle.path("entry");
        JsonNode status = entries.path(0).path("resource");
        if (!"history".equals(bundle.path("type").asText()) || !"Parameters".equals(status.path("resourceType").asText())) {
            throw refused("PVP-N105", "Bundle", "is not a subscription notification: a Subscriptions Backport"
                    + " notification is a history Bundle whose first entry is the SubscriptionStatus (Parameters)");
        }
        String notification = null;
        List<String> foci = new ArrayList<>();
        for (JsonNode parameter : status.path("parameter")) {
            String name = parameter.path("name").asText();
            if ("type".equals(name)) {
                notification = parameter.path("valueCode").asText(null);
            } else if ("notification-event".equals(name)) {
                for (JsonNode part : parameter.path("part")) {
                    if ("focus".equals(part.path("name").asText())) {
                        foci.add(part.path("valueReference").path("reference").asText(""));
                    }
                }
            }
        }
        if (notification == null) {
            throw refused("PVP-N106", "Bundle.entry[0].resource.parameter", "the SubscriptionStatus has no type:"
                    + " handshake, heartbeat or event-notification");
        }
        switch (notification) {
            case "handshake", "heartbeat", "query-status", "query-event":
                return Request.nothing(BACKPORT_STATUS);
            case "event-notification":
                break;
            default:
                throw refused("PVP-N106", "Bundle.entry[0].resource.parameter", "the notification type '"
                        + cut(notification) + "' is not one of handshake, heartbeat, event-notification");
        }
        if (entries.size() > MOST_EVENTS + 1) {
            throw refused("PVP-N107", "Bundle.entry", "holds " + entries.size() + " entries: at most " + MOST_EVENTS
                    + " events per notification");
        }
        Set<String> patients = new LinkedHashSet<>();
        boolean resources = false;
        for (int i = 1; i < entries.size(); i++) {
            JsonNode resource = entries.get(i).path("resource");
            if (resource.isObject()) {
                resources = true;
                String type = resource.path("resourceType").asText();
                if ("Observation".equals(type)) {
                    patients.add(patientOf(resource, "Bundle.entry[" + i + "].resource"));
                } else if ("Patient".equals(type)) {
                    patients.add(plainId(resource.path("id").asText(""), "Bundle.entry[" + i + "].resource.id"));
                }
            }
        }
        if (resources) {
            return new Request(BACKPORT_FULL, List.copyOf(patients), List.of(), false);
        }
        Set<String> findings = new LinkedHashSet<>();
        for (int i = 0; i < foci.size(); i++) {
            Reference reference = reference(foci.get(i), "notification-event[" + i + "].focus");
            if (reference.type().equals("Patient")) {
                patients.add(reference.id());
            } else {
                findings.add("Observation/" + reference.id());
            }
        }
        return new Request(BACKPORT_ID_ONLY, List.copyOf(patients), List.copyOf(findings), false);
    }

    /** The id of the patient an Observation is about. */
    private String patientOf(JsonNode observation, String where) {
        JsonNode subject = observation.path("subject").path("reference");
        if (!subject.isTextual()) {
            throw refused("PVP-N103", where + ".subject", "names no patient: the finding's subject must reference"
                    + " the Patient (Patient/ID)");
        }
        Reference reference = reference(subject.asText(), where + ".subject");
        if (!reference.type().equals("Patient")) {
            throw refused("PVP-N103", where + ".subject", "is not a Patient");
        }
        return reference.id();
    }

    private record Reference(String type, String id) {
    }

    private Reference reference(String text, String where) {
        Matcher matcher = REFERENCE.matcher(text);
        if (text.length() > 500 || !matcher.matches()) {
            throw refused("PVP-N103", where, "is not a reference to a Patient or an Observation (Patient/ID)");
        }
        String base = matcher.group(1);
        if (base != null && !base.equals(serverBase)) {
            throw refused("PVP-N104", where, "names a resource on another server: only " + serverBase
                    + " (setting fhirServer.url) is read and written");
        }
        return new Reference(matcher.group(2), plainId(matcher.group(3), where));
    }

    private static String plainId(String id, String where) {
        if (!References.isFhirId(id)) {
            throw refused("PVP-N103", where, "is not a FHIR id (letters, digits, '-' and '.', at most 64)");
        }
        return id;
    }

    static HttpError refused(String code, String where, String message) {
        return new HttpError(400, code, where, message);
    }

    private static String cut(String text) {
        return HttpError.cut(text, 40);
    }
}
