package org.refracturecds.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.refracturecds.facts.Alternative;
import org.refracturecds.facts.Band;
import org.refracturecds.facts.Calibration;
import org.refracturecds.facts.Covariance;
import org.refracturecds.facts.Guidance;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.Numbers;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Prediction;
import org.refracturecds.facts.Recalibration;
import org.refracturecds.facts.Settings;
import org.refracturecds.facts.Statement;
import org.refracturecds.facts.Vertebra;
import org.refracturecds.facts.Wording;

/**
 * What the rules concluded for one patient: predictions (one per vertebra, or one per scenario
 * and assumption when findings are missing, each with its estimates under the alternative
 * reconstructions), guidance, notices, and the model's stated limits.
 *
 * @param alternatives the alternative reconstructions each prediction is also shown under
 * @param notShown     those of the Sensitivity table left out for this deployment (see {@link #describeNotShown()})
 * @param settings     the settings the assessment ran with
 * @param firedRules   the rules that fired, in order (filled only when tracing was asked for)
 */
public record Assessment(PatientFindings input, List<Prediction> predictions, List<Guidance> guidance,
                         List<Notice> notices, List<Statement> limits, List<Band> bands,
                         List<Alternative> alternatives, List<Alternative> notShown, Settings settings,
                         Calibration calibration, RuleSet ruleSet, List<String> firedRules) {

    /** The covariance of the coefficients the intervals come from, with its Source. */
    public Covariance covariance() {
        return ruleSet.covariance();
    }

    /** The centre's recalibration the predictions went through, or null: the published model. */
    public Recalibration recalibration() {
        return settings.isRecalibrated() ? calibration.getRecalibration() : null;
    }

    /**
     * One line for the card when the model is recalibrated to this centre: the rules' Wording
     * W-RECALIBRATED with the fit and its cohort, "Recalibrated to this centre's own patients: ...
     * (a = 0.799, b = 1 (fixed); 500 treated vertebrae, 82 refractures; fitted on 2026-05-01)."
     */
    public Optional<String> describeRecalibration() {
        Recalibration r = recalibration();
        return r == null ? Optional.empty() : Optional.of(ruleSet.wording(Wording.RECALIBRATED) + " (" + r.describeFit()
                + "; " + r.getVertebrae() + " treated vertebrae, " + r.getEvents() + " refractures; fitted on "
                + r.getFittedOn() + ").");
    }

    /** How urgently the result should reach the clinician; the names are CDS Hooks' card indicators. */
    public enum Urgency { INFO, WARNING, CRITICAL }

    /** Preliminary when any Observation was, or when any factor had to be assumed or set by a scenario. */
    public boolean preliminary() {
        return input.preliminary() || predictions.stream().anyMatch(p -> p.isHypothetical());
    }

    /**
     * The urgency follows what is known, never a hypothetical (MODEL.md, "Qualitative risk"). Each
     * band says its card indicator (bands.drl.csv). A vertebra's band counts in full only when it
     * is known ({@link #knownBand}); the band the card shows otherwise (before PVP its band under the
     * favourable technique scenario, after PVP the highest among its predictions) makes the card a
     * warning at most. The default bands: critical only when a known band is High, warning when a
     * vertebra's band is Moderate or High, info otherwise.
     */
    public Urgency urgency() {
        Urgency urgency = Urgency.INFO;
        for (Vertebra vertebra : assessedVertebrae()) {
            Urgency shown = urgencyOf(vertebra.getBand());
            urgency = max(urgency, shown.compareTo(Urgency.WARNING) > 0 ? Urgency.WARNING : shown);
            urgency = max(urgency, urgencyOf(knownBand(vertebra)));
        }
        return urgency;
    }

    /**
     * The band the vertebra has whatever its missing pre-operative findings are: the lowest band
     * among its predictions that no technique scenario sets, across the values a missing IVC or EPD
     * could have (one prediction when every factor is observed). Null when every prediction rests
     * on a technique scenario (before PVP, or an RR not measured yet).
     */
    public Band knownBand(Vertebra vertebra) {
        Band lowest = null;
        for (Prediction prediction : predictionsOf(vertebra)) {
            if (prediction.getScenario() != null) {
                continue;
            }
            Band band = prediction.getBand();
            if (band == null) {
                return null;
            }
            if (lowest == null || band.getFrom() < lowest.getFrom()) {
                lowest = band;
            }
        }
        return lowest;
    }

    private static Urgency urgencyOf(Band band) {
        return band == null ? Urgency.INFO : Urgency.valueOf(band.getIndicator().toUpperCase(Locale.ROOT));
    }

    private static Urgency max(Urgency a, Urgency b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /**
     * The warnings that the input lies outside the study's patients (the PVP-A notices of
     * rules/applicability.drl.csv with severity warning): the estimate is less certain than its
     * interval says.
     */
    public List<Notice> outsideStudy() {
        return notices.stream().filter(n -> n.code().startsWith("PVP-A") && n.severity() == Notice.Severity.WARNING).toList();
    }

    /** The vertebrae that have predictions, in the input's order. */
    public List<Vertebra> assessedVertebrae() {
        return input.vertebrae().stream().filter(v -> !predictionsOf(v).isEmpty()).toList();
    }

    public List<Prediction> predictionsOf(Vertebra vertebra) {
        return predictions.stream().filter(p -> p.getVertebra() == vertebra).toList();
    }

    /** Before PVP, the predictions under the favourable technique scenario: more than one when a finding is missing. */
    public List<Prediction> favourablePredictionsOf(Vertebra vertebra) {
        return predictionsOf(vertebra).stream().filter(p -> ruleSet.favourableScenario().equals(p.getScenario())).toList();
    }

    /** True before PVP, when the vertebra's band is its band under the favourable technique scenario. */
    public static boolean isPreOperative(Vertebra vertebra) {
        return "pre-operative".equals(vertebra.getPhase());
    }

    /**
     * How the vertebra's band was chosen, with the range beside it: "Moderate, its band under the
     * favourable technique scenario (19%); 19% to 85% across the technique scenarios".
     */
    public String describeBand(Vertebra vertebra) {
        List<Prediction> all = predictionsOf(vertebra);
        String band = vertebra.getBand() == null ? "no band" : vertebra.getBand().getDisplay();
        if (isPreOperative(vertebra)) {
            List<Prediction> favourable = favourablePredictionsOf(vertebra);
            String why = favourable.size() == 1
                    ? ", its band under the favourable technique scenario (" + range(favourable) + ")"
                    : ", the lowest band under the favourable technique scenario, which gives " + range(favourable)
                            + " as a finding is missing";
            return band + why + "; " + range(all) + " across the technique scenarios";
        }
        return all.size() == 1 ? band : band + ", the highest band among its predictions (" + range(all) + ")";
    }

    /**
     * The vertebra's band under an alternative reconstruction, chosen as pipeline.drl chooses its
     * band: before PVP the lowest among the estimates under the favourable technique scenario,
     * after PVP the highest among all its estimates. Null when it has none.
     */
    public Band bandUnder(Vertebra vertebra, Alternative alternative) {
        boolean before = isPreOperative(vertebra);
        if (!before && !"post-operative".equals(vertebra.getPhase())) {
            return null;
        }
        Band chosen = null;
        for (Prediction prediction : before ? favourablePredictionsOf(vertebra) : predictionsOf(vertebra)) {
            Prediction estimate = prediction.under(alternative);
            Band band = estimate == null ? null : estimate.getBand();
            if (band != null && (chosen == null || (before ? band.getFrom() < chosen.getFrom() : band.getFrom() > chosen.getFrom()))) {
                chosen = band;
            }
        }
        return chosen;
    }

    /**
     * One line when an alternative reconstruction changes the vertebra's band: "Under the
     * alternative NPEC order (...) this would be High, not Moderate".
     */
    public Optional<String> describeSensitivity(Vertebra vertebra) {
        List<String> changes = new ArrayList<>();
        for (Alternative alternative : alternatives) {
            Band under = bandUnder(vertebra, alternative);
            if (under != null && under != vertebra.getBand()) {
                changes.add((changes.isEmpty() ? "Under " : "under ") + alternative.getLabel()
                        + (changes.isEmpty() ? " this would be " : " ") + under.getDisplay());
            }
        }
        if (changes.isEmpty() || vertebra.getBand() == null) {
            return Optional.empty();
        }
        return Optional.of(String.join(", ", changes) + ", not " + vertebra.getBand().getDisplay());
    }

    /**
     * Why an alternative of the Sensitivity table is not shown, once for the whole explanation:
     * an alternative incidence questions the study's 3.68%, and a deployment that sets its own
     * incidence does not use it (with --incidence 0.1, incidence-10 would repeat the estimate; with
     * 0.2 it would show a lower one "because 3.68% is a lower bound").
     */
    public Optional<String> describeNotShown() {
        if (notShown.isEmpty()) {
            return Optional.empty();
        }
        String own = recalibration() != null ? "the model is recalibrated to this centre's own patients, whose"
                + " refractures set the level" : "this deployment sets its own (" + Numbers.percent(settings.getIncidence(), 3) + ")";
        return Optional.of("Not shown: the alternative " + String.join(", ", notShown.stream().map(a -> a.getId() + " ("
                + a.getLabel() + ")").toList()) + (notShown.size() == 1 ? ": it questions" : ": they question")
                + " the study's incidence of " + Numbers.percent(calibration.defaultIncidence(), 3) + ", and " + own);
    }

    /** "19%" or "0.27% to 85%": the probabilities' range. */
    public static String range(List<Prediction> predictions) {
        double low = predictions.stream().mapToDouble(Prediction::getProbability).min().orElseThrow();
        double high = predictions.stream().mapToDouble(Prediction::getProbability).max().orElseThrow();
        return Numbers.probability(low).equals(Numbers.probability(high)) ? Numbers.probability(low)
                : Numbers.probability(low) + " to " + Numbers.probability(high);
    }
}
