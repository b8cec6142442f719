package org.refracturecds.fhirin;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The code systems this module reads and writes (docs/CODES.md). */
public final class Codes {

    public static final String BASE = "https://fhir.refracture-cds.org";
    public static final String FINDINGS = BASE + "/CodeSystem/pvp-findings";
    public static final String NPEC_PATTERN = BASE + "/CodeSystem/npec-pattern";
    public static final String RISK_MODELS = BASE + "/CodeSystem/risk-models";
    public static final String LOINC = "http://loinc.org";
    public static final String SNOMED = "http://snomed.info/sct";
    public static final String UCUM = "http://unitsofmeasure.org";
    public static final String CPT = "http://www.ama-assn.org/go/cpt";
    public static final String ICD10 = "http://hl7.org/fhir/sid/icd-10";
    /** The outcome, in {@link #FINDINGS}: a refracture of the cemented vertebra (the paper's definition), recorded at follow-up. */
    public static final String REFRACTURE = "refracture-cemented-vertebra";

    /** Percutaneous vertebroplasty as an order or procedure code, "system|code" (docs/CODES.md). */
    public static final List<String> PVP_PROCEDURES = List.of(SNOMED + "|392010000", CPT + "|22510", CPT + "|22511",
            CPT + "|22512");

    /**
     * Every Observation code an assessment reads, "system|code", for a FHIR search: not the
     * outcome {@link #REFRACTURE}, which only the calibrate command reads.
     */
    public static List<String> findingTokens() {
        return Arrays.stream(FindingType.values()).filter(t -> !t.isOutcome()).map(t -> t.system + "|" + t.code).toList();
    }

    /** The profile (fhir-profiles/) of an Observation with this code, when the module reads the code. */
    public static Optional<String> findingProfile(String system, String code) {
        return FindingType.of(system, code).map(type -> BASE + "/StructureDefinition/pvp-" + type.ruleCode());
    }

    private Codes() {
    }
}
