package org.refracturecds.facts;

import java.util.List;

/**
 * One imaging finding at one vertebra, as the rules see it. Observed findings come from
 * Observations; the rules add derived ones (RR from the compression ratios) and hypothetical
 * ones (a missing pre-operative finding taken both ways, a technique scenario).
 *
 * <p>A categorical finding has a {@code value} (present, absent, or an npec-pattern code); a
 * measured one has a {@code quantity} in its canonical unit (%, deg, mL, g/cm2).
 */
public final class Finding {

    /** Where a finding comes from. Only OBSERVED and DERIVED findings describe the patient. */
    public enum Origin { OBSERVED, DERIVED, ASSUMED, SCENARIO }

    private final Vertebra vertebra;
    private final String code;
    private final String value;
    private final Double quantity;
    private final String unit;
    private final Origin origin;
    private final String scenario;
    private final List<String> observations;
    private final String effective;

    private Finding(Vertebra vertebra, String code, String value, Double quantity, String unit,
                    Origin origin, String scenario, List<String> observations, String effective) {
        this.vertebra = vertebra;
        this.code = code;
        this.value = value;
        this.quantity = quantity;
        this.unit = unit;
        this.origin = origin;
        this.scenario = scenario;
        this.observations = List.copyOf(observations);
        this.effective = effective;
    }

    public static Finding observed(Vertebra vertebra, String code, String value, Double quantity,
                                   String unit, String observation, String effective) {
        return new Finding(vertebra, code, value, quantity, unit, Origin.OBSERVED, null,
                List.of(observation), effective);
    }

    /** A finding computed from others, e.g. RR = post-op CR minus pre-op CR. */
    public static Finding derived(String code, double quantity, String unit, Finding from, Finding to) {
        List<String> sources = new java.util.ArrayList<>(from.observations);
        sources.addAll(to.observations);
        return new Finding(to.vertebra, code, null, quantity, unit, Origin.DERIVED, null, sources,
                to.effective);
    }

    /** A value a missing finding might have; the assessment shows the risk for each. */
    public static Finding assumed(Vertebra vertebra, String code, String value) {
        return new Finding(vertebra, code, value, null, null, Origin.ASSUMED, null, List.of(), null);
    }

    /** A finding with every part given, as kept with a card's page and read back ({@code view/KeptCard}). */
    public static Finding of(Vertebra vertebra, String code, String value, Double quantity, String unit, Origin origin,
                             String scenario, List<String> observations, String effective) {
        return new Finding(vertebra, code, value, quantity, unit, origin, scenario, observations, effective);
    }

    /** A post-operative finding set by a technique scenario before the procedure. */
    public static Finding scenario(Vertebra vertebra, ScenarioValue setting) {
        return new Finding(vertebra, setting.getFinding(), setting.getValue(), setting.getQuantity(),
                setting.getQuantity() == null ? null : "%", Origin.SCENARIO, setting.getScenario(),
                List.of(), null);
    }

    public Vertebra getVertebra() { return vertebra; }
    public String getCode() { return code; }
    public String getValue() { return value; }
    public Double getQuantity() { return quantity; }
    public String getUnit() { return unit; }
    public Origin getOrigin() { return origin; }
    public String getScenario() { return scenario; }
    public List<String> getObservations() { return observations; }
    public String getEffective() { return effective; }

    /** True when the finding describes the patient rather than a what-if. */
    public boolean isFactual() {
        return origin == Origin.OBSERVED || origin == Origin.DERIVED;
    }

    /** The value as a reader sees it: "present", "upper-and-lower", "12.5%", "18 deg". */
    public String display() {
        if (value != null) {
            return value;
        }
        return Numbers.withUnit(quantity, unit);
    }
}
