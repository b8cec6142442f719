package org.refracturecds.fhirin;

/** The code systems this module reads and writes (CODES.md). */
public final class Codes {

    public static final String BASE = "https://fhir.refracture-cds.org";
    public static final String FINDINGS = BASE + "/CodeSystem/pvp-findings";
    public static final String NPEC_PATTERN = BASE + "/CodeSystem/npec-pattern";
    public static final String RISK_MODELS = BASE + "/CodeSystem/risk-models";
    public static final String LOINC = "http://loinc.org";
    public static final String SNOMED = "http://snomed.info/sct";
    public static final String UCUM = "http://unitsofmeasure.org";

    private Codes() {
    }
}
