package org.refracturecds.authoring;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import org.refracturecds.fhirin.ClinicalTerms;

/**
 * One clinical scenario of {@code rules/tests/}: findings in clinical terms and what the rules
 * must say about them.
 *
 * @param file     the scenario file, relative to the rules folder
 * @param line     the line where the scenario starts
 * @param level    the vertebra (default L1), or several: "T11, T12"
 * @param findings finding name -> value, e.g. IVC: present, RR: 12%
 * @param person   the patient's age and conditions, or null when the scenario does not say
 */
public record Scenario(String file, int line, String name, String level, Map<String, String> findings,
                       ClinicalTerms.Person person, Expect expect, Model model) {

    /**
     * Which model a scenario file is written for (its key {@code model:}). Scenarios that pin the
     * published model's numbers say {@code published}: a centre's recalibration (docs/MODEL.md,
     * Local recalibration) is set aside for them, so they keep testing what the paper gives.
     */
    public enum Model {
        /** No {@code model:} key: the rules as they are, recalibrated or not. */
        AS_THE_RULES_ARE,
        /** {@code model: published}: any recalibration in the rules set aside. */
        PUBLISHED,
        /** {@code model: recalibrated}: the rules must hold a recalibration, and it applies. */
        RECALIBRATED
    }

    /** A scenario for the rules as they are. */
    public Scenario(String file, int line, String name, String level, Map<String, String> findings,
                    ClinicalTerms.Person person, Expect expect) {
        this(file, line, name, level, findings, person, expect, Model.AS_THE_RULES_ARE);
    }

    /**
     * @param band        the vertebra's band: low, moderate or high (before PVP its band under the favourable
     *                    technique scenario, the lowest when a finding is missing; after PVP the highest
     *                    among its predictions)
     * @param probability every prediction lies in this range, e.g. "15% to 60%"; or, before PVP, a range
     *                    per technique scenario id: {favourable: 15% to 25%, unfavourable: 80% to 90%}
     * @param guidance    guidance ids that must be given
     * @param noGuidance  guidance ids that must not be given
     * @param notices     notice codes that must be given, e.g. PVP-W201
     * @param noNotices   notice codes that must not be given
     * @param indicator   the card's urgency: info, warning or critical
     * @param alternatives the vertebra's band under each alternative reconstruction named, by its id in the
     *                    Sensitivity table: {npec-order: high}
     */
    public record Expect(String band, JsonNode probability, List<String> guidance,
                         @JsonProperty("no guidance") List<String> noGuidance, List<String> notices,
                         @JsonProperty("no notices") List<String> noNotices, String indicator,
                         Map<String, String> alternatives) {

        public Expect {
            guidance = guidance == null ? List.of() : List.copyOf(guidance);
            noGuidance = noGuidance == null ? List.of() : List.copyOf(noGuidance);
            notices = notices == null ? List.of() : List.copyOf(notices);
            noNotices = noNotices == null ? List.of() : List.copyOf(noNotices);
            alternatives = alternatives == null ? Map.of() : Map.copyOf(alternatives);
        }
    }

    /** "tests/cleft.yaml:12" */
    public String where() {
        return file + ":" + line;
    }
}
