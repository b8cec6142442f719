package org.refracturecds.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

import org.refracturecds.facts.Alternative;
import org.refracturecds.facts.Guidance;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Numbers;
import org.refracturecds.facts.Prediction;
import org.refracturecds.facts.Recalibration;
import org.refracturecds.facts.Settings;
import org.refracturecds.facts.Vertebra;
import org.refracturecds.facts.Wording;

/** Runs the rule set over one patient's findings. Thread-safe: each call has a session of its own while it runs ({@link KnowledgeSessions}). */
public final class Assessor {

    /** The notice code of rules/applicability.drl.csv's A-SEVERAL-LEVELS (its rows keep their codes). */
    private static final String SEVERAL_LEVELS = "PVP-A103";

    private final RuleSet rules;
    private final Settings settings;

    public Assessor(RuleSet rules, Settings settings) {
        this.rules = rules;
        this.settings = settings;
    }

    public RuleSet rules() {
        return rules;
    }

    /** The same rules and settings with the published model: any recalibration in the rules set aside. */
    public Assessor published() {
        return settings.isRecalibrated() ? new Assessor(rules, settings.published()) : this;
    }

    /** True when a recalibration in the rules applies to this assessor's answers. */
    public boolean recalibrated() {
        return settings.isRecalibrated() && rules.recalibration().isPresent();
    }

    public Assessment assess(PatientFindings input) {
        return assess(input, false);
    }

    /**
     * One assessment per vertebral level an Observation states ({@link PatientFindings#eachLevel}),
     * as a FHIR server keeps one RiskAssessment per patient, level and model. A level assessed alone
     * cannot show what the rules say of the patient's several levels (PVP-A103, that the study
     * enrolled single-level PVP only), so that notice, from the whole patient's assessment, goes with
     * each level's.
     */
    public List<Assessment> assessEachLevel(PatientFindings input) {
        List<PatientFindings> levels = input.eachLevel();
        List<Notice> ofSeveral = levels.size() < 2 ? List.of() : severalLevels(assess(input));
        return levels.stream().map(level -> assess(level.withNotices(ofSeveral))).toList();
    }

    /**
     * The findings at the levels a PVP order names ({@code atOrdered}), assessed as the PVP of all of
     * {@code ordered}, which the findings alone may not show:
     * <ul>
     * <li>an order of several levels is outside the study, which enrolled single-level PVP (PVP-A103),
     *     even when a level ordered has no findings or the levels are of different phases: the notice
     *     of those levels, each as if before PVP, goes with the findings';</li>
     * <li>a level ordered that is after PVP was treated before, and the study enrolled no patient with
     *     a PVP before: its estimate is of the earlier cement, not of the PVP ordered
     *     ({@value #TREATED_BEFORE}).</li>
     * </ul>
     */
    public Assessment assessOrder(PatientFindings atOrdered, Set<String> ordered) {
        Assessment plain = assess(atOrdered);
        List<Notice> more = new ArrayList<>();
        if (ordered.size() > 1 && severalLevels(plain).isEmpty()) {
            List<Vertebra> planned = ordered.stream().map(level -> new Vertebra(level, null)).toList();
            more.addAll(severalLevels(assess(new PatientFindings(atOrdered.patient(), planned, List.of(), List.of(), false,
                    List.of(), atOrdered.details(), atOrdered.diagnoses()))));
        }
        for (Vertebra vertebra : plain.input().vertebrae()) {
            if (ordered.contains(vertebra.getLevel()) && "post-operative".equals(vertebra.getPhase())) {
                more.add(treatedBefore(vertebra, plain.notices()));
            }
        }
        return more.isEmpty() ? plain : assess(atOrdered.withNotices(more));
    }

    /** What the rules say of the patient's several levels (PVP-A103), from {@code a}'s notices. */
    private static List<Notice> severalLevels(Assessment a) {
        return a.notices().stream().filter(notice -> notice.code().equals(SEVERAL_LEVELS)).toList();
    }

    /** The notice of a level ordered that was treated by PVP before. */
    public static final String TREATED_BEFORE = "PVP-A108";

    private static Notice treatedBefore(Vertebra vertebra, List<Notice> notices) {
        // After PVP by a PVP on record that may be another vertebra's (PVP-I111 naming PVP-W122): "may have been".
        boolean perhaps = notices.stream().anyMatch(n -> n.code().equals("PVP-I111") && vertebra.getLabel().equals(n.where())
                && n.message().contains("may have treated it"));
        return Notice.warning(TREATED_BEFORE, vertebra.getLabel(), (perhaps ? "may have been treated by PVP before (a PVP"
                + " on record that does not say which vertebra it treated)" : "was treated by PVP before (its"
                + " post-operative findings, findings of cement in it, or a PVP on record of it)") + ": its estimate is of the earlier cement, not of"
                + " the PVP ordered. The study's exclusions list 'No history of PVP surgery' (Methods, exclusion iii),"
                + " read here as no patient with a PVP before, so the model says nothing of a repeat PVP"
                + (notices.stream().anyMatch(n -> n.code().equals("PVP-W124")) ? ". A PVP on record is dated ahead"
                + " (PVP-W124): if it is the PVP ordered now, this level was not treated before; correct the record" : ""));
    }

    /** @param trace keep the names of the rules that fired, for {@code --explain} */
    public Assessment assess(PatientFindings input, boolean trace) {
        SessionLog log = rules.sessions().fire(facts(input), trace);
        List<Notice> notices = new ArrayList<>(input.notices());
        notices.addAll(log.ofType(Notice.class));
        Recalibration recalibration = settings.isRecalibrated() ? rules.calibration().getRecalibration() : null;
        if (recalibration != null) {
            notices.add(recalibrated(recalibration));
        }
        notices = new ArrayList<>(new java.util.LinkedHashSet<>(notices));
        List<Prediction> predictions = log.ofType(Prediction.class);
        predictions.sort(Comparator.comparing((Prediction p) -> input.vertebrae().indexOf(p.getVertebra()))
                .thenComparing(p -> p.getScenario() == null ? "" : p.getScenario())
                .thenComparing(Prediction::getProbability));
        List<Alternative> shown = new ArrayList<>(rules.alternatives());
        List<Alternative> notShown = new ArrayList<>();
        if (settings.getIncidence() != null || recalibration != null) {
            // An alternative incidence questions the study's 3.68%, which a deployment's own rate, or
            // its own outcomes, replace.
            rules.alternatives().stream().filter(Alternative::changesIncidence).forEach(notShown::add);
            shown.removeAll(notShown);
        }
        predictions.forEach(p -> p.estimateUnder(shown, rules.bands()));
        for (Vertebra vertebra : input.vertebrae()) {
            if (predictions.stream().noneMatch(p -> p.getVertebra() == vertebra)) {
                throw new IllegalStateException("[PVP-R002] the rules in " + rules.origin()
                        + " gave no prediction for " + vertebra.getLabel()
                        + ": the model tables are incomplete (every factor needs a coefficient and codings)");
            }
        }
        List<Guidance> guidance = log.ofType(Guidance.class);
        guidance.sort(Comparator.comparing(g -> input.vertebrae().indexOf(g.getVertebra())));
        return new Assessment(input, predictions, guidance, notices, rules.limits(), rules.bands(),
                List.copyOf(shown), List.copyOf(notShown), settings, rules.calibration(), rules, log.fired);
    }

    /** The facts of one assessment, in the order they go into its session (after the rules' knowledge). */
    List<Object> facts(PatientFindings input) {
        List<Object> facts = new ArrayList<>();
        if (!input.diagnoses().isEmpty()) {
            facts.addAll(rules.exclusions());
        }
        facts.add(settings);
        facts.addAll(input.vertebrae());
        facts.addAll(input.findings());
        facts.addAll(input.leftOut());
        facts.addAll(input.diagnoses());
        facts.add(input.details());
        return facts;
    }

    /**
     * PVP-I501: the rules' Wording W-RECALIBRATED with the fit and its cohort, and, when the
     * deployment also sets an incidence, that it is not used (the recalibration sets the level).
     */
    private Notice recalibrated(Recalibration r) {
        String incidence = settings.getIncidence() == null ? "" : " The incidence setting ("
                + Numbers.percent(settings.getIncidence(), 3) + ") is not used: the centre's own refractures set the level.";
        return Notice.info("PVP-I501", null, rules.wording(Wording.RECALIBRATED) + " (" + r.describeFit() + "; "
                + r.describeCohort() + ") [" + r.getBasis() + "]." + incidence);
    }
}
