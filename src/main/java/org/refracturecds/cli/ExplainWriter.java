package org.refracturecds.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.InWords;
import org.refracturecds.facts.Band;
import org.refracturecds.facts.Finding;
import org.refracturecds.facts.Guidance;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.Numbers;
import org.refracturecds.facts.Prediction;
import org.refracturecds.facts.Statement;
import org.refracturecds.facts.Term;
import org.refracturecds.facts.Vertebra;

/**
 * {@code assess --explain}: the assessment in plain text, for a clinician checking the arithmetic.
 * It opens with the estimate in the card's words, and names no rule (guidance ids, the rules that
 * fired) unless asked to debug the rules.
 */
final class ExplainWriter {

    private ExplainWriter() {
    }

    static void write(Assessment a, PrintWriter out, boolean debug) {
        out.println("=== " + a.input().patient() + " (" + (a.preliminary() ? "preliminary" : "final") + ")");
        out.println("Model: " + a.calibration().getModel() + " " + a.calibration().getVersion() + "; rules: "
                + a.ruleSet().origin() + " (sha256:" + a.ruleSet().shortHash() + ")");
        out.println();
        InWords words = new InWords(a);
        if (!a.outsideStudy().isEmpty()) {
            out.println("Less certain than its interval says: the input is outside the study's patients ("
                    + words.outsideStudy() + ").");
        }
        for (Vertebra v : a.assessedVertebrae()) {
            out.println(words.headline(v) + ".");
            for (InWords.Group group : words.groups(v)) {
                out.println("  " + words.estimate(group));
            }
            a.describeSensitivity(v).ifPresent(line -> out.println("  " + line + "."));
        }
        List<String> missing = words.missing();
        if (!missing.isEmpty()) {
            out.println("Missing:");
            missing.forEach(line -> out.println("  " + line));
        }
        out.println();
        out.println("Inputs used:");
        for (Finding f : a.input().findings()) {
            out.println("  " + (f.getVertebra() == null ? "patient" : f.getVertebra().getLabel()) + "  " + f.getCode()
                    + " = " + f.display() + "  (" + String.join(", ", f.getObservations())
                    + (f.getEffective() == null ? "" : ", " + f.getEffective()) + ")");
        }
        for (Prediction p : a.predictions()) {
            out.println();
            out.println("Prediction for " + p.getVertebra().getLabel() + " (" + p.getVertebra().getPhase() + ")"
                    + (p.isHypothetical() ? ", scenario: " + p.describeAssumptions() : ", as observed") + ":");
            out.printf("  %-62s %s%n", "intercept (sample scale)", Numbers.signed(p.getCalibration().getIntercept()));
            for (Term t : p.getTerms()) {
                out.printf("  %-62s %s   x = %s, beta %s (OR %s) [%s]%n", t.getFactor() + ": " + t.describe(),
                        Numbers.signed(t.getContribution()), Numbers.plain(t.getX()),
                        Numbers.plain(t.getCoefficient().getBeta()),
                        Numbers.significant(t.getCoefficient().getOddsRatio(), 3).toPlainString(),
                        t.getCoefficient().getBasis());
            }
            out.printf("  %-62s %s%n", "re-anchored to incidence " + Numbers.percent(p.getIncidence(), 3),
                    Numbers.signed(-p.getOffset()));
            out.printf("  %-62s %s%n", "logit", Numbers.signed(p.getModelLogit()));
            if (p.getRecalibration() != null) {
                out.printf("  %-62s %s%n", "recalibrated to this centre: " + p.getRecalibration().describeFit(),
                        Numbers.signed(p.getLogit()));
            }
            out.println("  probability " + p.describeProbability() + ", band "
                    + (p.getBand() == null ? "none" : p.getBand().getDisplay() + " (" + p.getBand().getMeaning() + ")")
                    + ", " + Numbers.significant(p.getRelativeRisk(), 2).toPlainString() + " times the incidence");
            if (!p.getAlternatives().isEmpty()) {
                out.println("  under the alternative reconstructions (docs/MODEL.md, Sensitivity):");
            }
            for (Prediction under : p.getAlternatives()) {
                out.printf("    %-14s %6s %-10s %s [%s]%n", under.getAlternative().getId(),
                        Numbers.probability(under.getProbability()), under.getBand() == null ? "" : under.getBand().getDisplay(),
                        under.getAlternative().getLabel(), under.getAlternative().getBasis());
            }
        }
        a.describeNotShown().ifPresent(line -> {
            out.println();
            out.println(line + ".");
        });
        out.println();
        out.println("Band of each vertebra (the card's urgency: " + a.urgency().name().toLowerCase(Locale.ROOT)
                + "; a band's card indicator counts in full only when the band is known, whatever the missing"
                + " pre-operative findings and under no technique scenario; otherwise warning at most):");
        for (Vertebra v : a.assessedVertebrae()) {
            out.println("  " + v.getLabel() + " (" + v.getPhase() + "): " + a.describeBand(v));
            Band known = a.knownBand(v);
            out.println("    known: " + (known == null ? "no band (each prediction rests on a technique scenario)"
                    : known.getDisplay() + " (card indicator " + known.getIndicator() + ")"));
            a.describeSensitivity(v).ifPresent(line -> out.println("    " + line));
        }
        out.println();
        out.println("Guidance:");
        for (InWords.Advice advice : words.guidance()) {
            Guidance g = advice.guidance();
            out.println("  [" + advice.where() + "] " + (debug ? g.getId() + ": " : "") + g.getText());
            out.println("      support: " + g.getStrength() + "; source: " + g.getBasis());
        }
        if (a.guidance().isEmpty()) {
            out.println("  (none)");
        }
        out.println();
        out.println("Notices:");
        for (Notice n : a.notices()) {
            out.println("  " + n.severity() + " " + n.render());
        }
        out.println();
        out.println("Limits of the model:");
        for (Statement s : a.limits()) {
            out.println("  - " + s.getText() + " [" + s.getBasis() + "]");
        }
        if (debug && !a.firedRules().isEmpty()) {
            out.println();
            out.println("Rules fired, in order:");
            a.firedRules().forEach(rule -> out.println("  " + rule));
        }
        out.println();
    }
}
