package org.refracturecds.facts;

/**
 * What the input says about the patient besides the findings, for the applicability rules.
 *
 * @param age        whole years at the time of the assessment, or null when no birthDate was sent
 * @param source     where the age comes from, e.g. "Patient/123 (birthDate 1950-04-01)"
 * @param conditions true when the patient's Conditions were part of the input, so that the
 *                   study's exclusions could be checked
 */
public record PatientDetails(Integer age, String source, boolean conditions) {

    public Integer getAge() { return age; }
    public String getSource() { return source; }
    public boolean isConditions() { return conditions; }
}
