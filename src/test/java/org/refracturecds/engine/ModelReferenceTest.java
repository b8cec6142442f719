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

/** MODEL.md's reference values (tau = 48/1303), reproduced to two significant figures. */
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

    /** Two significant figures, or fewer where MODEL.md prints fewer (0.0004 for 0.00036). */
    private static void assertTwoFigures(String expected, double actual, String what) {
        BigDecimal reference = new BigDecimal(expected);
        int figures = Math.min(2, reference.precision());
        assertEquals(reference.round(new MathContext(figures)), new BigDecimal(actual).round(new MathContext(figures)), what);
    }

    @Test
    void noFactors_givesOnePointSixPerThousand() {
        Prediction p = predict("absent", "absent", "none", 0);
        assertTwoFigures("0.0016", p.getProbability(), "p");
        assertTwoFigures("0.0004", p.getLow(), "low");
        assertTwoFigures("0.0070", p.getHigh(), "high");
    }

    @Test
    void ivcOnly_givesFourPercent() {
        Prediction p = predict("present", "absent", "none", 0);
        assertTwoFigures("0.042", p.getProbability(), "p");
        assertTwoFigures("0.004", p.getLow(), "low");
        assertTwoFigures("0.31", p.getHigh(), "high");
    }

    @Test
    void allFactorsAtTheirWorst_givesNinetyPercent() {
        Prediction p = predict("present", "present", "upper-and-lower", 20);
        assertTwoFigures("0.905", p.getProbability(), "p");
        assertTwoFigures("0.49", p.getLow(), "low");
        assertTwoFigures("0.99", p.getHigh(), "high");
    }
}
