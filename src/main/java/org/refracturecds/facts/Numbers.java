package org.refracturecds.facts;

import java.math.BigDecimal;
import java.math.MathContext;

/** Number formatting shared by the rules' texts and the outputs. */
public final class Numbers {

    private Numbers() {
    }

    /** A measured value without trailing zeros: 12.5, 20, 0.664. */
    public static String plain(double value) {
        return BigDecimal.valueOf(value).round(MathContext.DECIMAL64).stripTrailingZeros().toPlainString();
    }

    /** {@code value} rounded to {@code digits} significant figures. */
    public static BigDecimal significant(double value, int digits) {
        return new BigDecimal(value).round(new MathContext(digits)).stripTrailingZeros();
    }

    /** A probability as a percentage with two significant figures: "0.16%", "4.2%", "90%". */
    public static String percent(double probability) {
        return percent(probability, 2);
    }

    public static String percent(double probability, int digits) {
        return significant(probability * 100, digits).toPlainString() + "%";
    }

    /** A signed log-odds contribution: "+3.300", "-3.328". */
    public static String signed(double logOdds) {
        return String.format(java.util.Locale.ROOT, "%+.3f", logOdds);
    }
}
