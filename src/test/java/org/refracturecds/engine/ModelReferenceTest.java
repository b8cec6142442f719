package org.refracturecds.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.refracturecds.facts.Finding;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Prediction;
import org.refracturecds.facts.Settings;
import org.refracturecds.facts.Vertebra;

/**
 * MODEL.md's reference values (tau = 48/1303, intervals by version 2), and the alternative
 * reconstructions of its "Sensitivity" section, reproduced to two significant figures.
 */
class ModelReferenceTest {

    private static Assessor assessor;

    @BeforeAll
    static void compileBundledRules() throws RuleSetException {
        assessor = new Assessor(RuleSet.loadBundled(), new Settings(null));
    }

    static Prediction predict(String ivc, String epd, String npec, double rr) {
        Vertebra t12 = new Vertebra("T12", "280849005");
        List<Finding> findings = new ArrayList<>(List.of(
                Finding.observed(t12, "intravertebral-cleft", ivc, null, null, "Observation/ivc", "2024-01-01"),
                Finding.observed(t12, "endplate-cortical-disruption", epd, null, null, "Observation/epd", "2024-01-01"),
                Finding.observed(t12, "npec-pattern", npec, null, null, "Observation/npec", "2024-01-02"),
                Finding.observed(t12, "reduction-rate", null, rr, "%", "Observation/rr", "2024-01-02")));
        findings.forEach(t12::record);
        Assessment assessment = assessor.assess(PatientFindings.of("Patient/p", List.of(t12), findings));
        assertEquals(1, assessment.predictions().size(), "one prediction when all four factors are observed");
        return assessment.predictions().get(0);
    }

    /** The probability under the alternative reconstruction {@code id} of the Sensitivity table. */
    static double under(String id, Prediction prediction) {
        return prediction.getAlternatives().stream().filter(p -> p.getAlternative().getId().equals(id))
                .findFirst().orElseThrow(() -> new AssertionError("no alternative " + id)).getProbability();
    }

    /** Two significant figures, or fewer where the reference prints fewer (0.066). */
    private static void assertTwoFigures(String expected, double actual, String what) {
        BigDecimal reference = new BigDecimal(expected);
        int figures = Math.min(2, reference.precision());
        assertEquals(reference.round(new MathContext(figures)), new BigDecimal(actual).round(new MathContext(figures)), what);
    }

    private static void assertReference(Prediction p, String probability, String low, String high) {
        assertTwoFigures(probability, p.getProbability(), "p");
        assertTwoFigures(low, p.getLow(), "low end of the interval");
        assertTwoFigures(high, p.getHigh(), "high end of the interval");
    }

    /**
     * MODEL.md prints 0.00040 for the low end, which its own p and high end contradict: the interval
     * is symmetric on the logit scale, -6.437 +/- 1.96 sqrt(0.57914 + 1/48 + 1/1255) = -6.437 +/- 1.519,
     * so the high end expit(-4.918) = 0.0073 (as printed) goes with a low end of expit(-7.956) = 0.00035.
     */
    @Test
    void noFactors_givesOnePointSixPerThousand() {
        assertReference(predict("absent", "absent", "none", 0), "0.0016", "0.00035", "0.0073");
    }

    @Test
    void ivcOnly_givesFourPercent() {
        assertReference(predict("present", "absent", "none", 0), "0.042", "0.0034", "0.36");
    }

    @Test
    void allFactorsAtTheirWorst_givesNinetyPercent() {
        assertReference(predict("present", "present", "upper-and-lower", 20), "0.905", "0.36", "0.99");
    }

    @Test
    void figure2_cleftDisruptionLowerNoContactRr10_gives62Percent() {
        assertReference(predict("present", "present", "lower", 10), "0.62", "0.12", "0.95");
    }

    @Test
    void figure3_cleftNoContactRr10_givesFiftyPercent() {
        assertReference(predict("present", "absent", "upper-and-lower", 10), "0.50", "0.085", "0.92");
    }

    @Test
    void figure4_disruptionNoContactRr10_givesElevenPercent() {
        assertReference(predict("absent", "present", "upper-and-lower", 10), "0.11", "0.042", "0.25");
    }

    @Test
    void alternativeNpecOrder_givesMODELmdsReferenceValues() {
        assertTwoFigures("0.79", under("npec-order", predict("present", "present", "lower", 10)), "Fig. 2");
        assertTwoFigures("0.37", under("npec-order", predict("present", "absent", "upper-and-lower", 10)), "Fig. 3");
        assertTwoFigures("0.066", under("npec-order", predict("absent", "present", "upper-and-lower", 10)), "Fig. 4");
        assertTwoFigures("0.41", under("npec-order", predict("present", "absent", "lower", 5)), "IVC + NPEC lower + RR 5");
    }

    /**
     * By hand: tau = 10% gives the offset ln((0.9 / 0.1) x (48/93) / (45/93)) = ln 9.6 = 2.2618.
     * IVC only: -3.109 + 3.3003 - 2.2618 = -2.0705, p = 1 / (1 + e^2.0705) = 0.112.
     * Fig. 4: -3.109 + 1.1725 + 3 x 0.6881 + 1.0784 - 2.2618 = -1.0556, p = 0.258.
     */
    @Test
    void alternativeIncidence10Percent_reanchorsToTenPercent() {
        assertTwoFigures("0.11", under("incidence-10", predict("present", "absent", "none", 0)), "IVC only");
        assertTwoFigures("0.26", under("incidence-10", predict("absent", "present", "upper-and-lower", 10)), "Fig. 4");
    }

    /**
     * By hand: beta_IVC = ln 16 = 2.7726, the rest unchanged (offset 3.3282).
     * IVC only: -3.109 + 2.7726 - 3.3282 = -3.6646, p = 1 / (1 + e^3.6646) = 0.0250.
     * Fig. 2: -3.109 + 2.7726 + 1.1725 + 2 x 0.6881 + 1.0784 - 3.3282 = -0.0375, p = 0.491.
     * Without a cleft nothing changes: Fig. 4 stays 0.107.
     */
    @Test
    void alternativeIvcOddsRatio16_lowersOnlyPatientsWithACleft() {
        assertTwoFigures("0.025", under("ivc-or-16", predict("present", "absent", "none", 0)), "IVC only");
        assertTwoFigures("0.49", under("ivc-or-16", predict("present", "present", "lower", 10)), "Fig. 2");
        assertTwoFigures("0.11", under("ivc-or-16", predict("absent", "present", "upper-and-lower", 10)), "Fig. 4");
    }
}
