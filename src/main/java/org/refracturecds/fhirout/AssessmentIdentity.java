package org.refracturecds.fhirout;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.refracturecds.engine.Assessment;
import org.refracturecds.facts.Prediction;
import org.refracturecds.fhirin.Codes;

/**
 * Which RiskAssessment an assessment is: the same patient, vertebrae and model give the same
 * identifier, whenever and wherever it is computed, so that a FHIR server holds one resource per
 * (patient, levels, model) and a newer assessment replaces the older one by a conditional update
 * ({@code PUT RiskAssessment?identifier=}{@link #search}).
 *
 * <p>{@code identifier.system} is {@value #SYSTEM}; {@code identifier.value} is
 * {@code {patient id}/{levels in spinal order joined by '-'}/{model code}}, e.g.
 * {@code p1/T12/xiong-2021-logistic} or {@code p1/T12-L1/xiong-2021-logistic} (a patient named by an
 * absolute reference keeps it whole, see {@link #value(String, Collection, String)}). The model's version
 * is not part of it: a new version of the rules replaces the assessment, it does not add one.
 */
public final class AssessmentIdentity {

    public static final String SYSTEM = Codes.BASE + "/NamingSystem/pvp-refracture-risk-assessment";
    /** The level of a vertebra that no finding names, in the identifier. */
    static final String UNSTATED = "unstated";
    private static final Pattern LEVEL = Pattern.compile("([CTLS])(\\d{1,3})", Pattern.CASE_INSENSITIVE);
    private static final String REGIONS = "CTLS";

    private AssessmentIdentity() {
    }

    /** The identifier of the RiskAssessment written for this assessment. */
    public static Identifier of(Assessment assessment) {
        return new Identifier().setSystem(SYSTEM).setValue(value(assessment));
    }

    /** {@code p1/T12-L1/xiong-2021-logistic}: the patient, the levels predicted for, the model. */
    public static String value(Assessment assessment) {
        List<String> levels = assessment.predictions().stream().map(Prediction::getVertebra)
                .map(vertebra -> vertebra.getLevel() == null ? UNSTATED : vertebra.getLevel()).toList();
        return value(assessment.input().patient(), levels, assessment.calibration().getModel());
    }

    /**
     * @param patient {@code Patient/p1} or the id {@code p1}; or an absolute reference, which is kept
     *     whole ({@code https://other.example/fhir/Patient/p1/T12/...}): a file without fullUrls names
     *     by it a patient that may not be its {@code Patient/p1}, who must not get the same identifier
     * @param levels  the vertebrae, in any order and with repeats ("T12", "L1")
     * @param model   the model's code in {@link Codes#RISK_MODELS}
     */
    public static String value(String patient, Collection<String> levels, String model) {
        String id = !patient.contains("/") || new IdType(patient).isAbsolute() ? patient : new IdType(patient).getIdPart();
        List<String> ordered = levels.stream().filter(Objects::nonNull).distinct().sorted(SPINAL_ORDER).toList();
        return id + "/" + String.join("-", ordered) + "/" + model;
    }

    /** {@code system|value}, the token of a search or a conditional update by identifier. */
    public static String search(Identifier identifier) {
        return identifier.getSystem() + "|" + identifier.getValue();
    }

    /** Head to tail: C before T before L before S, by number within each; other names after them, by name. */
    static final Comparator<String> SPINAL_ORDER = Comparator
            .comparingInt(AssessmentIdentity::region)
            .thenComparingInt(AssessmentIdentity::number)
            .thenComparing(Comparator.naturalOrder());

    private static int region(String level) {
        Matcher m = LEVEL.matcher(level);
        return m.matches() ? REGIONS.indexOf(Character.toUpperCase(m.group(1).charAt(0))) : REGIONS.length();
    }

    private static int number(String level) {
        Matcher m = LEVEL.matcher(level);
        return m.matches() ? Integer.parseInt(m.group(2)) : 0;
    }
}
