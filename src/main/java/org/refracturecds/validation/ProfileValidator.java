package org.refracturecds.validation;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.NpmPackageValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r5.utils.validation.constants.BestPracticeWarningLevel;
import org.refracturecds.fhirin.Codes;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationOptions;

/**
 * Validates resources against this module's profiles (fhir-profiles/, packed into the jar as an
 * NPM package) offline: the package, the base R4 definitions, the common code systems, in-memory
 * terminology and snapshot generation, chained. Built once per JVM; thread-safe.
 *
 * <p>An Observation is held to the profile of its code (docs/CODES.md), a RiskAssessment to the
 * module's RiskAssessment profile, anything else to base R4 only.
 */
public final class ProfileValidator {

    /** Where the build puts the package (pom.xml, maven-antrun-plugin). */
    static final String PACKAGE = "classpath:fhir-profiles/pvp-refracture-cds.tgz";
    public static final String RISK_ASSESSMENT_PROFILE = Codes.BASE + "/StructureDefinition/pvp-refracture-risk-assessment";

    /** One problem: its severity, where (a FHIRPath, and the line and column of a text that was read), what. */
    public record Issue(ResultSeverityEnum severity, String location, Integer line, Integer column, String message) {

        public boolean isError() {
            return severity.ordinal() >= ResultSeverityEnum.ERROR.ordinal();
        }

        /** The location under {@code path}, where the resource sits: "Bundle.entry[2].resource.value.ofType(Quantity).code". */
        public String under(String path) {
            return path + location.replaceFirst("^[A-Za-z]+", "");
        }

        /** "error Observation.value.ofType(Quantity).code (line 20, column 9): message" */
        public String render() {
            return severity.getCode() + " " + location + (line == null ? "" : " (line " + line + ", column " + column + ")")
                    + ": " + message;
        }
    }

    /** A location in the Bundle of validateTogether: the entry, HAPI's comment naming the resource, the path in it. */
    private static final Pattern ENTRY = Pattern.compile("Bundle\\.entry\\[(\\d+)]\\.resource(?:/\\*.*?\\*/)?(.*)");

    private static ProfileValidator shared;

    private final FhirContext fhir;
    private final FhirValidator validator;
    private final NpmPackageValidationSupport profiles;
    private final ValidationSupportChain chain;

    private ProfileValidator(FhirContext fhir) throws IOException {
        this.fhir = fhir;
        this.profiles = new NpmPackageValidationSupport(fhir);
        profiles.loadPackageFromClasspath(PACKAGE);
        this.chain = new ValidationSupportChain(
                profiles,
                new DefaultProfileValidationSupport(fhir),
                new CommonCodeSystemsTerminologyService(fhir),
                new InMemoryTerminologyServerValidationSupport(fhir),
                new SnapshotGeneratingValidationSupport(fhir));
        FhirInstanceValidator instanceValidator = new FhirInstanceValidator(chain);
        // Narrative and performer are FHIR's best-practice advice, not this module's contract.
        instanceValidator.setBestPracticeWarningLevel(BestPracticeWarningLevel.Ignore);
        this.validator = fhir.newValidator().registerValidatorModule(instanceValidator);
    }

    /** The validator of this JVM, built (several seconds) on first use. */
    public static synchronized ProfileValidator shared() {
        if (shared == null) {
            shared = create();
        }
        return shared;
    }

    /** A new validator with its own chain and caches (the benchmark measures a cold one). */
    public static ProfileValidator create() {
        try {
            return new ProfileValidator(FhirContext.forR4Cached());
        } catch (IOException e) {
            throw new IllegalStateException("the FHIR package " + PACKAGE + " is missing from the jar", e);
        }
    }

    /** The module's conformance resources as the package holds them (StructureDefinitions, CodeSystems, ValueSets). */
    public List<IBaseResource> conformanceResources() {
        return profiles.fetchAllConformanceResources();
    }

    /** The profile an Observation of this code is held to, when the module reads the code. */
    public static Optional<String> profileOf(Observation observation) {
        for (Coding coding : observation.getCode().getCoding()) {
            Optional<String> profile = Codes.findingProfile(coding.getSystem(), coding.getCode());
            if (profile.isPresent()) {
                return profile;
            }
        }
        return Optional.empty();
    }

    /** The profile a resource is held to: an Observation's by its code, the RiskAssessment profile, or none. */
    public static Optional<String> profileOf(IBaseResource resource) {
        if (resource instanceof Observation observation) {
            return profileOf(observation);
        }
        return resource instanceof RiskAssessment ? Optional.of(RISK_ASSESSMENT_PROFILE) : Optional.empty();
    }

    /** Validates one resource against its profile (and base R4). */
    public List<Issue> validate(IBaseResource resource) {
        return issues(validator.validateWithResult(resource, options(profileOf(resource))).getMessages());
    }

    /**
     * Validates several Observations in one call, each against its profile (named in the
     * meta.profile of a copy, in a collection Bundle): HAPI builds one InstanceValidator per call,
     * and its constructor re-reads the OID registry, so one call for all saves that per resource.
     *
     * @return each Observation's issues, in order, located as if it had been validated alone
     */
    public List<List<Issue>> validateTogether(List<Observation> observations) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.COLLECTION);
        List<List<Issue>> issues = new ArrayList<>();
        for (Observation observation : observations) {
            Observation copy = observation.copy();
            profileOf(observation).ifPresent(copy.getMeta()::addProfile);
            bundle.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(copy);
            issues.add(new ArrayList<>());
        }
        for (SingleValidationMessage m : validator.validateWithResult(bundle).getMessages()) {
            Matcher entry = ENTRY.matcher(String.valueOf(m.getLocationString()));
            if (entry.matches()) {
                issues.get(Integer.parseInt(entry.group(1))).add(new Issue(m.getSeverity(),
                        "Observation" + entry.group(2), null, null, m.getMessage()));
            }
        }
        return issues;
    }

    /** Validates the JSON text of one resource against {@code profile} (or base R4), with lines and columns. */
    public List<Issue> validate(String json, Optional<String> profile) {
        return issues(validator.validateWithResult(json, options(profile)).getMessages());
    }

    /** A profile the package defines, by URL. */
    public Optional<StructureDefinition> profile(String url) {
        return Optional.ofNullable(profiles.fetchStructureDefinition(url)).map(StructureDefinition.class::cast);
    }

    /** A profile of the package with its snapshot, as the validator generates it. */
    public StructureDefinition snapshot(String url) {
        StructureDefinition profile = profile(url).orElseThrow(() -> new IllegalArgumentException("no profile " + url));
        return (StructureDefinition) new SnapshotGeneratingValidationSupport(fhir)
                .generateSnapshot(new ValidationSupportContext(chain), profile.copy(), url, null, profile.getName());
    }

    private static ValidationOptions options(Optional<String> profile) {
        ValidationOptions options = new ValidationOptions();
        profile.ifPresent(options::addProfile);
        return options;
    }

    private static List<Issue> issues(List<SingleValidationMessage> messages) {
        List<Issue> issues = new ArrayList<>();
        for (SingleValidationMessage m : messages) {
            issues.add(new Issue(m.getSeverity(), m.getLocationString(), m.getLocationLine(), m.getLocationCol(), m.getMessage()));
        }
        return issues;
    }
}
