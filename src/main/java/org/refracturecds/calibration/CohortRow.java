package org.refracturecds.calibration;

import java.util.Map;

import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Vocabulary;
import org.refracturecds.fhirin.ClinicalTerms;
import org.refracturecds.fhirin.InputException;

/**
 * One treated vertebra of a centre's cohort, with whether it refractured within the model's
 * horizon. Its findings are either the model's four in clinical terms (a CSV row: "IVC" ->
 * "present", "RR" -> "12.5%"), turned into facts when it is assessed, or the facts the FHIR
 * mapping made (one vertebra, the outcome left out).
 *
 * @param terms    the findings in clinical terms, or null
 * @param facts    the findings as facts, or null
 * @param where    how messages name it: "cohort.csv row 7" or "Patient/12 T12"
 * @param months   follow-up or time to refracture in months, when the cohort gives it; else null
 */
record CohortRow(String patient, String level, Map<String, String> terms, PatientFindings facts, boolean refracture,
                 Double months, String where) {

    /**
     * The findings in words ("present|absent|none|12.5%") when the row holds nothing else an
     * assessment reads: rows with the same pattern get the same answer. Null for facts from FHIR.
     */
    String pattern() {
        return terms == null ? null : String.join("|", terms.values());
    }

    /** The findings as the assessments read them: through the scenarios' path ({@link ClinicalTerms}) for terms. */
    PatientFindings findings(Vocabulary vocabulary) throws InputException {
        return facts != null ? facts : ClinicalTerms.findings(vocabulary, level, terms, null, where);
    }
}
