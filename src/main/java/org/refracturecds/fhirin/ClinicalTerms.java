package org.refracturecds.fhirin;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.VertebralLevel;
import org.refracturecds.facts.Vocabulary;

/**
 * Findings written in clinical terms, as the scenarios in {@code rules/tests/} give them
 * ("IVC: present", "NPEC: upper-and-lower", "RR: 12%"), turned into the Observations a sender
 * would send and read by the same mapping as real input.
 */
public final class ClinicalTerms {

    /** The short names clinicians use; every finding code (docs/CODES.md) is accepted too, with spaces or hyphens. */
    private static final Map<String, FindingType> ALIASES = aliases();
    private static final Pattern CONDITION = Pattern.compile("(ICD-?10|SNOMED(?: CT)?|[^|\\s]+)[ |]\\s*(\\S+)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern MEASURE = Pattern.compile("(-?\\d+(?:\\.\\d+)?)\\s*(\\S*)");
    public static final String NOT_REPORTED = "not reported";

    private ClinicalTerms() {
    }

    private static Map<String, FindingType> aliases() {
        Map<String, FindingType> aliases = new LinkedHashMap<>();
        aliases.put("ivc", FindingType.INTRAVERTEBRAL_CLEFT);
        aliases.put("epd", FindingType.ENDPLATE_CORTICAL_DISRUPTION);
        aliases.put("npec", FindingType.NPEC_PATTERN);
        aliases.put("rr", FindingType.REDUCTION_RATE);
        aliases.put("cr pre", FindingType.COMPRESSION_RATIO_PREOPERATIVE);
        aliases.put("cr post", FindingType.COMPRESSION_RATIO_POSTOPERATIVE);
        aliases.put("bone marrow oedema", FindingType.BONE_MARROW_EDEMA);
        aliases.put("height loss", FindingType.VERTEBRAL_HEIGHT_LOSS);
        aliases.put("bmd", FindingType.BMD_LUMBAR_SPINE);
        aliases.put("t-score", FindingType.T_SCORE_LUMBAR_SPINE);
        for (FindingType type : FindingType.values()) {
            aliases.put(type.ruleCode(), type);
            aliases.put(type.ruleCode().replace('-', ' '), type);
        }
        return aliases;
    }

    /** The names a scenario may use, for messages. */
    public static String names() {
        return "IVC, EPD, NPEC, RR, CR pre, CR post, BMD, T-score, height loss, or a finding code of docs/CODES.md"
                + " (e.g. cement-leakage, kyphotic-angle)";
    }

    /**
     * What a scenario says of the patient besides the findings.
     *
     * @param age        years, or null
     * @param conditions the patient's conditions as "ICD-10 E21.0", "SNOMED 66999008" or "system|code";
     *                   null when the scenario does not say (the study's exclusions are then not checked)
     */
    public record Person(Integer age, List<String> conditions) {
    }

    /**
     * One patient's findings at one or more vertebrae (the same findings at each).
     *
     * @param levels the vertebrae, T4 to L5, e.g. "T12" or "T11, T12"
     * @param terms  finding name -> value: present, absent, an NPEC pattern, or a number with its unit
     * @param person the patient's age and conditions, or null
     * @param where  how messages name the scenario, e.g. "rules/tests/cleft.yaml 'Cleft before PVP'"
     */
    public static PatientFindings findings(Vocabulary vocabulary, String levels, Map<String, String> terms, Person person,
                                           String where) throws InputException {
        List<InputReader.Entry> entries = new ArrayList<>();
        for (String level : levels.split(",")) {
            VertebralLevel vertebra = VertebralLevel.byName(level).orElseThrow(() -> new InputException("PVP-E501",
                    where + " level", "is '" + level.strip() + "': give a vertebra from T4 to L5, the levels the paper"
                    + " studied (several: T11, T12)"));
            for (Map.Entry<String, String> term : terms.entrySet()) {
                String at = where + " findings." + term.getKey();
                FindingType type = Optional.ofNullable(ALIASES.get(term.getKey().strip().toLowerCase(Locale.ROOT)))
                        .orElseThrow(() -> new InputException("PVP-E502", at, "is not a finding this module reads: use "
                                + names()));
                String value = String.valueOf(term.getValue()).strip();
                if (!value.equalsIgnoreCase(NOT_REPORTED)) {
                    Observation observation = observation(type, vertebra, value, at);
                    observation.setId("scenario-" + (entries.size() + 1));
                    entries.add(new InputReader.Entry(observation, at));
                }
            }
        }
        if (entries.isEmpty()) {
            throw new InputException("PVP-E503", where + " findings", "holds no finding: give at least one");
        }
        if (person != null) {
            person(person, where, entries);
        }
        return new ObservationMapper(vocabulary, References.ofFiles(), Clock.systemUTC())
                .map(entries, person != null && person.conditions() != null).get(0);
    }

    private static void person(Person person, String where, List<InputReader.Entry> entries) throws InputException {
        if (person.age() != null) {
            Patient patient = new Patient();
            patient.setId("scenario");
            patient.setBirthDateElement(new DateType(LocalDate.now(ZoneOffset.UTC).minusYears(person.age()).toString()));
            entries.add(new InputReader.Entry(patient, where + " patient.age"));
        }
        List<String> conditions = person.conditions() == null ? List.of() : person.conditions();
        for (int i = 0; i < conditions.size(); i++) {
            String at = where + " patient.conditions[" + i + "]";
            Matcher code = CONDITION.matcher(conditions.get(i).strip());
            if (!code.matches()) {
                throw new InputException("PVP-E505", at, "is '" + conditions.get(i) + "': give ICD-10 E21.0,"
                        + " SNOMED 66999008 or system|code");
            }
            String system = switch (code.group(1).toUpperCase(Locale.ROOT)) {
                case "ICD-10", "ICD10" -> Codes.ICD10;
                case "SNOMED", "SNOMED CT" -> Codes.SNOMED;
                default -> code.group(1);
            };
            Condition condition = new Condition().setSubject(new Reference("Patient/scenario"))
                    .setCode(new CodeableConcept(new Coding(system, code.group(2), null)).setText(conditions.get(i).strip()));
            condition.setId("scenario-condition-" + (i + 1));
            entries.add(new InputReader.Entry(condition, at));
        }
    }

    private static Observation observation(FindingType type, VertebralLevel level, String value, String at)
            throws InputException {
        Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL)
                .setCode(new CodeableConcept(new Coding(type.system, type.code, null)))
                .setSubject(new Reference("Patient/scenario"));
        if (type.vertebral) {
            observation.setBodySite(new CodeableConcept(new Coding(Codes.SNOMED, level.snomedCode, level.name())));
        }
        switch (type.kind) {
            case PRESENCE -> observation.setValue(presence(value, at));
            case NPEC -> {
                if (!ObservationMapper.NPEC_CODES.contains(value)) {
                    throw new InputException("PVP-E504", at, "is '" + value + "': give one of "
                            + String.join(", ", ObservationMapper.NPEC_CODES) + " (where the cement does NOT touch)");
                }
                observation.setValue(new CodeableConcept(new Coding(Codes.NPEC_PATTERN, value, null)));
            }
            default -> observation.setValue(quantity(type, value, at));
        }
        return observation;
    }

    private static CodeableConcept presence(String value, String at) throws InputException {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "present", "yes", "true" -> new CodeableConcept(new Coding(Codes.SNOMED, ObservationMapper.PRESENT, "Present"));
            case "absent", "no", "false" -> new CodeableConcept(new Coding(Codes.SNOMED, ObservationMapper.ABSENT, "Absent"));
            default -> throw new InputException("PVP-E504", at, "is '" + value + "': give present, absent or "
                    + NOT_REPORTED);
        };
    }

    private static Quantity quantity(FindingType type, String value, String at) throws InputException {
        Matcher measure = MEASURE.matcher(value);
        if (!measure.matches()) {
            throw new InputException("PVP-E504", at, "is '" + value + "': give a number with its unit, e.g. 12"
                    + type.kind.unit);
        }
        String unit = measure.group(2).isEmpty() ? type.kind.unit : measure.group(2);
        return new Quantity().setValue(new BigDecimal(measure.group(1))).setSystem(Codes.UCUM).setCode(unit).setUnit(unit);
    }
}
