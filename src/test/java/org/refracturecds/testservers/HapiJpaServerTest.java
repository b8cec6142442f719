package org.refracturecds.testservers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;

class HapiJpaServerTest {

    @Test
    void theServerAnswers_withSubscriptionsAndObservations() {
        IGenericClient client = HapiJpaServer.shared().client();

        CapabilityStatement capabilities = client.capabilities().ofType(CapabilityStatement.class).execute();

        assertEquals("4.0.1", capabilities.getFhirVersion().toCode());
        assertTrue(capabilities.getRestFirstRep().getResource().stream()
                .anyMatch(r -> r.getType().equals("Subscription")));
        assertTrue(capabilities.getRestFirstRep().getResource().stream()
                .anyMatch(r -> r.getType().equals("RiskAssessment")));
    }

    @Test
    void theModulesProfilesLoad_andValidateAFindingWithoutError() throws Exception {
        HapiJpaServer server = HapiJpaServer.shared();
        server.loadProfiles();
        Observation ivc = (Observation) FhirContext.forR4Cached().newJsonParser()
                .parseResource(Files.readString(Path.of("fhir-profiles/examples/Observation-ivc-present.json")));
        ivc.setId((String) null);

        OperationOutcome outcome = server.validate(ivc,
                "https://fhir.refracture-cds.org/StructureDefinition/pvp-intravertebral-cleft");

        assertTrue(outcome.getIssue().stream().noneMatch(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR
                        || i.getSeverity() == OperationOutcome.IssueSeverity.FATAL),
                () -> FhirContext.forR4Cached().newJsonParser().encodeResourceToString(outcome));
    }

    @Test
    void theModulesProfilesLoad_andAFindingAgainstThemIsAnError() throws Exception {
        HapiJpaServer server = HapiJpaServer.shared();
        server.loadProfiles();
        Observation ivc = (Observation) FhirContext.forR4Cached().newJsonParser()
                .parseResource(Files.readString(Path.of("fhir-profiles/examples/Observation-ivc-present.json")));
        ivc.setValue(new org.hl7.fhir.r4.model.Quantity(3));

        OperationOutcome outcome = server.validate(ivc,
                "https://fhir.refracture-cds.org/StructureDefinition/pvp-intravertebral-cleft");

        assertTrue(outcome.getIssue().stream().anyMatch(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR
                        && i.getDiagnostics().contains("valueQuantity")),
                () -> FhirContext.forR4Cached().newJsonParser().encodeResourceToString(outcome));
    }
}
