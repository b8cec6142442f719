package org.refracturecds.cdshooks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import org.hl7.fhir.r4.model.RiskAssessment;
import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.InWords;
import org.refracturecds.facts.Prediction;
import org.refracturecds.facts.Vertebra;
import org.refracturecds.facts.Wording;
import org.refracturecds.fhirin.Codes;
import org.refracturecds.fhirout.RiskAssessmentJson;
import org.refracturecds.http.BidiMarks;
import org.refracturecds.http.PageLinks;
import org.refracturecds.fhirout.RiskAssessmentWriter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Writes CDS Hooks cards. An assessment card is read in a sidebar in seconds: the estimate with
 * its band and interval in words, the first pieces of guidance, what is missing, one line of
 * limits, and a link to the page that shows everything needed to check the result rather than
 * trust it (the technique chart, each factor's contribution, the inputs, the sources).
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

    /** The most pieces of guidance a card shows; the page shows them all. */
    static final int GUIDANCE_ON_CARD = 3;
    /**
     * The most characters of a one-level card's detail (EHRs show cards in a narrow sidebar), and
     * how many more each further level may add: over it, the card shows fewer pieces of guidance.
     */
    static final int DETAIL_LIMIT = 1500;
    static final int DETAIL_EACH_MORE_LEVEL = 700;
    /** A {@code <} that Markdown could read as the start of an HTML tag. */
    private static final Pattern TAG_START = Pattern.compile("<(?=[A-Za-z/!?])");

    private final ObjectMapper json;
    private final RiskAssessmentWriter riskAssessments;
    private final PageLinks pages;
    private final Duration linkValidity;

    /**
     * @param pages        stores the page of an assessment and gives the link to it, or null when
     *                     there is no page to link to
     * @param linkValidity how long a page's link works
     */
    CardWriter(ObjectMapper json, RiskAssessmentWriter riskAssessments, PageLinks pages,
               Duration linkValidity) {
        this.json = json;
        this.riskAssessments = riskAssessments;
        this.pages = pages;
        this.linkValidity = linkValidity;
    }

    /**
     * The assessment card, with a suggestion that files the RiskAssessment in the EHR.
     *
     * @param encounter the hook's encounter ({@code Encounter/e1}), or null
     * @param orders    the PVP orders the card is about ({@code ServiceRequest/pvp-1}, null for one without
     *                  an id), or none: the RiskAssessment is basedOn the order when there is one with an
     *                  id (R4 holds one at most)
     */
    ObjectNode assessmentCard(Assessment assessment, String encounter, List<String> orders, String context,
                              List<String> caveats) {
        RiskAssessment risk = riskAssessments.write(assessment, encounter, orders.size() == 1 ? orders.get(0) : null);
        risk.setId(UUID.randomUUID().toString());
        String modelVersion = risk.getMethod().getCodingFirstRep().getVersion();
        String pageUrl = pages == null ? null : pages.link(assessment, context, caveats);
        ObjectNode card = card(summary(assessment, context), indicator(assessment),
                detail(assessment, context, caveats, pageUrl));
        if (pageUrl != null) {
            ((ArrayNode) card.get("links")).insertObject(0)
                    .put("label", assessment.ruleSet().wording(Wording.CARD_LINK) + " (for " + validity() + ")")
                    .put("url", pageUrl)
                    .put("type", "absolute");
        }
        String launchUrl = pages == null ? null : pages.launchUrl();
        if (launchUrl != null) {
            ((ArrayNode) card.get("links")).insertObject(pageUrl == null ? 0 : 1)
                    .put("label", "Open the page as a SMART app in the EHR")
                    .put("url", launchUrl)
                    .put("type", "smart");
        }
        ObjectNode suggestion = card.putArray("suggestions").addObject()
                .put("label", "File this refracture risk assessment in the chart")
                .put("uuid", UUID.randomUUID().toString())
                .put("isRecommended", false);
        suggestion.putArray("actions").addObject()
                .put("type", "create")
                .put("description", "Create a " + risk.getStatus().toCode() + " RiskAssessment of "
                        + assessment.input().patient() + " (model " + modelVersion + ")")
                .putPOJO("resource", RiskAssessmentJson.value(risk));
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
                .put("display", RiskAssessmentWriter.MODEL_DISPLAY);
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
     * Moderate with favourable technique (19%), 19% to 85% across scenarios". Under 140 characters:
     * levels that do not fit so are said shorter, down to "T12 Moderate to High" (its band with
     * favourable technique to its worst across the scenarios) and "L1 up to High", each keeping its
     * bands; when a PVP-A warning says the input is outside the study's patients, it ends with
     * {@link #OUTSIDE_STUDY}.
     */
    static String summary(Assessment assessment, String context) {
        int limit = assessment.outsideStudy().isEmpty() ? SUMMARY_LIMIT : SUMMARY_LIMIT - OUTSIDE_STUDY.length();
        // Each level in full; when they do not fit, each shorter, so that no level loses its band to the cut.
        String summary = levels(assessment, context, Form.FULL);
        for (Form shorter : List.of(Form.SHORT, Form.SHORTER, Form.SHORTEST)) {
            if (summary.codePointCount(0, summary.length()) > limit) {
                summary = levels(assessment, context, shorter);
            }
        }
        return assessment.outsideStudy().isEmpty() ? shorten(summary) : shorten(summary, limit) + OUTSIDE_STUDY;
    }

    /** How much of each level the summary says: all of it, or less when several levels would not fit. */
    private enum Form { FULL, SHORT, SHORTER, SHORTEST }

    private static String levels(Assessment assessment, String context, Form form) {
        List<String> parts = new ArrayList<>();
        for (Vertebra vertebra : assessment.assessedVertebrae()) {
            List<Prediction> predictions = assessment.predictionsOf(vertebra);
            String band = vertebra.getBand() == null ? "no band" : vertebra.getBand().getDisplay();
            String label = vertebra.getLabel();
            if (Assessment.isPreOperative(vertebra)) {
                String favourable = Assessment.range(assessment.favourablePredictionsOf(vertebra));
                // Shorter, each level keeps its worst band across the scenarios beside the favourable one.
                String worst = predictions.stream().max(Comparator.comparingDouble(Prediction::getProbability))
                        .map(p -> p.getBand() == null ? "no band" : p.getBand().getDisplay()).orElse(band);
                parts.add(switch (form) {
                    case FULL -> label + " " + band + " with favourable technique (" + favourable + "), "
                            + Assessment.range(predictions) + " across scenarios";
                    case SHORT -> label + " " + band + " with favourable technique (" + favourable + "), up to " + worst;
                    case SHORTER -> label + " " + band + " if favourable, up to " + worst;
                    case SHORTEST -> label + " " + (band.equals(worst) ? band : band + " to " + worst);
                });
            } else if (predictions.size() == 1) {
                parts.add(form == Form.SHORTER || form == Form.SHORTEST ? label + " " + band
                        : label + " " + Assessment.range(predictions) + " (" + band + ")");
            } else {
                parts.add(form == Form.FULL ? label + " " + Assessment.range(predictions) + " (up to " + band + ")"
                        : label + " up to " + band);
            }
        }
        return context + ": refracture risk " + String.join("; ", parts);
    }

    /**
     * The detail a surgeon reads in ten seconds, in this order: each level's estimate (before PVP
     * under each technique scenario) with its band and its approximate interval in words, the one
     * line that says when an alternative reconstruction changes the band, at most
     * {@value #GUIDANCE_ON_CARD} pieces of guidance in one sentence each (fewer when the detail
     * would be longer than {@value #DETAIL_LIMIT} characters a level), other warnings to check, what
     * is missing and what it would change, one line of limits, and the link to the page with the
     * full explanation. No rule ids, no log-odds: the page has them.
     */
    private String detail(Assessment a, String context, List<String> caveats, String pageUrl) {
        int limit = DETAIL_LIMIT + DETAIL_EACH_MORE_LEVEL * Math.max(0, a.assessedVertebrae().size() - 1);
        String detail = fitted(a, context, caveats, pageUrl, limit);
        if (detail.codePointCount(0, detail.length()) > limit && pageUrl != null) {
            // The notes are on the page too: cut here, whole there.
            // The first note is what the card is about ("A PVP is on record, but..."): kept whole.
            List<String> cut = new ArrayList<>(caveats.subList(0, Math.min(1, caveats.size())));
            caveats.stream().skip(1).map(CardWriter::noteOnCard).forEach(cut::add);
            detail = fitted(a, context, cut, pageUrl, limit);
        }
        return detail;
    }

    /** The detail with as many pieces of guidance as fit in {@code limit} characters, one at least. */
    private String fitted(Assessment a, String context, List<String> caveats, String pageUrl, int limit) {
        String detail = detail(a, context, caveats, pageUrl, GUIDANCE_ON_CARD);
        for (int shown = GUIDANCE_ON_CARD - 1; shown > 0 && detail.codePointCount(0, detail.length()) > limit; shown--) {
            detail = detail(a, context, caveats, pageUrl, shown);
        }
        return detail;
    }

    /** The characters of a note shown on a card that would otherwise be too long. */
    private static final int NOTE_ON_CARD = 120;

    /**
     * A note cut to about {@value #NOTE_ON_CARD} characters for a card that would otherwise be too
     * long: its whole sentences that fit, else its words that fit, never a word cut in two.
     */
    static String noteOnCard(String note) {
        if (note.codePointCount(0, note.length()) <= NOTE_ON_CARD) {
            return note;
        }
        int end = note.offsetByCodePoints(0, NOTE_ON_CARD);
        int sentence = note.lastIndexOf(". ", end - 1);
        if (sentence > 0) {
            return note.substring(0, sentence + 1) + " (The page has the rest.)";
        }
        return shorten(note, NOTE_ON_CARD);
    }

    /** The detail with at most {@code guidanceShown} pieces of guidance. */
    private String detail(Assessment a, String context, List<String> caveats, String pageUrl, int guidanceShown) {
        InWords words = new InWords(a);
        StringBuilder md = new StringBuilder();
        md.append(escape(context)).append(": risk of refracture of the cemented vertebra within ")
                .append(a.calibration().getHorizonMonths()).append(" months (")
                .append(escape(a.ruleSet().wording(Wording.OUTCOME))).append(").");
        for (String caveat : caveats) {
            md.append(' ').append(escape(caveat));
        }
        if (!a.outsideStudy().isEmpty()) {
            md.append(" **Less certain than its interval says:** the input is outside the study's patients (")
                    .append(escape(words.outsideStudy())).append(").");
        }
        md.append("\n\n");
        for (Vertebra vertebra : a.assessedVertebrae()) {
            md.append("**").append(escape(words.headline(vertebra))).append(".**");
            for (InWords.Group group : words.groups(vertebra)) {
                md.append(' ').append(escape(words.estimate(group)));
            }
            a.describeSensitivity(vertebra).ifPresent(line -> md.append(' ').append(escape(line)).append('.'));
            md.append("\n\n");
        }
        List<InWords.Advice> advice = words.guidance();
        if (!advice.isEmpty()) {
            md.append("**Consider**").append(advice.size() > guidanceShown
                    ? " (" + guidanceShown + " of " + advice.size() + ")" : "").append(":\n\n");
            boolean severalLevels = a.assessedVertebrae().size() > 1;
            for (InWords.Advice item : advice.subList(0, Math.min(guidanceShown, advice.size()))) {
                md.append("- ").append(severalLevels ? escape(item.where()) + ": " : "")
                        .append(escape(item.guidance().getBrief())).append("\n");
            }
            md.append("\n");
        }
        List<String> checks = words.checks();
        if (!checks.isEmpty()) {
            md.append("**Check:** ").append(escape(String.join(" ", checks.subList(0, Math.min(2, checks.size())))))
                    .append(checks.size() > 2 ? " (" + (checks.size() - 2) + " more on the page)" : "").append("\n\n");
        }
        List<String> missing = words.missing();
        if (!missing.isEmpty()) {
            md.append("**Missing:** ").append(escape(String.join(" ", missing))).append("\n\n");
        }
        a.describeRecalibration().ifPresent(line -> md.append("*").append(escape(line)).append("*\n\n"));
        md.append("*Limits:* ").append(escape(a.ruleSet().wording(Wording.CARD_LIMITS)));
        if (pageUrl != null) {
            md.append("\n\n[").append(escape(a.ruleSet().wording(Wording.CARD_LINK))).append("](").append(pageUrl)
                    .append(") (the link works for ").append(validity()).append(")");
        }
        return md.toString();
    }

    /** "8 hours", "90 minutes" */
    private String validity() {
        long minutes = linkValidity.toMinutes();
        return minutes % 60 == 0 ? minutes / 60 + (minutes == 60 ? " hour" : " hours") : minutes + " minutes";
    }

    private static String citation() {
        return "Source: " + escape(RiskAssessmentWriter.REFERENCE) + " [doi:" + RiskAssessmentWriter.DOI + "](" + DOI + ")";
    }

    /**
     * Text from the rules or the input, made safe for Markdown without HTML entities (an EHR that
     * shows the Markdown as text would show them as typed): no table breaks, no line breaks, a
     * {@code <} that could open an HTML tag escaped with a backslash ("P < 0.05" stays as written),
     * and the characters of links, images, emphasis and code escaped too, so that a display sent in
     * the input ("[click](javascript:...)", "![](http://tracker)") is shown as typed, never followed
     * or fetched. Control characters and the invisible marks that reorder text (bidi) are dropped.
     */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        String plain = BidiMarks.dropped(CONTROL.matcher(text).replaceAll(" "));
        return TAG_START.matcher(MARKDOWN.matcher(plain).replaceAll("\\\\$0")).replaceAll("\\\\<");
    }

    /**
     * Markdown's own characters in text (the backslash first among them), and {@code &}, which would
     * make an entity ("&#x202E;") of what follows: each is shown as typed after a backslash.
     */
    private static final Pattern MARKDOWN = Pattern.compile("[\\\\|\\[\\]*_`~&]");
    /** C0 and C1 control characters (line breaks and tabs among them): a space each. */
    private static final Pattern CONTROL = Pattern.compile("\\p{Cc}");

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
