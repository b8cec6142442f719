package org.refracturecds.fhirin;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Observation.ObservationStatus;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Type;
import org.refracturecds.facts.Finding;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Vertebra;

/**
 * Turns Observations of imaging findings into the facts the rules read, one {@link
 * PatientFindings} per patient (subject), one {@link Vertebra} per level named in bodySite.
 *
 * <ul>
 * <li>Status: final, amended and corrected count; preliminary counts but makes the result
 *     preliminary; entered-in-error, cancelled, registered and unknown are left out, with a notice.
 * <li>Several Observations of one finding at one level: the latest effective (or issued) wins;
 *     a disagreement is reported, and two that disagree at the same time are an error.
 * <li>Units: % is percentage points, a fraction (UCUM 1) is converted, any other unit is an error.
 * <li>Unknown codes and other resource types are left out and listed.
 * </ul>
 */
public final class ObservationMapper {

    static final String PRESENT = "52101004";
    static final String ABSENT = "2667000";
    static final List<String> NPEC_CODES = List.of("none", "upper", "lower", "upper-and-lower");

    /** One usable Observation, before the patient's findings are put together. */
    private record Reading(String patient, FindingType type, VertebralLevel level, String value, Double quantity,
                           String reference, Date effective, String effectiveText, boolean preliminary) {

        String display() {
            return value != null ? value : quantity + " " + type.kind.unit;
        }
    }

    public List<PatientFindings> map(List<InputReader.Entry> entries) throws InputException {
        Map<String, List<Reading>> readings = new LinkedHashMap<>();
        Map<String, List<Notice>> notices = new LinkedHashMap<>();
        List<Notice> unattached = new ArrayList<>();
        boolean sawPatient = false;
        for (InputReader.Entry entry : entries) {
            Resource resource = entry.resource();
            if (resource instanceof Observation observation) {
                String patient = subject(observation, entry.where());
                readings.computeIfAbsent(patient, p -> new ArrayList<>());
                List<Notice> patientNotices = notices.computeIfAbsent(patient, p -> new ArrayList<>());
                read(observation, patient, entry.where(), patientNotices).ifPresent(readings.get(patient)::add);
            } else if (resource instanceof Patient) {
                sawPatient = true;
            } else {
                unattached.add(Notice.info("PVP-I103", reference(resource, entry.where()), "left out: only"
                        + " Observations of imaging findings are read"));
            }
        }
        if (readings.isEmpty()) {
            String what = entries.isEmpty() ? "holds no resource" : sawPatient
                    ? "holds a Patient but no Observation: send the Patient's imaging findings as Observations"
                    : "holds no Observation: send imaging findings as Observations (CODES.md)";
            String where = entries.isEmpty() ? "the input" : entries.get(0).where().replaceFirst("\\.entry\\[\\d+]$", "");
            throw new InputException(entries.isEmpty() ? "PVP-E004" : "PVP-E003", where, what);
        }
        List<PatientFindings> patients = new ArrayList<>();
        for (Map.Entry<String, List<Reading>> patient : readings.entrySet()) {
            List<Notice> patientNotices = notices.get(patient.getKey());
            patientNotices.addAll(unattached);
            patients.add(assemble(patient.getKey(), patient.getValue(), patientNotices));
        }
        return patients;
    }

    private static String subject(Observation observation, String where) throws InputException {
        String reference = observation.getSubject().getReference();
        if (reference == null || reference.isBlank()) {
            throw new InputException("PVP-E101", reference(observation, where) + " subject",
                    "is missing: every Observation must name its patient (subject.reference)");
        }
        return reference;
    }

    /** The Observation as a usable reading, or empty when it is left out (with a notice saying why). */
    private static Optional<Reading> read(Observation observation, String patient, String where, List<Notice> notices)
            throws InputException {
        String label = reference(observation, where);
        Optional<FindingType> type = type(observation.getCode());
        if (type.isEmpty()) {
            notices.add(Notice.info("PVP-I101", label, "left out: code " + codes(observation.getCode())
                    + " is not a finding this module reads (CODES.md)"));
            return Optional.empty();
        }
        if (!observation.hasStatus()) {
            throw new InputException("PVP-E102", label + " status", "is missing: FHIR requires it (final, amended,"
                    + " corrected or preliminary)");
        }
        ObservationStatus status = observation.getStatus();
        switch (status) {
            case FINAL, AMENDED, CORRECTED, PRELIMINARY -> { }
            default -> {
                notices.add(Notice.info("PVP-I102", label, "left out: status " + status.toCode()));
                return Optional.empty();
            }
        }
        if (!observation.hasValue()) {
            if (observation.hasDataAbsentReason()) {
                notices.add(Notice.info("PVP-I104", label, "left out: no value (dataAbsentReason "
                        + codes(observation.getDataAbsentReason()) + ")"));
                return Optional.empty();
            }
            throw new InputException("PVP-E103", label + " value[x]", "is missing: " + expected(type.get()));
        }
        FindingType finding = type.get();
        VertebralLevel level = level(observation, label);
        String value = null;
        Double quantity = null;
        switch (finding.kind) {
            case PRESENCE -> value = presence(observation.getValue(), finding, label);
            case NPEC -> value = npec(observation.getValue(), label);
            default -> quantity = quantity(observation.getValue(), finding, label);
        }
        if (status == ObservationStatus.PRELIMINARY) {
            notices.add(Notice.warning("PVP-W103", label, "is preliminary, so the assessment is preliminary too"));
        }
        BaseDateTimeType when = effective(observation);
        return Optional.of(new Reading(patient, finding, level, value, quantity, reference(observation, where),
                when == null ? null : when.getValue(), when == null ? null : when.getValueAsString(),
                status == ObservationStatus.PRELIMINARY));
    }

    private static Optional<FindingType> type(CodeableConcept code) {
        return code.getCoding().stream().map(c -> FindingType.of(c.getSystem(), c.getCode()))
                .flatMap(Optional::stream).findFirst();
    }

    private static String expected(FindingType type) {
        return switch (type.kind) {
            case PRESENCE -> type.code + " needs valueBoolean, or valueCodeableConcept SNOMED CT "
                    + PRESENT + " (present) or " + ABSENT + " (absent)";
            case NPEC -> "npec-pattern needs valueCodeableConcept from " + Codes.NPEC_PATTERN + " (" + String.join(", ", NPEC_CODES) + ")";
            default -> type.code + " needs valueQuantity in " + String.join(" or ", new TreeMap<>(type.kind.factors).keySet());
        };
    }

    private static String presence(Type value, FindingType type, String label) throws InputException {
        if (value instanceof org.hl7.fhir.r4.model.BooleanType bool && bool.hasValue()) {
            return bool.booleanValue() ? "present" : "absent";
        }
        if (value instanceof CodeableConcept concept) {
            for (Coding coding : concept.getCoding()) {
                if (Codes.SNOMED.equals(coding.getSystem()) && PRESENT.equals(coding.getCode())) {
                    return "present";
                }
                if (Codes.SNOMED.equals(coding.getSystem()) && ABSENT.equals(coding.getCode())) {
                    return "absent";
                }
            }
            throw new InputException("PVP-E103", label + " valueCodeableConcept", "code " + codes(concept)
                    + " is not understood: " + expected(type));
        }
        throw new InputException("PVP-E103", label + " value[x]", "is a " + value.fhirType() + ": " + expected(type));
    }

    private static String npec(Type value, String label) throws InputException {
        if (!(value instanceof CodeableConcept concept)) {
            throw new InputException("PVP-E103", label + " value[x]", "is a " + value.fhirType() + ": "
                    + expected(FindingType.NPEC_PATTERN));
        }
        return concept.getCoding().stream()
                .filter(c -> Codes.NPEC_PATTERN.equals(c.getSystem()) && NPEC_CODES.contains(c.getCode()))
                .map(Coding::getCode).findFirst()
                .orElseThrow(() -> new InputException("PVP-E105", label + " valueCodeableConcept", "code "
                        + codes(concept) + " is not an NPEC pattern: " + expected(FindingType.NPEC_PATTERN)));
    }

    private static double quantity(Type value, FindingType type, String label) throws InputException {
        if (!(value instanceof Quantity quantity)) {
            throw new InputException("PVP-E103", label + " value[x]", "is a " + value.fhirType() + ": " + expected(type));
        }
        if (!quantity.hasValue()) {
            throw new InputException("PVP-E103", label + " valueQuantity.value", "is missing: " + expected(type));
        }
        if (quantity.hasComparator()) {
            throw new InputException("PVP-E103", label + " valueQuantity.comparator", "is "
                    + quantity.getComparator().toCode() + ": send the measured value itself");
        }
        if (quantity.hasSystem() && !Codes.UCUM.equals(quantity.getSystem())) {
            throw new InputException("PVP-E104", label + " valueQuantity.system", "is " + quantity.getSystem()
                    + ": units must be UCUM (" + Codes.UCUM + ")");
        }
        String unit = quantity.hasCode() ? quantity.getCode() : quantity.hasUnit() ? quantity.getUnit() : "1";
        Double factor = type.kind.factors.get(unit);
        if (factor == null) {
            String field = quantity.hasCode() ? "valueQuantity.code" : "valueQuantity.unit";
            throw new InputException("PVP-E104", label + " " + field, "unit '" + unit + "' is not accepted: "
                    + expected(type) + (type.kind == FindingType.Kind.PERCENT ? " (% means percentage points; 1 means a fraction)" : ""));
        }
        return quantity.getValue().doubleValue() * factor;
    }

    private static VertebralLevel level(Observation observation, String label) throws InputException {
        if (!observation.hasBodySite()) {
            return null;
        }
        CodeableConcept site = observation.getBodySite();
        return site.getCoding().stream().filter(c -> Codes.SNOMED.equals(c.getSystem()))
                .map(c -> VertebralLevel.bySnomed(c.getCode())).flatMap(Optional::stream).findFirst()
                .orElseThrow(() -> new InputException("PVP-E106", label + " bodySite", codes(site)
                        + " is not a vertebra from T4 to L5 (SNOMED CT body structure codes, CODES.md),"
                        + " the levels the paper studied"));
    }

    /** When the finding was observed: effective[x] (a period's end), else issued; null when neither. */
    private static BaseDateTimeType effective(Observation observation) {
        if (observation.hasEffectiveDateTimeType()) {
            return observation.getEffectiveDateTimeType();
        }
        if (observation.hasEffectiveInstantType()) {
            return observation.getEffectiveInstantType();
        }
        if (observation.hasEffectivePeriod()) {
            Period period = observation.getEffectivePeriod();
            return period.hasEnd() ? period.getEndElement() : period.getStartElement();
        }
        return observation.hasIssued() ? observation.getIssuedElement() : null;
    }

    /** Puts one patient's readings together: levels, the latest of each finding, disagreements. */
    private static PatientFindings assemble(String patient, List<Reading> readings, List<Notice> notices)
            throws InputException {
        List<VertebralLevel> levels = readings.stream().map(Reading::level).filter(Objects::nonNull).distinct()
                .sorted().toList();
        Map<VertebralLevel, Vertebra> vertebrae = new TreeMap<>(Comparator.nullsFirst(Comparator.naturalOrder()));
        Map<String, List<Reading>> byFinding = new LinkedHashMap<>();
        for (Reading reading : readings) {
            VertebralLevel level = reading.level();
            if (reading.type().vertebral && level == null) {
                if (levels.size() > 1) {
                    throw new InputException("PVP-E108", reading.reference() + " bodySite", "is missing, and "
                            + patient + " has findings at " + levels + ": say which vertebra this finding is of");
                }
                level = levels.isEmpty() ? null : levels.get(0);
                if (level != null) {
                    notices.add(Notice.info("PVP-I105", reading.reference(), "has no bodySite; taken to be of "
                            + level + ", the only level reported for this patient"));
                }
            }
            if (reading.type().vertebral) {
                VertebralLevel key = level;
                vertebrae.computeIfAbsent(key, l -> l == null ? new Vertebra(null, null) : new Vertebra(l.name(), l.snomedCode));
            }
            String key = (reading.type().vertebral ? String.valueOf(level) : "patient") + "|" + reading.type().name();
            byFinding.computeIfAbsent(key, k -> new ArrayList<>()).add(withLevel(reading, level));
        }
        if (vertebrae.isEmpty()) {
            throw new InputException("PVP-E109", patient, "has no finding of a vertebra (IVC, endplate"
                    + " disruption, NPEC, RR, compression ratios...): nothing to assess");
        }
        List<Finding> findings = new ArrayList<>();
        List<String> basis = new ArrayList<>();
        boolean preliminary = false;
        for (List<Reading> same : byFinding.values()) {
            Reading chosen = latest(same, notices);
            Vertebra vertebra = chosen.type().vertebral ? vertebrae.get(chosen.level()) : null;
            Finding finding = Finding.observed(vertebra, chosen.type().ruleCode(), chosen.value(), chosen.quantity(),
                    chosen.value() == null ? chosen.type().kind.unit : null, chosen.reference(), chosen.effectiveText());
            if (vertebra != null) {
                vertebra.record(finding);
            }
            findings.add(finding);
            basis.add(chosen.reference());
            preliminary |= chosen.preliminary();
        }
        return new PatientFindings(patient, List.copyOf(vertebrae.values()), findings, notices, basis, preliminary);
    }

    private static Reading withLevel(Reading reading, VertebralLevel level) {
        return new Reading(reading.patient(), reading.type(), level, reading.value(), reading.quantity(),
                reading.reference(), reading.effective(), reading.effectiveText(), reading.preliminary());
    }

    /** The latest reading of one finding; older ones that disagree are reported, a tie that disagrees is refused. */
    private static Reading latest(List<Reading> same, List<Notice> notices) throws InputException {
        Comparator<Reading> byTime = Comparator.comparing(Reading::effective, Comparator.nullsFirst(Comparator.naturalOrder()));
        Reading chosen = same.stream().max(byTime).orElseThrow();
        for (Reading other : same) {
            if (other == chosen || other.display().equals(chosen.display())) {
                continue;
            }
            if (Objects.equals(other.effective(), chosen.effective())) {
                throw new InputException("PVP-E107", chosen.reference() + " and " + other.reference(),
                        "contradict each other (" + chosen.type().ruleCode() + ": " + chosen.display() + " vs "
                        + other.display() + ") with the same effective time: correct or enter one in error");
            }
            notices.add(Notice.warning("PVP-W101", chosen.reference(), chosen.type().ruleCode() + " is "
                    + chosen.display() + " here but " + other.display() + " in the earlier " + other.reference()
                    + "; the latest is used"));
        }
        return chosen;
    }

    private static String reference(Resource resource, String where) {
        if (resource.hasIdElement() && resource.getIdElement().hasIdPart()) {
            String id = resource.getIdElement().getValue();
            return id.startsWith("urn:") ? id : resource.fhirType() + "/" + resource.getIdElement().getIdPart();
        }
        return resource.fhirType() + " at " + where;
    }

    private static String codes(CodeableConcept concept) {
        if (!concept.hasCoding()) {
            return concept.hasText() ? "'" + concept.getText() + "'" : "(none)";
        }
        return String.join(", ", concept.getCoding().stream().map(c -> c.getSystem() + "|" + c.getCode()).toList());
    }
}
