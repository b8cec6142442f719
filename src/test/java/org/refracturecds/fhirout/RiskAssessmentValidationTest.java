package org.refracturecds.fhirout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;

/** The golden RiskAssessments parse back with HAPI and validate against base R4 with no errors. */
class RiskAssessmentValidationTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static FhirValidator validator;

    @BeforeAll
    static void buildValidator() {
        ValidationSupportChain chain = new ValidationSupportChain(
                new DefaultProfileValidationSupport(FHIR),
                new CommonCodeSystemsTerminologyService(FHIR),
                new InMemoryTerminologyServerValidationSupport(FHIR),
                new SnapshotGeneratingValidationSupport(FHIR));
        validator = FHIR.newValidator().registerValidatorModule(new FhirInstanceValidator(chain));
    }

    @ParameterizedTest
    @ValueSource(strings = {"cleft-no-endplate-contact.json", "no-risk-factors.json", "pre-op-only.json",
        "rr-from-compression-ratios.json", "several-levels.json"})
    void goldenRiskAssessment_parsesBackAndValidatesAgainstBaseR4(String example) throws IOException {
        // given
        String json = Files.readString(Path.of("src/test/resources/golden", example));

        // when
        RiskAssessment parsed = FHIR.newJsonParser().parseResource(RiskAssessment.class, json);
        parsed.getMeta().getProfile().clear(); // the profile it claims is checked in ProfilesTest, with the package
        List<SingleValidationMessage> errors = validator.validateWithResult(parsed).getMessages().stream()
                .filter(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal()).toList();

        // then
        assertTrue(parsed.hasPrediction());
        assertEquals(List.of(), errors.stream().map(m -> m.getLocationString() + ": " + m.getMessage()).toList());
    }
}
