package org.refracturecds.facts;

import java.util.List;

/**
 * A qualitative risk band (rules/bands.drl.csv): a prediction belongs to the highest band whose
 * {@code from} it reaches. The code is one of FHIR's risk-probability codes; the meaning is the
 * project's own and is stated with every result.
 */
public final class Band {

    /** The card indicators of CDS Hooks, from the least to the most urgent. */
    public static final List<String> INDICATORS = List.of("info", "warning", "critical");

    private final String code;
    private double from;
    private String indicator;
    private String display;
    private String meaning;
    private String basis;

    public Band(String code) {
        this.code = code;
    }

    public String getCode() { return code; }
    public double getFrom() { return from; }
    public void setFrom(double from) { this.from = from; }
    /** The CDS Hooks card indicator of this band when it is known: info, warning or critical. */
    public String getIndicator() { return indicator; }
    public void setIndicator(String indicator) { this.indicator = indicator; }
    public String getDisplay() { return display; }
    public void setDisplay(String display) { this.display = display; }
    public String getMeaning() { return meaning; }
    public void setMeaning(String meaning) { this.meaning = meaning; }
    public String getBasis() { return basis; }
    public void setBasis(String basis) { this.basis = basis; }

    /**
     * The band of a probability: the highest band whose lower bound it reaches, or null when it
     * reaches none (pipeline.drl's band rule does the same for the primary predictions).
     */
    public static Band of(List<Band> bands, double probability) {
        Band reached = null;
        for (Band band : bands) {
            if (band.from <= probability && (reached == null || band.from > reached.from)) {
                reached = band;
            }
        }
        return reached;
    }
}
