package org.refracturecds.calibration;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The c-statistic (area under the ROC curve): the probability that a treated vertebra that
 * refractured was given a higher risk than one that did not, ties counting one half (the
 * Mann-Whitney statistic). Its 95% interval is DeLong's (DeLong, DeLong and Clarke-Pearson,
 * Biometrics 1988;44:837-845), computed from midranks in O(n log n) as Sun and Xu give it (IEEE
 * Signal Processing Letters 2014;21:1389-1393): AUC +/- z SE, cut to 0-1, as the pROC package does.
 *
 * @param auc            the c-statistic
 * @param standardError  DeLong's standard error
 */
record Discrimination(double auc, double standardError, double low, double high) {

    static Discrimination of(double[] risk, boolean[] refracture, double z) {
        int m = 0;
        for (boolean r : refracture) {
            m += r ? 1 : 0;
        }
        int n = risk.length - m;
        double[] events = new double[m];
        double[] others = new double[n];
        int e = 0;
        int o = 0;
        for (int i = 0; i < risk.length; i++) {
            if (refracture[i]) {
                events[e++] = risk[i];
            } else {
                others[o++] = risk[i];
            }
        }
        double[] all = new double[m + n];
        System.arraycopy(events, 0, all, 0, m);
        System.arraycopy(others, 0, all, m, n);
        double[] rankAll = midranks(all);
        double[] rankEvents = midranks(events);
        double[] rankOthers = midranks(others);
        double sum = 0;
        double[] v10 = new double[m];
        for (int i = 0; i < m; i++) {
            sum += rankAll[i];
            v10[i] = (rankAll[i] - rankEvents[i]) / n;
        }
        double[] v01 = new double[n];
        for (int j = 0; j < n; j++) {
            v01[j] = 1 - (rankAll[m + j] - rankOthers[j]) / m;
        }
        double auc = (sum - m * (m + 1) / 2.0) / ((double) m * n);
        double variance = sampleVariance(v10) / m + sampleVariance(v01) / n;
        double se = Math.sqrt(variance);
        return new Discrimination(auc, se, Math.max(0, auc - z * se), Math.min(1, auc + z * se));
    }

    /** The rank of each value among the values (1-based), ties given the mean of their ranks. */
    static double[] midranks(double[] values) {
        Integer[] order = IntStream.range(0, values.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> values[i]));
        double[] ranks = new double[values.length];
        int i = 0;
        while (i < order.length) {
            int j = i;
            while (j < order.length && values[order[j]] == values[order[i]]) {
                j++;
            }
            double rank = (i + 1 + j) / 2.0;
            for (int k = i; k < j; k++) {
                ranks[order[k]] = rank;
            }
            i = j;
        }
        return ranks;
    }

    private static double sampleVariance(double[] values) {
        if (values.length < 2) {
            return 0;
        }
        double mean = Arrays.stream(values).average().orElse(0);
        double sum = 0;
        for (double v : values) {
            sum += (v - mean) * (v - mean);
        }
        return sum / (values.length - 1);
    }
}
