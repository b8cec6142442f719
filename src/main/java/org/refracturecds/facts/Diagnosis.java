package org.refracturecds.facts;

import java.util.List;

/**
 * A Condition on the patient's record, as the applicability rules see it: its codings, its
 * display and the resource it came from. Only conditions that hold (not resolved, not refuted,
 * not entered in error) become a Diagnosis.
 */
public final class Diagnosis {

    /** One coding of the condition. */
    public record Code(String system, String code) {
    }

    private final String reference;
    private final String display;
    private final List<Code> codings;

    public Diagnosis(String reference, String display, List<Code> codings) {
        this.reference = reference;
        this.display = display;
        this.codings = List.copyOf(codings);
    }

    public String getReference() { return reference; }
    public String getDisplay() { return display; }
    public List<Code> getCodings() { return codings; }
}
