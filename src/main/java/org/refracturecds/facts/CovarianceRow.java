package org.refracturecds.facts;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One row of the Covariance table (rules/model.drl.csv): the covariances of one term of the
 * model (b0 or a factor) with each term, by the column's term. The rule set checks the rows
 * together at load and makes them one {@link Covariance}.
 */
public final class CovarianceRow {

    private final String term;
    private final Map<String, Double> values = new LinkedHashMap<>();
    private String basis;

    public CovarianceRow(String term) {
        this.term = term;
    }

    public String getTerm() { return term; }
    /** The covariance with the column's term; a column left empty has none. */
    public void put(String column, double value) { values.put(column, value); }
    public Map<String, Double> getValues() { return Map.copyOf(values); }
    public String getBasis() { return basis; }
    public void setBasis(String basis) { this.basis = basis; }
}
