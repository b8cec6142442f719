package org.refracturecds.facts;

import java.util.List;

/**
 * An alternative reconstruction of the model (MODEL.md, "Sensitivity to the reconstruction"): the
 * paper publishes no intercept, no NPEC coding and the study's incidence only as a lower bound, so
 * each prediction is shown under these too. Made at load from the Sensitivity table's rows of one id.
 */
public final class Alternative {

    private final String id;
    private final int order;
    private final List<AlternativeChange> changes;
    private final String basis;

    /** @param order the alternative's place in the table, for showing them in that order */
    public Alternative(String id, int order, List<AlternativeChange> changes) {
        this.id = id;
        this.order = order;
        this.changes = List.copyOf(changes);
        this.basis = String.join("; ", this.changes.stream().map(AlternativeChange::getBasis).distinct().toList());
    }

    public String getId() { return id; }
    public int getOrder() { return order; }
    public List<AlternativeChange> getChanges() { return changes; }
    /** In words, for "Under {label} this would be High": "the alternative NPEC order (docs/MODEL.md)". */
    public String getLabel() { return changes.get(0).getLabel(); }
    public String getWhy() { return changes.get(0).getWhy(); }
    /** The Sources of its rows, each once. */
    public String getBasis() { return basis; }

    /** True when it re-anchors the model to another incidence (MODEL.md: the authors call 3.68% a lower bound). */
    public boolean changesIncidence() {
        return changes.stream().anyMatch(c -> c.getChange().equals("incidence"));
    }

    public double intercept(double primary) {
        return number("intercept", null, null, primary);
    }

    public double incidence(double primary) {
        return number("incidence", null, null, primary);
    }

    public double beta(Coefficient coefficient) {
        return number("beta", coefficient.getFactor(), null, coefficient.getBeta());
    }

    /** The term's x, or the x this alternative gives its finding's value. */
    public double x(Term term) {
        String value = term.getFinding().getValue();
        return value == null ? term.getX() : number("coding", term.getFactor(), value, term.getX());
    }

    private double number(String change, String factor, String value, double primary) {
        return changes.stream()
                .filter(c -> c.getChange().equals(change) && (factor == null || factor.equals(c.getFactor()))
                        && (value == null || value.equals(c.getValue())))
                .mapToDouble(AlternativeChange::getNumber).findFirst().orElse(primary);
    }
}
