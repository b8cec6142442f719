package org.refracturecds.fhirin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * NDJSON's lines grouped by patient, so that a large file is parsed, mapped and assessed a few
 * patients at a time ({@link InputReader#read(Group)}) instead of every resource of the file held
 * until all are mapped: the memory then stays that of the file's text, whatever its size. A Bulk
 * Data export groups its lines by resource type, so a patient's lines are spread over the file, and
 * each line is read once first (as sent, and checked as FHIR R4 JSON) to know whose it is.
 *
 * <p>Only lines the mapping reads one patient at a time are grouped: Patients, and Observations
 * (not panels) and Conditions whose {@code subject} is {@code Patient/{id}}. Anything else needs the
 * whole file: a DiagnosticReport or a panel (their results may be on other lines), a resource of
 * another type, a subject the mapping resolves, an Observation that is no finding of a patient with
 * none (what is said of those may be of no patient assessed, and is said once, first), a line that
 * cannot be read as sent or is not FHIR R4 JSON (its refusal names the first problem of the file and
 * the lines after it). For those {@link #of} gives null and the file is read whole
 * ({@link InputReader#read(byte[])}), as before.
 */
public final class PatientLines {

    /** A patient's lines in the file's order: its Observations, its Conditions, its Patient. */
    public record Group(String patient, List<StrictJson.Line> lines) {
    }

    /** A line's resource: an Observation is a FINDING when its code or a component's is one the module reads. */
    private enum Kind { PATIENT, FINDING, OTHER_OBSERVATION, CONDITION }

    /** A line's part in a group: the patient it is of, and what it is. */
    private record Owner(String patient, Kind kind) {
    }

    private static final Pattern FHIR_ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");
    private static final Pattern PATIENT = Pattern.compile("Patient/" + FHIR_ID.pattern());

    private final List<Group> patients;
    private final List<String> withoutFindings;

    private PatientLines(List<Group> patients, List<String> withoutFindings) {
        this.patients = patients;
        this.withoutFindings = withoutFindings;
    }

    /**
     * The patients with findings, in the order the mapping of the whole file gives them (of each
     * patient's first finding).
     */
    public List<Group> patients() {
        return patients;
    }

    /** The Patients of the file with no finding, as "Patient/{id}", in the file's order. */
    public List<String> withoutFindings() {
        return withoutFindings;
    }

    /** The lines of NDJSON {@code bytes} grouped by patient, or null when the file must be read whole (above). */
    public static PatientLines of(FhirContext fhir, byte[] bytes) {
        List<StrictJson.Line> lines;
        try {
            lines = StrictJson.ndjsonLines(StrictJson.utf8(bytes));
        } catch (StrictJson.Problem notUtf8) {
            return null;
        }
        if (lines == null) {
            return null;
        }
        Owner[] owners = new Owner[lines.size()];
        IntStream.range(0, lines.size()).parallel().forEach(i -> owners[i] = owner(fhir, lines.get(i)));
        Map<String, List<StrictJson.Line>> byPatient = new HashMap<>();
        Map<String, Integer> firstFinding = new HashMap<>();
        for (int i = 0; i < owners.length; i++) {
            if (owners[i] == null) {
                return null;
            }
            StrictJson.Line line = lines.get(i);
            // The text alone is kept: the first line's tree is read again when its group's turn comes.
            byPatient.computeIfAbsent(owners[i].patient(), p -> new ArrayList<>())
                    .add(new StrictJson.Line(line.text(), line.number(), null));
            if (owners[i].kind() == Kind.FINDING) {
                firstFinding.putIfAbsent(owners[i].patient(), i);
            }
        }
        if (firstFinding.isEmpty()) {
            return null; // the whole file's reading says what it lacks
        }
        // A Patient with no finding is named once; its Conditions are of no assessment, as in the whole file's
        // mapping. Its other Observations are said once, before the patients: the whole file's reading says so.
        Set<String> withoutFindings = new LinkedHashSet<>();
        for (Owner owner : owners) {
            if (owner.kind() == Kind.OTHER_OBSERVATION && !firstFinding.containsKey(owner.patient())) {
                return null;
            }
            if (owner.kind() == Kind.PATIENT && !firstFinding.containsKey(owner.patient())) {
                withoutFindings.add(owner.patient());
            }
        }
        List<Group> patients = new ArrayList<>(firstFinding.size());
        firstFinding.entrySet().stream().sorted(Map.Entry.comparingByValue())
                .forEach(first -> patients.add(new Group(first.getKey(), byPatient.get(first.getKey()))));
        return new PatientLines(List.copyOf(patients), List.copyOf(withoutFindings));
    }

    /**
     * Whose line this is, or null when it needs the whole file: not read as sent, not FHIR R4 JSON,
     * or not a line of one patient (above).
     */
    private static Owner owner(FhirContext fhir, StrictJson.Line line) {
        JsonNode resource;
        try {
            resource = line.read();
            if (!resource.isObject()) {
                return null;
            }
            new FhirJsonCheck(fhir).resource(resource, "line " + line.number());
        } catch (StrictJson.Problem | InputException refused) {
            return null;
        }
        return switch (resource.path("resourceType").asText()) {
            case "Patient" -> resource.path("id").isTextual() && FHIR_ID.matcher(resource.get("id").asText()).matches()
                    ? new Owner("Patient/" + resource.get("id").asText(), Kind.PATIENT) : null;
            case "Condition" -> subject(resource, Kind.CONDITION);
            case "Observation" -> resource.has("hasMember") ? null
                    : subject(resource, hasFindingCode(resource) ? Kind.FINDING : Kind.OTHER_OBSERVATION);
            default -> null;
        };
    }

    /** The resource's patient when its subject is only a reference {@code Patient/{id}} (a display beside it). */
    private static Owner subject(JsonNode resource, Kind kind) {
        JsonNode subject = resource.path("subject");
        JsonNode reference = subject.path("reference");
        if (!reference.isTextual() || !PATIENT.matcher(reference.asText()).matches()) {
            return null;
        }
        for (Iterator<String> names = subject.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("reference") && !name.equals("display")) {
                return null;
            }
        }
        return new Owner(reference.asText(), kind);
    }

    /** Whether the Observation's code, or a component's, is a finding the module reads (so the mapping keeps it). */
    private static boolean hasFindingCode(JsonNode observation) {
        if (findingCode(observation.path("code"))) {
            return true;
        }
        for (JsonNode component : observation.path("component")) {
            if (findingCode(component.path("code"))) {
                return true;
            }
        }
        return false;
    }

    private static boolean findingCode(JsonNode concept) {
        for (JsonNode coding : concept.path("coding")) {
            if (coding.path("system").isTextual() && coding.path("code").isTextual()
                    && FindingType.of(coding.get("system").asText(), coding.get("code").asText()).isPresent()) {
                return true;
            }
        }
        return false;
    }
}
