package org.refracturecds.fhirin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * NDJSON's lines grouped by patient, so that a large file is parsed, mapped and assessed a few
 * patients at a time ({@link InputReader#read(Group)}) instead of every resource of the file held
 * until all are mapped: the memory then stays that of the file's bytes, whatever its size. A Bulk
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
 * ({@link InputReader#read(String)}), as before.
 */
public final class PatientLines {

    /** The Observations, Conditions and Patient of one patient, in the file's order. */
    public static final class Group {
        private final List<StrictJson.Line> lines;

        Group(List<StrictJson.Line> lines) {
            this.lines = lines;
        }

        List<StrictJson.Line> lines() {
            return lines;
        }
    }

    /** A line's resource: an Observation is a FINDING when its code or a component's is one the module reads. */
    private enum Kind { PATIENT, FINDING, OTHER_OBSERVATION, CONDITION }

    /** A line's part in a group: the patient it is of, and what it is. */
    private record Owner(String patient, Kind kind) {
    }

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

    /**
     * The lines of NDJSON grouped by patient, or null when the file must be read whole (above), or is
     * one line (one document: answered as one, pretty-printed).
     *
     * @param utf8 the file's bytes, which are UTF-8 or the file is read whole (its text refused)
     */
    public static PatientLines of(FhirContext fhir, byte[] utf8) {
        List<StrictJson.Line> lines = StrictJson.ndjsonLines(utf8);
        if (lines == null || lines.size() < 2) {
            return null;
        }
        Owner[] owners = new Owner[lines.size()];
        if (!IntStream.range(0, lines.size()).parallel().allMatch(i -> (owners[i] = owner(fhir, lines.get(i))) != null)) {
            return null;
        }
        Map<String, List<StrictJson.Line>> byPatient = new HashMap<>();
        Map<String, Integer> firstFinding = new HashMap<>();
        for (int i = 0; i < owners.length; i++) {
            // The first line's tree is not kept: it is read again when its group's turn comes.
            byPatient.computeIfAbsent(owners[i].patient(), p -> new ArrayList<>()).add(lines.get(i).withoutTree());
            if (owners[i].kind() == Kind.FINDING) {
                firstFinding.putIfAbsent(owners[i].patient(), i);
            }
        }
        if (firstFinding.isEmpty()) {
            return null; // the whole file's reading says what it lacks
        }
        // A Patient with no finding is named once, and its Conditions are of no assessment, as in the whole file's
        // mapping; their lines must still be FHIR R4 that HAPI reads. Another Observation of such a patient is said
        // once, before the patients: the whole file's reading says so.
        Set<String> withoutFindings = new LinkedHashSet<>();
        List<StrictJson.Line> ofNone = new ArrayList<>();
        for (int i = 0; i < owners.length; i++) {
            if (!firstFinding.containsKey(owners[i].patient())) {
                if (owners[i].kind() == Kind.OTHER_OBSERVATION) {
                    return null;
                }
                if (owners[i].kind() == Kind.PATIENT) {
                    withoutFindings.add(owners[i].patient());
                }
                ofNone.add(lines.get(i));
            }
        }
        InputReader reader = new InputReader(fhir);
        if (!ofNone.parallelStream().allMatch(line -> reader.parses(line))) {
            return null; // the whole file's reading refuses it, with the others refused
        }
        List<Group> patients = new ArrayList<>(firstFinding.size());
        firstFinding.entrySet().stream().sorted(Map.Entry.comparingByValue())
                .forEach(first -> patients.add(new Group(byPatient.get(first.getKey()))));
        return new PatientLines(List.copyOf(patients), List.copyOf(withoutFindings));
    }

    /**
     * Whose line this is, or null when it needs the whole file: not a line of one patient (above),
     * not read as sent, or not FHIR R4 JSON.
     */
    private static Owner owner(FhirContext fhir, StrictJson.Line line) {
        JsonNode resource;
        try {
            resource = line.read();
        } catch (StrictJson.Problem notAsSent) {
            return null;
        }
        Owner owner = switch (resource.path("resourceType").asText()) {
            case "Patient" -> resource.path("id").isTextual()
                    && References.isFhirId(resource.get("id").asText())
                    ? new Owner("Patient/" + resource.get("id").asText(), Kind.PATIENT) : null;
            case "Condition" -> subject(resource, Kind.CONDITION);
            case "Observation" -> {
                Boolean finding = hasFindingCode(resource);
                yield resource.has("hasMember") || finding == null ? null
                        : subject(resource, finding ? Kind.FINDING : Kind.OTHER_OBSERVATION);
            }
            default -> null;
        };
        if (owner == null) {
            return null;
        }
        try {
            new FhirJsonCheck(fhir).resource(resource, "line " + line.number());
        } catch (InputException refused) {
            return null;
        }
        return owner;
    }

    /** The resource's patient when its subject is only a reference {@code Patient/{id}} (a display beside it). */
    private static Owner subject(JsonNode resource, Kind kind) {
        JsonNode subject = resource.path("subject");
        JsonNode reference = subject.path("reference");
        if (!reference.isTextual() || !reference.asText().startsWith("Patient/")
                || !References.isFhirId(reference.asText().substring("Patient/".length()))) {
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

    /**
     * Whether the Observation's code, or a component's, is a finding the module reads (so the mapping
     * keeps it); null when a coding's system or code has white space around it, which HAPI may trim:
     * such a line is read with the whole file.
     */
    private static Boolean hasFindingCode(JsonNode observation) {
        List<JsonNode> concepts = new ArrayList<>();
        concepts.add(observation.path("code"));
        observation.path("component").forEach(component -> concepts.add(component.path("code")));
        boolean finding = false;
        for (JsonNode concept : concepts) {
            for (JsonNode coding : concept.path("coding")) {
                String system = coding.path("system").asText("");
                String code = coding.path("code").asText("");
                if (!system.equals(system.strip()) || !code.equals(code.strip())) {
                    return null;
                }
                finding |= FindingType.of(system, code).isPresent();
            }
        }
        return finding;
    }
}
