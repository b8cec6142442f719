package org.refracturecds.cdshooks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import org.hl7.fhir.r4.model.RiskAssessment;
import org.refracturecds.engine.Assessment;
import org.refracturecds.facts.Alternative;
import org.refracturecds.facts.Band;
import org.refracturecds.facts.Finding;
import org.refracturecds.facts.Guidance;
import org.refracturecds.facts.Numbers;
import org.refracturecds.facts.Prediction;
import org.refracturecds.facts.Statement;
import org.refracturecds.facts.Term;
import org.refracturecds.facts.Vertebra;
import org.refracturecds.facts.Wording;
import org.refracturecds.fhirin.Codes;
import org.refracturecds.fhirout.RiskAssessmentJson;
import org.refracturecds.fhirout.RiskAssessmentWriter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;

/**
 * Writes CDS Hooks cards. An assessment card shows the clinician everything needed to check the
 * result rather than trust it: the inputs (value, date, Observation), each factor's contribution
 * to the log-odds, the probability with its interval, the guidance with its support and source,
 * the model version, its limits and the citation.
 *
 * <p>Indicator by {@link Assessment#urgency()}: each band's card indicator (bands.drl.csv), in
 * full only when the band is known whatever the missing pre-operative findings and under no
 * technique scenario (EHRs show critical cards as interrupting pop-ups, and a what-if must not
 * interrupt), warning at most otherwise. Cards that report missing data are info.
 */
final class CardWriter {

    static final String DOI = "https://doi.org/" + RiskAssessmentWriter.DOI;
    static final String OVERRIDE_REASONS = Codes.BASE + "/CodeSystem/override-reasons";
    /** The reasons a clinician may give for not following a card (code to display). */
    static final Map<String, String> OVERRIDE_REASON_CODES = overrideReasons();
    private static final int SUMMARY_LIMIT = 139;
    /** Ends the summary when a PVP-A warning says the input is outside the study's patients. */
    static final String OUTSIDE_STUDY = " (outside the study: see detail)";

    private final ObjectMapper json;
    private final RiskAssessmentWriter riskAssessments;

    CardWriter(ObjectMapper json, RiskAssessmentWriter riskAssessments) {
        this.json = json;
        this.riskAssessments = riskAssessments;
    }

    /** The assessment card, with a suggestion that files the RiskAssessment in the EHR. */
    ObjectNode assessmentCard(Assessment assessment, String context, List<String> caveats) {
        RiskAssessment risk = riskAssessments.write(assessment);
        risk.setId(UUID.randomUUID().toString());
        String modelVersion = risk.getMethod().getCodingFirstRep().getVersion();
        ObjectNode card = card(summary(assessment, context), indicator(assessment),
                detail(assessment, context, caveats, modelVersion));
        ObjectNode suggestion = card.putArray("suggestions").addObject()
                .put("label", "File this refracture risk assessment in the chart")
                .put("uuid", UUID.randomUUID().toString())
                .put("isRecommended", false);
        suggestion.putArray("actions").addObject()
                .put("type", "create")
                .put("description", "Create a " + risk.getStatus().toCode() + " RiskAssessment of "
                        + assessment.input().patient() + " (model " + modelVersion + ")")
                .putRawValue("resource", new RawValue(RiskAssessmentJson.encode(risk)));
        card.put("selectionBehavior", "at-most-one");
        ArrayNode reasons = card.putArray("overrideReasons");
        OVERRIDE_REASON_CODES.forEach((code, display) ->
                reasons.addObject().put("system", OVERRIDE_REASONS).put("code", code).put("display", display));
        return card;
    }

    /** A card that says what is missing or could not be had, and so why there is no estimate. */
    ObjectNode infoCard(String summary, String detail) {
        return card(summary, "info", detail + "\n\n" + citation());
    }

    private ObjectNode card(String summary, String indicator, String detail) {
        ObjectNode card = json.createObjectNode()
                .put("uuid", UUID.randomUUID().toString())
                .put("summary", shorten(summary))
                .put("indicator", indicator)
                .put("detail", detail);
        ObjectNode source = card.putObject("source")
                .put("label", "Xiong et al. 2021, BMC Musculoskelet Disord 22:459 (pvp-refracture-cds)")
                .put("url", DOI);
        source.putObject("topic").put("system", Codes.RISK_MODELS).put("code", "xiong-2021-logistic")
                .put("display", "Refracture of the cemented vertebra after PVP (Xiong 2021 logistic model)");
        card.putArray("links").addObject()
                .put("label", "The paper: Xiong et al. 2021 (open access)")
                .put("url", DOI)
                .put("type", "absolute");
        return card;
    }

    static String indicator(Assessment assessment) {
        return assessment.urgency().name().toLowerCase(Locale.ROOT);
    }

    /**
     * "After PVP: refracture risk T11 57% (High)"; before PVP the band under the favourable technique
     * scenario with the range across the scenarios beside it: "PVP ordered: refracture risk T12
     * Moderate with favourable technique (19%), 19% to 85% across scenarios". Under 140 characters;
     * when a PVP-A warning says the input is outside the study's patients, it ends with
     * {@link #OUTSIDE_STUDY}.
     */
    static String summary(Assessment assessment, String context) {
        String summary = levels(assessment, context);
        return assessment.outsideStudy().isEmpty() ? shorten(summary)
                : shorten(summary, SUMMARY_LIMIT - OUTSIDE_STUDY.length()) + OUTSIDE_STUDY;
    }

    private static String levels(Assessment assessment, String context) {
        List<String> parts = new ArrayList<>();
        for (Vertebra vertebra : assessment.assessedVertebrae()) {
            List<Prediction> predictions = assessment.predictionsOf(vertebra);
            String band = vertebra.getBand() == null ? "no band" : vertebra.getBand().getDisplay();
            if (Assessment.isPreOperative(vertebra)) {
                parts.add(vertebra.getLabel() + " " + band + " with favourable technique ("
                        + Assessment.range(assessment.favourablePredictionsOf(vertebra)) + "), "
                        + Assessment.range(predictions) + " across scenarios");
            } else if (predictions.size() == 1) {
                parts.add(vertebra.getLabel() + " " + Assessment.range(predictions) + " (" + band + ")");
            } else {
                parts.add(vertebra.getLabel() + " " + Assessment.range(predictions) + " (up to " + band + ")");
            }
        }
        return context + ": refracture risk " + String.join("; ", parts);
    }

    private String detail(Assessment a, String context, List<String> caveats, String modelVersion) {
        StringBuilder md = new StringBuilder();
        md.append("**").append(context).append("**: predicted risk that the cemented vertebra breaks again within ")
                .append(a.calibration().getHorizonMonths()).append(" months of PVP (")
                .append(a.ruleSet().wording(Wording.OUTCOME)).append("), from the logistic model of Xiong et al. 2021")
                .append(a.preliminary() ? ". **Preliminary**: some factors are scenarios or assumptions, or an"
                        + " Observation is preliminary." : ".");
        if (!a.outsideStudy().isEmpty()) {
            md.append(" **Less certain**: the input is outside the study's patients (")
                    .append(escape(String.join(", ", a.outsideStudy().stream()
                            .map(n -> n.code() + (n.where() == null ? "" : " " + n.where())).distinct().toList())))
                    .append(", under Notices), so the estimate is less certain than its interval says.");
        }
        md.append("\n\n");
        for (String caveat : caveats) {
            md.append("> ").append(caveat).append("\n\n");
        }
        for (Vertebra vertebra : a.assessedVertebrae()) {
            md.append("### ").append(vertebra.getLabel()).append(" (").append(vertebra.getPhase()).append(")");
            if (vertebra.getBand() != null) {
                md.append(": ").append(vertebra.getBand().getDisplay());
            }
            md.append("\n\nBand ").append(escape(a.describeBand(vertebra))).append(".\n\n");
            a.describeSensitivity(vertebra).ifPresent(line -> md.append("**").append(escape(line)).append(".**\n\n"));
            for (Prediction p : a.predictionsOf(vertebra)) {
                factors(md, p);
            }
        }
        guidance(md, a.guidance());
        inputs(md, a.input().findings());
        if (!a.notices().isEmpty()) {
            md.append("#### Notices\n\n");
            a.notices().forEach(n -> md.append("- ").append(escape(n.severity() + " " + n.render())).append("\n"));
            md.append("\n");
        }
        md.append("#### Model and its limits\n\n");
        md.append("- Model ").append(a.calibration().getModel()).append(" version ")
                .append(modelVersion).append("; rules ")
                .append(escape(a.ruleSet().origin())).append(", sha256 `").append(a.ruleSet().hash()).append("`\n");
        md.append("- Interval: approximate, from the covariance of the coefficients (").append(escape(a.covariance().getBasis()))
                .append(")\n");
        for (Alternative alternative : a.alternatives()) {
            md.append("- Also estimated under ").append(escape(alternative.getLabel())).append(" (").append(alternative.getId())
                    .append("), since ").append(escape(alternative.getWhy())).append(" (").append(escape(alternative.getBasis()))
                    .append(")\n");
        }
        a.describeNotShown().ifPresent(line -> md.append("- ").append(escape(line)).append(".\n"));
        for (Band band : a.bands()) {
            md.append("- Band ").append(band.getDisplay()).append(": ").append(escape(band.getMeaning())).append(" (")
                    .append(escape(band.getBasis())).append(")\n");
        }
        for (Statement limit : a.limits()) {
            md.append("- ").append(escape(limit.getText())).append(" (").append(escape(limit.getBasis())).append(")\n");
        }
        return md.append("\n").append(citation()).toString();
    }

    /** One prediction: the log-odds sum, factor by factor, so the reader can redo it. */
    private static void factors(StringBuilder md, Prediction p) {
        md.append(p.isHypothetical() ? "**Scenario: " + escape(p.describeAssumptions()) + "**" : "**As observed**")
                .append(": ").append(p.describeProbability())
                .append(p.getBand() == null ? "" : ", " + p.getBand().getDisplay())
                .append(", ").append(Numbers.significant(p.getRelativeRisk(), 2).toPlainString())
                .append(" times the incidence\n\n");
        md.append("| Factor | Value | Origin | Log-odds | Odds ratio | Source |\n|---|---|---|---|---|---|\n");
        md.append("| Intercept (reconstructed, sample scale) | | | ").append(Numbers.signed(p.getCalibration().getIntercept()))
                .append(" | | ").append(escape(p.getCalibration().getBasis())).append(" |\n");
        for (Term t : p.getTerms()) {
            Finding f = t.getFinding();
            md.append("| ").append(escape(t.getFactor())).append(" | ").append(escape(t.describe()))
                    .append(" | ").append(f.getOrigin().name().toLowerCase(java.util.Locale.ROOT))
                    .append(f.getObservations().isEmpty() ? "" : " " + escape(String.join(", ", f.getObservations())))
                    .append(" | ").append(Numbers.signed(t.getContribution()))
                    .append(" | ").append(Numbers.significant(t.getCoefficient().getOddsRatio(), 3).toPlainString())
                    .append(" | ").append(escape(t.getCoefficient().getBasis())).append(" |\n");
        }
        md.append("| Re-anchored to an incidence of ").append(Numbers.percent(p.getIncidence(), 3))
                .append(" | | | ").append(Numbers.signed(-p.getOffset())).append(" | | docs/MODEL.md |\n");
        md.append("| **Sum (logit)** | | | **").append(Numbers.signed(p.getLogit())).append("** | | |\n\n");
    }

    private static void guidance(StringBuilder md, List<Guidance> guidance) {
        md.append("#### Guidance\n\n");
        if (guidance.isEmpty()) {
            md.append("None of the guidance rules apply to these findings.\n\n");
            return;
        }
        for (Guidance g : guidance) {
            md.append("- **").append(g.getVertebra().getLabel()).append(" ").append(g.getId()).append("**: ")
                    .append(escape(g.getText())).append(" *Support:* ").append(escape(g.getStrength()))
                    .append(". *Source:* ").append(escape(g.getBasis())).append(".\n");
        }
        md.append("\n");
    }

    private static void inputs(StringBuilder md, List<Finding> findings) {
        md.append("#### Inputs\n\n| Level | Finding | Value | Date | Observation |\n|---|---|---|---|---|\n");
        for (Finding f : findings) {
            md.append("| ").append(f.getVertebra() == null ? "patient" : f.getVertebra().getLabel())
                    .append(" | ").append(escape(f.getCode())).append(" | ").append(escape(f.display()))
                    .append(" | ").append(f.getEffective() == null ? "not stated" : escape(f.getEffective()))
                    .append(" | ").append(escape(String.join(", ", f.getObservations()))).append(" |\n");
        }
        md.append("\n");
    }

    private static String citation() {
        return "Source: " + escape(RiskAssessmentWriter.REFERENCE) + " [doi:" + RiskAssessmentWriter.DOI + "](" + DOI + ")";
    }

    /** Text from the rules or the input, made safe for Markdown: no table breaks, no raw HTML. */
    static String escape(String text) {
        return text == null ? "" : text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")
                .replace("\r", " ").replace("\n", " ");
    }

    static String shorten(String summary) {
        return shorten(summary, SUMMARY_LIMIT);
    }

    private static String shorten(String summary, int limit) {
        if (summary.codePointCount(0, summary.length()) <= limit) {
            return summary;
        }
        int end = summary.offsetByCodePoints(0, limit - 1);
        int cut = summary.lastIndexOf(' ', end);
        return summary.substring(0, cut > 0 ? cut : end) + "\u2026";
    }

    private static Map<String, String> overrideReasons() {
        Map<String, String> reasons = new LinkedHashMap<>();
        reasons.put("findings-outdated", "The imaging findings shown are not the current ones");
        reasons.put("already-considered", "Already taken into account in the plan");
        reasons.put("not-applicable", "Does not apply to this patient");
        reasons.put("disagree-with-estimate", "Clinical judgement differs from the estimate");
        return Collections.unmodifiableMap(reasons);
    }
}
