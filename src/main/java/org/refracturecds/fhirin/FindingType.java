package org.refracturecds.fhirin;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.refracturecds.fhirin.Codes.FINDINGS;
import static org.refracturecds.fhirin.Codes.LOINC;

/**
 * The Observation codes this module reads (docs/CODES.md) and the value each must carry. Findings of
 * a vertebra take its bodySite; BMD and T-score belong to the patient. The last of the findings
 * CodeSystem's codes, the refracture itself, is an outcome, not a finding the model uses.
 */
enum FindingType {
    INTRAVERTEBRAL_CLEFT(FINDINGS, "intravertebral-cleft", Kind.PRESENCE, true),
    ENDPLATE_CORTICAL_DISRUPTION(FINDINGS, "endplate-cortical-disruption", Kind.PRESENCE, true),
    NPEC_PATTERN(FINDINGS, "npec-pattern", Kind.NPEC, true),
    REDUCTION_RATE(FINDINGS, "reduction-rate", Kind.PERCENT, true),
    COMPRESSION_RATIO_PREOPERATIVE(FINDINGS, "compression-ratio-preoperative", Kind.PERCENT, true),
    COMPRESSION_RATIO_POSTOPERATIVE(FINDINGS, "compression-ratio-postoperative", Kind.PERCENT, true),
    KYPHOTIC_ANGLE(FINDINGS, "kyphotic-angle", Kind.DEGREES, true),
    WEDGE_ANGLE(FINDINGS, "wedge-angle", Kind.DEGREES, true),
    REDUCTION_ANGLE(FINDINGS, "reduction-angle", Kind.DEGREES, true),
    CEMENT_LEAKAGE(FINDINGS, "cement-leakage", Kind.PRESENCE, true),
    CEMENT_VOLUME(FINDINGS, "cement-volume", Kind.MILLILITRES, true),
    BONE_MARROW_EDEMA(FINDINGS, "bone-marrow-edema", Kind.PRESENCE, true),
    VERTEBRAL_HEIGHT_LOSS(FINDINGS, "vertebral-height-loss", Kind.PERCENT, true),
    /**
     * The outcome the model predicts, recorded at follow-up: read by the calibrate command to fit
     * the model to a centre's patients (docs/MODEL.md, Local recalibration), not by the model.
     */
    REFRACTURE_CEMENTED_VERTEBRA(FINDINGS, "refracture-cemented-vertebra", Kind.PRESENCE, true),
    BMD_LUMBAR_SPINE(LOINC, "24966-4", Kind.AREAL_DENSITY, false),
    T_SCORE_LUMBAR_SPINE(LOINC, "38267-1", Kind.SCORE, false);

    /** The value an Observation of a finding must carry, and the units accepted with their factor. */
    enum Kind {
        PRESENCE(null, Map.of()),
        NPEC(null, Map.of()),
        PERCENT("%", Map.of("%", 1.0, "1", 100.0)),
        DEGREES("deg", Map.of("deg", 1.0)),
        MILLILITRES("mL", Map.of("mL", 1.0, "ml", 1.0, "cm3", 1.0)),
        AREAL_DENSITY("g/cm2", Map.of("g/cm2", 1.0)),
        SCORE("1", Map.of("1", 1.0, "{T-score}", 1.0, "{score}", 1.0));

        final String unit;
        final Map<String, Double> factors;

        Kind(String unit, Map<String, Double> factors) {
            this.unit = unit;
            this.factors = factors;
        }
    }

    /**
     * The UCUM units a finding's quantity may be in, and lengths, which none is in: a unit text that
     * is one of these names a unit, where "percent" or "degrees" is a display in words.
     */
    static final Set<String> KNOWN_UNITS = Stream.concat(Arrays.stream(Kind.values())
            .flatMap(kind -> kind.factors.keySet().stream()), Stream.of("mm", "cm", "m")).collect(Collectors.toUnmodifiableSet());

    final String system;
    final String code;
    final Kind kind;
    final boolean vertebral;

    FindingType(String system, String code, Kind kind, boolean vertebral) {
        this.system = system;
        this.code = code;
        this.kind = kind;
        this.vertebral = vertebral;
    }

    /** The code the rules use: the findings code, or a readable name for a LOINC code. */
    String ruleCode() {
        return switch (this) {
            case BMD_LUMBAR_SPINE -> "bmd-lumbar-spine";
            case T_SCORE_LUMBAR_SPINE -> "t-score-lumbar-spine";
            default -> code;
        };
    }

    /** True for the outcome (a refracture recorded at follow-up), which the assessments do not fetch. */
    boolean isOutcome() {
        return this == REFRACTURE_CEMENTED_VERTEBRA;
    }

    static Optional<FindingType> of(String system, String code) {
        return Arrays.stream(values()).filter(t -> t.system.equals(system) && t.code.equals(code)).findFirst();
    }
}
