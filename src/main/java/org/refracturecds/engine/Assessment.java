package org.refracturecds.engine;

import java.util.List;

import org.refracturecds.facts.Band;
import org.refracturecds.facts.Calibration;
import org.refracturecds.facts.Guidance;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Prediction;
import org.refracturecds.facts.Statement;

/**
 * What the rules concluded for one patient: predictions (one per vertebra, or one per scenario
 * and assumption when findings are missing), guidance, notices, and the model's stated limits.
 *
 * @param firedRules the rules that fired, in order (filled only when tracing was asked for)
 */
public record Assessment(PatientFindings input, List<Prediction> predictions, List<Guidance> guidance,
                         List<Notice> notices, List<Statement> limits, List<Band> bands,
                         Calibration calibration, RuleSet ruleSet, List<String> firedRules) {

    /** Preliminary when any Observation was, or when any factor had to be assumed or set by a scenario. */
    public boolean preliminary() {
        return input.preliminary() || predictions.stream().anyMatch(p -> p.isHypothetical());
    }
}
