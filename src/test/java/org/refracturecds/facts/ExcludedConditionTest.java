package org.refracturecds.facts;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** A row of the study's exclusions against the codes a record carries. */
class ExcludedConditionTest {

    private static ExcludedCondition row(String system, String code, String match) {
        ExcludedCondition row = new ExcludedCondition("tumour-or-metastasis-of-spine");
        row.setSystem(system);
        row.setCode(code);
        row.setMatch(match);
        return row;
    }

    private static Diagnosis coded(String system, String code) {
        return new Diagnosis("Condition/c1", code, List.of(new Diagnosis.Code(system, code)));
    }

    @Test
    void anIcd10Code_matchesWrittenWithoutItsDotOrInLowerCase() {
        String cm = "http://hl7.org/fhir/sid/icd-10-cm";
        String who = "http://hl7.org/fhir/sid/icd-10";

        assertTrue(row(cm, "C79.51", "exact").matches(coded(cm, "C7951")));
        assertTrue(row(cm, "C79.51", "exact").matches(coded(cm, "c79.51")));
        assertTrue(row(who, "C79.5", "prefix").matches(coded(who, "c79.5")));
        assertTrue(row(who, "C79.5", "prefix").matches(coded(who, "C795")));
        assertFalse(row(cm, "C79.51", "exact").matches(coded(cm, "C79.52")));
        assertFalse(row(who, "C79.5", "prefix").matches(coded(cm, "C79.5")), "another system");
    }

    @Test
    void aSnomedCode_isComparedAsWritten() {
        String snomed = "http://snomed.info/sct";

        assertTrue(row(snomed, "94222008", "exact").matches(coded(snomed, "94222008")));
        assertFalse(row(snomed, "94222008", "exact").matches(coded(snomed, "9422.2008")));
    }
}
