package org.refracturecds.fhirout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The identifier names the patient, the levels in spinal order and the model, whatever order they came in. */
class AssessmentIdentityTest {

    @Test
    void levels_areJoinedHeadToTail_onceEach() {
        assertEquals("p1/T12-L1/xiong-2021-logistic",
                AssessmentIdentity.value("Patient/p1", List.of("L1", "T12", "L1"), "xiong-2021-logistic"));
        assertEquals("p1/C7-T4-T10-L5-S1/m", AssessmentIdentity.value("p1", List.of("S1", "L5", "T10", "T4", "C7"), "m"));
    }

    @Test
    void anAbsolutePatientReference_isKeptWhole_soItIsNotTakenForTheFilesOwnPatient() {
        // A file without fullUrls may name Patient/p-2 and another server's .../Patient/p-2: two patients.
        assertEquals("http://ehr.example/fhir/Patient/p-2/T12/m",
                AssessmentIdentity.value("http://ehr.example/fhir/Patient/p-2", List.of("T12"), "m"));
        assertEquals("p-2/T12/m", AssessmentIdentity.value("Patient/p-2/_history/3", List.of("T12"), "m"));
        assertEquals("urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0/T12/m",
                AssessmentIdentity.value("urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0", List.of("T12"), "m"));
    }

    @Test
    void aLevelNoFindingNames_isUnstated_andOtherNamesComeLast() {
        assertEquals("p/L1-unstated/m", AssessmentIdentity.value("p", List.of(AssessmentIdentity.UNSTATED, "L1"), "m"));
    }
}
