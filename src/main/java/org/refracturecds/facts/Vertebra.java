package org.refracturecds.facts;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One vertebral level of one patient, the unit the model predicts for. The paper studied
 * single-level PVP at T4-L5; a patient with findings at several levels gets one prediction each.
 */
public final class Vertebra {

    /** The finding status a rule reads for a finding that no Observation reported. */
    public static final String NOT_REPORTED = "not reported";

    private final String level;
    private final String snomedCode;
    private final Map<String, Finding> findings = new LinkedHashMap<>();
    private String phase;
    private Band band;

    /** @param level "T12", or null when no Observation says which vertebra */
    public Vertebra(String level, String snomedCode) {
        this.level = level;
        this.snomedCode = snomedCode;
    }

    public String getLevel() { return level; }
    public String getSnomedCode() { return snomedCode; }
    public String getLabel() { return level == null ? "level not stated" : level; }

    /** pre-operative or post-operative: whether any finding from after the cement exists. */
    public String getPhase() { return phase; }
    public void setPhase(String phase) { this.phase = phase; }

    /**
     * The vertebra's band, set by the band stage (pipeline.drl): before PVP its band under the
     * favourable technique scenario (the lowest, when a missing finding leaves several), after PVP
     * the highest among its predictions.
     */
    public Band getBand() { return band; }
    public void setBand(Band band) { this.band = band; }

    /** Records a factual finding (observed or derived) so that rules can ask for its status. */
    public void record(Finding finding) {
        findings.put(finding.getCode(), finding);
    }

    public Map<String, Finding> getFindings() { return Map.copyOf(findings); }

    /** "present", "absent", an npec-pattern code, "measured", or "not reported". */
    public String status(String code) {
        Finding finding = findings.get(code);
        if (finding == null) {
            return NOT_REPORTED;
        }
        return finding.getValue() != null ? finding.getValue() : "measured";
    }

    @Override
    public String toString() {
        return getLabel();
    }
}
