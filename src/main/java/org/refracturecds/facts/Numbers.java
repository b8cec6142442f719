package org.refracturecds.facts;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/** Number formatting shared by the rules' texts and the outputs. */
public final class Numbers {

    private Numbers() {
    }

    /** Powers of ten a double holds exactly. */
    private static final double[] TENS = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
        1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    /** How near a rounding tie the fast paths leave the rounding to the decimal form. */
    private static final double NEAR_TIE = 1e-6;

    /** A measured value without trailing zeros: 12.5, 20, 0.664. */
    public static String plain(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return BigDecimal.valueOf(value).round(MathContext.DECIMAL64).stripTrailingZeros().toPlainString();
    }

    /** A measurement with its unit as people write it: "12.5%" (no space before %), "18 deg", "0.68 g/cm2". */
    public static String withUnit(double value, String unit) {
        return plain(value) + ("%".equals(unit) ? "%" : " " + unit);
    }

    /**
     * {@code value} rounded to {@code digits} significant figures, half up, as its shortest
     * decimal form (what Double.toString gives) rounds: the exact binary expansion costs a lot on
     * the request path, and so does Double.toString on Java 17, so the value is scaled and rounded
     * as a double unless it lies within a hair of a tie, where the decimal form decides.
     */
    public static BigDecimal significant(double value, int digits) {
        if (value != 0 && Double.isFinite(value)) {
            int scale = digits - 1 - (int) Math.floor(Math.log10(Math.abs(value)));
            BigDecimal fast = scaledAndRounded(value, scale);
            if (fast != null) {
                return fast;
            }
        }
        return decimalSignificant(value, digits);
    }

    static BigDecimal decimalSignificant(double value, int digits) {
        return BigDecimal.valueOf(value).round(new MathContext(digits, RoundingMode.HALF_UP)).stripTrailingZeros();
    }

    /** value rounded half up to {@code scale} decimals by double arithmetic, or null when that might differ from the decimal form's. */
    private static BigDecimal scaledAndRounded(double value, int scale) {
        if (scale < -22 || scale > 22) {
            return null;
        }
        double scaled = Math.abs(scale >= 0 ? value * TENS[scale] : value / TENS[-scale]);
        if (!(scaled < 1e15) || Math.abs(scaled - Math.floor(scaled) - 0.5) < NEAR_TIE) {
            return null;
        }
        long rounded = (long) Math.floor(scaled + 0.5);
        return BigDecimal.valueOf(value < 0 ? -rounded : rounded, scale).stripTrailingZeros();
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
        BigDecimal fast = scaledAndRounded(logOdds, 3);
        BigDecimal rounded = fast != null ? fast.setScale(3) : decimalSigned(logOdds);
        return (rounded.signum() < 0 ? "" : "+") + rounded.toPlainString();
    }

    static BigDecimal decimalSigned(double logOdds) {
        return BigDecimal.valueOf(logOdds).setScale(3, RoundingMode.HALF_UP);
    }
}
