package org.refracturecds.facts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;

import org.junit.jupiter.api.Test;
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

    /** The fast paths (double arithmetic) round as the shortest decimal form does, ties and all. */
    @Test
    void roundingByDoubleArithmetic_givesWhatTheDecimalFormGives() {
        Random random = new Random(20260115);
        for (int i = 0; i < 100_000; i++) {
            double value = switch (i % 4) {
                case 0 -> random.nextDouble();
                case 1 -> Math.pow(10, random.nextDouble() * 24 - 14) * (random.nextBoolean() ? 1 : -1);
                case 2 -> Math.round(random.nextDouble() * 1e6) / Math.pow(10, random.nextInt(8)) + 5e-5 * random.nextInt(3);
                default -> (random.nextInt(20001) - 10000) / 2000.0;
            };
            for (int digits = 2; digits <= 5; digits++) {
                assertEquals(Numbers.decimalSignificant(value, digits), Numbers.significant(value, digits), value + " to " + digits);
            }
            assertEquals(Numbers.decimalSigned(value).toPlainString(), Numbers.signed(value).replaceFirst("^\\+", ""),
                    "signed " + value);
            assertEquals(BigDecimal.valueOf(value).round(MathContext.DECIMAL64).stripTrailingZeros().toPlainString(),
                    Numbers.plain(value), "plain " + value);
        }
        for (double tie : new double[] {0.125, 0.0125, 1.005, 2.675, 0.00015, 99.95, 0.995, 1.0005, -0.0005, -2.5e-4}) {
            for (int digits = 1; digits <= 4; digits++) {
                assertEquals(Numbers.decimalSignificant(tie, digits), Numbers.significant(tie, digits), tie + " to " + digits);
            }
            assertEquals(Numbers.decimalSigned(tie).toPlainString(), Numbers.signed(tie).replaceFirst("^\\+", ""), "signed " + tie);
        }
    }
}
