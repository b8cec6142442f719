package org.refracturecds.facts;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/** Number formatting shared by the rules' texts and the outputs. */
public final class Numbers {

    private Numbers() {
    }

    /** A measured value without trailing zeros: 12.5, 20, 0.664. */
    public static String plain(double value) {
        return BigDecimal.valueOf(value).round(MathContext.DECIMAL64).stripTrailingZeros().toPlainString();
    }

    /**
     * {@code value} rounded to {@code digits} significant figures, from its shortest decimal form
     * (as Double.toString gives it; the exact binary expansion costs a lot on the request path).
     */
    public static BigDecimal significant(double value, int digits) {
        return BigDecimal.valueOf(value).round(new MathContext(digits, RoundingMode.HALF_UP)).stripTrailingZeros();
    }

    /** A probability as a percentage with two significant figures: "0.16%", "4.2%", "90%". */
    public static String percent(double probability) {
        return percent(probability, 2);
    }

    public static String percent(double probability, int digits) {
        return significant(probability * 100, digits).toPlainString() + "%";
    }

    /**
     * A model probability as a percentage with two significant figures, never shown as a
     * certainty: "&gt;99%" where it would round to 100%, "&lt;0.01%" below 0.01% (a logistic model
     * gives neither 0 nor 1, and a reader takes "100%" as sure).
     */
    public static String probability(double probability) {
        if (probability >= 0.995) {
            return ">99%";
        }
        if (probability < 0.0001) {
            return "<0.01%";
        }
        return percent(probability);
    }

    /**
     * A model probability as a decimal: four significant figures, or as many more as it takes to
     * be neither 0 nor 1 (0.99998, not 1).
     */
    public static BigDecimal probabilityDecimal(double probability) {
        double p = Math.min(Math.max(probability, Double.MIN_VALUE), Math.nextDown(1.0));
        for (int digits = 4; ; digits++) {
            BigDecimal value = significant(p, digits);
            if (value.signum() > 0 && value.compareTo(BigDecimal.ONE) < 0) {
                return value;
            }
        }
    }

    /** A signed log-odds contribution with three decimals: "+3.300", "-3.328", "+0.000". */
    public static String signed(double logOdds) {
        BigDecimal rounded = BigDecimal.valueOf(logOdds).setScale(3, RoundingMode.HALF_UP);
        return (rounded.signum() < 0 ? "" : "+") + rounded.toPlainString();
    }
}
