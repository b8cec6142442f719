package org.refracturecds.facts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A model probability is never shown as a certainty, in text or as a decimal. */
class NumbersTest {

    @ParameterizedTest(name = "{0} is shown as {1}")
    @CsvSource({
            "1.0,          >99%",
            "0.99998,      >99%",
            "0.995,        >99%",
            "0.9949,       99%",
            "0.57,         57%",
            "0.0016,       0.16%",
            "0.0001,       0.01%",
            "0.00009,      <0.01%",
            "0.0,          <0.01%"})
    void aProbabilityInText_isNeverZeroOrAHundredPercent(double probability, String shown) {
        assertEquals(shown, Numbers.probability(probability));
    }

    @ParameterizedTest(name = "{0} is written {1}")
    @CsvSource({
            "0.6198765,               0.6199",
            "0.99998123,              0.99998",
            "0.9999999312,            0.9999999",
            "1.0,                     0.9999999999999999",
            "0.00012345,              0.0001235",
            "0.0,                     4.9E-324"})
    void aProbabilityAsADecimal_hasTheDigitsItTakesToBeNeitherZeroNorOne(double probability, String written) {
        assertEquals(new BigDecimal(written), Numbers.probabilityDecimal(probability));
    }
}
