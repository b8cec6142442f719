package org.refracturecds.fhirout;

import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;

import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.hl7.fhir.r4.model.RiskAssessment.RiskAssessmentPredictionComponent;
import org.hl7.fhir.r4.model.RiskAssessment.RiskAssessmentStatus;
import org.hl7.fhir.r4.model.StringType;
import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Alternative;
import org.refracturecds.facts.Band;
import org.refracturecds.facts.Calibration;
import org.refracturecds.facts.Guidance;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.Numbers;
import org.refracturecds.facts.Prediction;
import org.refracturecds.facts.Recalibration;
import org.refracturecds.facts.Statement;
import org.refracturecds.facts.Term;
import org.refracturecds.fhirin.Codes;

/**
 * Writes an {@link Assessment} as a FHIR R4 RiskAssessment: one prediction per vertebra (per
 * scenario or assumption before the findings are complete), the guidance as mitigation, the
 * model's limits and every notice as notes, and a narrative a person can read.
 */
public final class RiskAssessmentWriter {

    public static final String OUTCOME = "refracture-cemented-vertebra";
    public static final String INTERVAL = Codes.BASE + "/StructureDefinition/probability-interval";
    public static final String ALTERNATIVE = Codes.BASE + "/StructureDefinition/alternative-estimate";
    public static final String VERTEBRA = Codes.BASE + "/StructureDefinition/target-vertebra";
    public static final String SCENARIO = Codes.BASE + "/StructureDefinition/prediction-scenario";
    public static final String RULE_SET = Codes.BASE + "/StructureDefinition/rule-set";
    /** The profile every RiskAssessment written here claims (fhir-profiles/). */
    public static final String PROFILE = Codes.BASE + "/StructureDefinition/pvp-refracture-risk-assessment";
    /** The displays of CodeSystem-risk-models.json and CodeSystem-pvp-findings.json (CodeDisplaysTest keeps them equal). */
    public static final String MODEL_DISPLAY = "Xiong 2021 refracture of the cemented vertebra after PVP (logistic)";
    static final String OUTCOME_DISPLAY = "Refracture of the cemented vertebra";
    private static final String RISK_PROBABILITY = "http://terminology.hl7.org/CodeSystem/risk-probability";
    /** The paper every coefficient, threshold and sentence of guidance comes from. */
    public static final String REFERENCE = "Xiong YC, Guo W, et al. Refracture of the cemented vertebrae after"
            + " percutaneous vertebroplasty: risk factors and imaging findings. BMC Musculoskelet Disord."
            + " 2021;22:459.";
    public static final String DOI = "10.1186/s12891-021-04355-w";
    private static final String CITATION = REFERENCE + " doi:" + DOI;
    private static final String SOURCE = "Source: " + CITATION;

    private final Clock clock;

    public RiskAssessmentWriter(Clock clock) {
        this.clock = clock;
    }

    public RiskAssessment write(Assessment assessment) {
        return write(assessment, null, null);
    }

    /**
     * @param encounter the encounter the assessment was made in ({@code Encounter/e1}), or null
     * @param basedOn   the order it was made for ({@code ServiceRequest/pvp-1}), or null (R4 has one at most)
     */
    public RiskAssessment write(Assessment assessment, String encounter, String basedOn) {
        Calibration calibration = assessment.calibration();
        RiskAssessment risk = new RiskAssessment();
        risk.getMeta().addProfile(PROFILE);
        risk.addContained(ModuleDevice.device());
        risk.addIdentifier(AssessmentIdentity.of(assessment));
        if (basedOn != null) {
            risk.setBasedOn(new Reference(basedOn));
        }
        risk.setStatus(assessment.preliminary() ? RiskAssessmentStatus.PRELIMINARY : RiskAssessmentStatus.FINAL);
        risk.setSubject(new Reference(assessment.input().patient()));
        if (encounter != null) {
            risk.setEncounter(new Reference(encounter));
        }
        risk.setOccurrence(new DateTimeType(Date.from(clock.instant())));
        risk.setPerformer(ModuleDevice.performer());
        risk.setMethod(method(assessment));
        risk.addExtension(RULE_SET, new StringType(assessment.ruleSet().origin() + " sha256:" + assessment.ruleSet().hash()));
        assessment.input().basis().forEach(reference -> risk.addBasis(new Reference(reference)));
        for (Prediction prediction : assessment.predictions()) {
            risk.addPrediction(prediction(prediction, calibration));
        }
        if (!assessment.guidance().isEmpty()) {
            risk.setMitigation(String.join("\n", assessment.guidance().stream().map(RiskAssessmentWriter::guidance).toList()));
        }
        sharedNotes(assessment).forEach(text -> risk.addNote(shared(text)));
        for (Notice notice : assessment.notices()) {
            risk.addNote(new Annotation().setText(notice.render()));
        }
        risk.addNote(shared(SOURCE));
        Narrative narrative = new Narrative().setStatus(Narrative.NarrativeStatus.GENERATED);
        narrative.setDiv(NarrativeHtml.of(assessment));
        risk.setText(narrative);
        return risk;
    }

    /**
     * The notes before the patient's notices that are the same in every RiskAssessment of the same
     * rules, recalibration, incidence and alternatives: the interval, the alternatives, those not
     * shown, the bands, the limits. Built once for the last of those seen, and then the same String
     * instances, whose hash is kept and which RiskAssessmentJson's cache compares by reference.
     */
    private static List<String> sharedNotes(Assessment assessment) {
        SharedKey key = new SharedKey(assessment.ruleSet(), assessment.recalibration(),
                assessment.settings().getIncidence(), assessment.alternatives(), assessment.notShown());
        Shared last = lastShared;
        if (last != null && last.key().equals(key)) {
            return last.texts();
        }
        List<String> texts = new ArrayList<>();
        texts.add("Interval: each probability's " + assessment.calibration().levelPercent() + " interval is"
                + " approximate, from the covariance of the coefficients (table Covariance) ["
                + assessment.covariance().getBasis() + "]");
        for (Alternative alternative : assessment.alternatives()) {
            texts.add("Alternative " + alternative.getId() + ", " + alternative.getLabel()
                    + ": each prediction's extension alternative-estimate gives its probability and band under it,"
                    + " since " + alternative.getWhy() + " [" + alternative.getBasis() + "]");
        }
        assessment.describeNotShown().ifPresent(line -> texts.add(line + "."));
        for (Band band : assessment.bands()) {
            texts.add("Band " + band.getDisplay() + ": " + band.getMeaning() + " [" + band.getBasis() + "]");
        }
        for (Statement limit : assessment.limits()) {
            texts.add("Limit: " + limit.getText() + " [" + limit.getBasis() + "]");
        }
        Shared built = new Shared(key, List.copyOf(texts));
        lastShared = built;
        return built.texts();
    }

    /** What the shared notes are made of (the rules by identity: their bands, limits and covariance). */
    private record SharedKey(RuleSet rules, Recalibration recalibration, Double incidence,
                             List<Alternative> alternatives, List<Alternative> notShown) {
    }

    private record Shared(SharedKey key, List<String> texts) {
    }

    /**
     * The last shared notes built: one at a time, so that at most one rules version past its use (a
     * reloaded one, a draft previewed) is held, until the next RiskAssessment is written.
     */
    private static volatile Shared lastShared;

    /**
     * A note that is the same in every patient's RiskAssessment under these rules and settings (an
     * interval, an alternative, a band, a limit, the source), marked so that its JSON is encoded
     * once ({@link RiskAssessmentJson#SHARED_NOTE}). The patient's notices are not marked.
     */
    private static Annotation shared(String text) {
        Annotation note = new Annotation().setText(text);
        note.setUserData(RiskAssessmentJson.SHARED_NOTE, Boolean.TRUE);
        return note;
    }

    /** The model id with its version, which names the rule set so that any edit changes it. */
    static CodeableConcept method(Assessment assessment) {
        Calibration calibration = assessment.calibration();
        String version = calibration.getVersion() + "+rules." + assessment.ruleSet().shortHash();
        if (!assessment.predictions().isEmpty() && assessment.recalibration() == null) {
            double incidence = assessment.predictions().get(0).getIncidence();
            if (incidence != calibration.defaultIncidence()) {
                version += ".incidence." + Numbers.plain(incidence);
            }
        }
        if (assessment.recalibration() != null) {
            version += ".recalibrated." + assessment.recalibration().getFittedOn().replace("-", "");
        }
        return new CodeableConcept(new Coding(Codes.RISK_MODELS, calibration.getModel(), MODEL_DISPLAY).setVersion(version))
                .setText("Xiong et al. 2021 logistic model (reconstructed intercept), version " + version);
    }

    private static RiskAssessmentPredictionComponent prediction(Prediction prediction, Calibration calibration) {
        RiskAssessmentPredictionComponent component = new RiskAssessmentPredictionComponent();
        String level = prediction.getVertebra().getLabel();
        component.setOutcome(new CodeableConcept(new Coding(Codes.FINDINGS, OUTCOME,
                OUTCOME_DISPLAY)).setText("Refracture of the cemented vertebra (" + level + ")"));
        component.setProbability(new DecimalType(Numbers.probabilityDecimal(prediction.getProbability())));
        Extension interval = component.addExtension().setUrl(INTERVAL);
        interval.addExtension("low", new DecimalType(Numbers.probabilityDecimal(prediction.getLow())));
        interval.addExtension("high", new DecimalType(Numbers.probabilityDecimal(prediction.getHigh())));
        interval.addExtension("level", new DecimalType(BigDecimal.valueOf(calibration.getLevel())));
        if (prediction.getVertebra().getSnomedCode() != null) {
            // No display: SNOMED CT's is not "T12", and the text says which level it is.
            component.addExtension(VERTEBRA, new CodeableConcept(new Coding(Codes.SNOMED,
                    prediction.getVertebra().getSnomedCode(), null)).setText(level));
        }
        if (prediction.isHypothetical()) {
            component.addExtension(SCENARIO, new StringType(prediction.describeAssumptions()));
        }
        for (Prediction under : prediction.getAlternatives()) {
            Extension alternative = component.addExtension().setUrl(ALTERNATIVE);
            alternative.addExtension("alternative", new CodeType(under.getAlternative().getId()));
            alternative.addExtension("description", new StringType(under.getAlternative().getLabel()));
            alternative.addExtension("probability", new DecimalType(Numbers.probabilityDecimal(under.getProbability())));
            if (under.getBand() != null) {
                alternative.addExtension("band", band(under.getBand()));
            }
        }
        if (prediction.getBand() != null) {
            component.setQualitativeRisk(band(prediction.getBand()));
        }
        component.setRelativeRisk(Numbers.significant(prediction.getRelativeRisk(), 3));
        component.setWhen(new Range().setLow(months(0)).setHigh(months(calibration.getHorizonMonths())));
        component.setRationale(rationale(prediction));
        return component;
    }

    private static CodeableConcept band(Band band) {
        return new CodeableConcept(new Coding(RISK_PROBABILITY, band.getCode(), band.getDisplay() + " likelihood"))
                .setText(band.getDisplay() + ": " + band.getMeaning() + " (this module's band, not FHIR's definition)");
    }

    private static Quantity months(int value) {
        return new Quantity().setValue(value).setUnit("months").setSystem(Codes.UCUM).setCode("mo");
    }

    /** The log-odds arithmetic in words, so a reader can redo it. */
    static String rationale(Prediction prediction) {
        Calibration k = prediction.getCalibration();
        List<String> parts = new ArrayList<>();
        parts.add("intercept " + Numbers.signed(k.getIntercept()));
        for (Term term : prediction.getTerms()) {
            parts.add(term.describe() + " (" + term.getFinding().getOrigin().name().toLowerCase(Locale.ROOT)
                    + (term.getFinding().getObservations().isEmpty() ? "" : ", " + String.join(", ", term.getFinding().getObservations()))
                    + "): x = " + Numbers.plain(term.getX()) + ", " + Numbers.signed(term.getContribution())
                    + " (OR " + Numbers.significant(term.getCoefficient().getOddsRatio(), 3).toPlainString() + ")");
        }
        parts.add("re-anchored to an incidence of " + Numbers.percent(prediction.getIncidence(), 3) + ": "
                + Numbers.signed(-prediction.getOffset()));
        String band = prediction.getBand() == null ? "" : "; band " + prediction.getBand().getDisplay();
        String recalibrated = prediction.getRecalibration() == null ? "" : "; " + prediction.describeRecalibration();
        return (prediction.isHypothetical() ? "Scenario (" + prediction.describeAssumptions() + "). " : "")
                + "Log-odds: " + String.join("; ", parts) + " = " + Numbers.signed(prediction.getModelLogit()) + recalibrated
                + ". Probability " + prediction.describeProbability() + band
                + "; " + Numbers.significant(prediction.getRelativeRisk(), 2).toPlainString()
                + " times the incidence.";
    }

    private static String guidance(Guidance guidance) {
        return "[" + guidance.getVertebra().getLabel() + "] " + guidance.getId() + ": " + guidance.getText()
                + " (Support: " + guidance.getStrength() + ". Source: " + guidance.getBasis() + ".)";
    }
}
