package org.refracturecds.facts;

/**
 * A diagnosis whose patients the study excluded (rules/applicability.drl.csv, table
 * ExcludedConditions): a SNOMED CT or ICD-10 code, matched exactly or, for an ICD-10 category,
 * as the start of the code.
 */
public final class ExcludedCondition {

    private final String group;
    private String system;
    private String code;
    private boolean prefix;
    private String display;
    private String basis;

    public ExcludedCondition(String group) {
        this.group = group;
    }

    public String getGroup() { return group; }
    public String getSystem() { return system; }
    public void setSystem(String system) { this.system = system; }
    public String getCode() { return code; }
    public void setCode(String code) { this.code = code; }
    public boolean isPrefix() { return prefix; }
    /** exact, or prefix: the code and every code that starts with it (E21 covers E21.0). */
    public void setMatch(String match) { this.prefix = "prefix".equals(match); }
    public String getDisplay() { return display; }
    public void setDisplay(String display) { this.display = display; }
    public String getBasis() { return basis; }
    public void setBasis(String basis) { this.basis = basis; }

    /**
     * True when one of the diagnosis's codings is this row's code (or starts with it, for a prefix).
     * An ICD-10 code is read as records write it, in either case and with or without its dot
     * ({@code c79.5}, {@code C7951}): the same code, which a strict comparison would let pass.
     */
    public boolean matches(Diagnosis diagnosis) {
        return diagnosis.getCodings().stream().anyMatch(c -> c.system().equals(system)
                && (prefix ? comparable(c.code()).startsWith(comparable(code)) : comparable(c.code()).equals(comparable(code))));
    }

    private String comparable(String value) {
        return system.startsWith("http://hl7.org/fhir/sid/icd-10") ? value.toUpperCase(java.util.Locale.ROOT).replace(".", "")
                : value;
    }
}
