package org.refracturecds.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.refracturecds.facts.Band;
import org.refracturecds.facts.Finding;
import org.refracturecds.facts.Guidance;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.Numbers;
import org.refracturecds.facts.Prediction;
import org.refracturecds.facts.Term;
import org.refracturecds.facts.Vertebra;
import org.refracturecds.facts.Wording;

/**
 * An assessment in plain words, as the card, the page and {@code assess --explain} say it: each
 * level's estimate with its band and its approximate interval in words, the guidance without rule
 * ids, what is missing and what it would change. The sentences' wording is the rules' (table
 * Wording of statements.drl.csv); this class only puts the numbers in.
 */
public final class InWords {

    /** The notices that say an Observation was left out (rules/inputs.drl). */
    private static final List<String> LEFT_OUT = List.of("PVP-W110", "PVP-W111", "PVP-W112", "PVP-I110");
    /** The code of why a finding was left out, first in its notice's reason: "[PVP-E116]". */
    private static final Pattern REASON = Pattern.compile(": \\[(PVP-[A-Z]\\d{3})\\]");

    private final Assessment a;

    public InWords(Assessment assessment) {
        this.a = assessment;
    }

    /**
     * The predictions of one vertebra that share a technique scenario: before PVP one group per
     * scenario, the favourable one first; after PVP usually one group, as observed. Several
     * predictions in a group differ in a pre-operative finding that was not reported.
     *
     * @param scenario  the technique scenario's id, or null for the findings as observed
     * @param technique the findings the scenario sets, in words ("cement contacts both endplates,
     *                  reduction rate 5%"), or null for the findings as observed
     */
    public record Group(String scenario, String technique, List<Prediction> predictions) {

        public double probabilityLow() {
            return predictions.stream().mapToDouble(Prediction::getProbability).min().orElseThrow();
        }

        public double probabilityHigh() {
            return predictions.stream().mapToDouble(Prediction::getProbability).max().orElseThrow();
        }

        public double intervalLow() {
            return predictions.stream().mapToDouble(Prediction::getLow).min().orElseThrow();
        }

        public double intervalHigh() {
            return predictions.stream().mapToDouble(Prediction::getHigh).max().orElseThrow();
        }

        /** "19%" or "0.88% to 19%". */
        public String range() {
            return Assessment.range(predictions);
        }

        /** "Moderate", or "Low to Moderate" across the group's predictions. */
        public String bands() {
            List<Band> bands = predictions.stream().map(Prediction::getBand).filter(Objects::nonNull).distinct()
                    .sorted(Comparator.comparingDouble(Band::getFrom)).toList();
            if (bands.isEmpty()) {
                return "no band";
            }
            return bands.size() == 1 ? bands.get(0).getDisplay()
                    : bands.get(0).getDisplay() + " to " + bands.get(bands.size() - 1).getDisplay();
        }
    }

    /** The vertebra's predictions by technique scenario, the favourable scenario first. */
    public List<Group> groups(Vertebra vertebra) {
        Map<String, List<Prediction>> byScenario = new LinkedHashMap<>();
        String favourable = a.ruleSet().favourableScenario();
        List<Prediction> all = a.predictionsOf(vertebra);
        all.stream().filter(p -> favourable.equals(p.getScenario()))
                .forEach(p -> byScenario.computeIfAbsent(favourable, k -> new ArrayList<>()).add(p));
        all.stream().filter(p -> !favourable.equals(p.getScenario()))
                .forEach(p -> byScenario.computeIfAbsent(String.valueOf(p.getScenario()), k -> new ArrayList<>()).add(p));
        List<Group> groups = new ArrayList<>();
        byScenario.forEach((scenario, predictions) -> groups.add(new Group("null".equals(scenario) ? null : scenario,
                technique(predictions.get(0)), List.copyOf(predictions))));
        return groups;
    }

    /** The findings a technique scenario sets, in words: "cement contacts both endplates, reduction rate 5%". */
    private static String technique(Prediction p) {
        List<String> set = p.getTerms().stream().filter(t -> t.getFinding().getOrigin() == Finding.Origin.SCENARIO)
                .map(Term::describe).toList();
        return set.isEmpty() ? null : String.join(", ", set);
    }

    /** "T12, before PVP: Moderate with favourable technique", "T11, after PVP: 57%, High", "T11, after PVP: 5.1% to 57%, up to High". */
    public String headline(Vertebra vertebra) {
        String band = vertebra.getBand() == null ? "no band" : vertebra.getBand().getDisplay();
        if (Assessment.isPreOperative(vertebra)) {
            return vertebra.getLabel() + ", before PVP: " + band + " with favourable technique";
        }
        List<Prediction> all = a.predictionsOf(vertebra);
        return vertebra.getLabel() + ", after PVP: " + Assessment.range(all) + ", " + (all.size() == 1 ? band : "up to " + band);
    }

    /** The approximate interval in words: "could be anywhere from 1.8% to 76%". */
    public String interval(double low, double high) {
        return Wording.fill(a.ruleSet().wording(Wording.CARD_INTERVAL),
                "low", Numbers.probability(low), "high", Numbers.probability(high));
    }

    /**
     * The estimate of one group in a sentence: "Cement contacts both endplates, reduction rate 5%:
     * 19%, Moderate (could be anywhere from 1.8% to 76%)."; after PVP only the interval.
     */
    public String estimate(Group group) {
        String interval = "(" + interval(group.intervalLow(), group.intervalHigh()) + ")";
        if (group.technique() == null) {
            return capitalized(interval.substring(1, interval.length() - 1)) + ".";
        }
        return capitalized(group.technique()) + ": " + group.range() + ", " + group.bands() + " " + interval + ".";
    }

    /** One piece of guidance with the vertebrae it is given for. */
    public record Advice(List<String> levels, Guidance guidance) {

        /** "T11, T12" */
        public String where() {
            return String.join(", ", levels);
        }
    }

    /** The guidance, each piece once with the levels it applies to, in the rules' card order. */
    public List<Advice> guidance() {
        Map<String, List<Guidance>> byId = new LinkedHashMap<>();
        for (Guidance g : a.guidance()) {
            byId.computeIfAbsent(g.getId(), k -> new ArrayList<>()).add(g);
        }
        return byId.values().stream()
                .map(same -> new Advice(same.stream().map(g -> g.getVertebra().getLabel()).distinct().toList(), same.get(0)))
                .sorted(Comparator.comparingInt(advice -> advice.guidance().getCardOrder()))
                .toList();
    }

    /**
     * What is missing and what it would change, one sentence each: a pre-operative finding not
     * reported (the estimate without and with it), an Observation left out, conditions or age
     * not known.
     */
    public List<String> missing() {
        List<String> missing = new ArrayList<>();
        for (Vertebra vertebra : a.assessedVertebrae()) {
            List<Prediction> headline = Assessment.isPreOperative(vertebra) ? a.favourablePredictionsOf(vertebra)
                    : a.predictionsOf(vertebra);
            Map<String, Map<String, List<Prediction>>> byAssumed = new LinkedHashMap<>();
            for (Prediction p : headline) {
                for (Term t : p.getTerms()) {
                    if (t.getFinding().getOrigin() == Finding.Origin.ASSUMED) {
                        byAssumed.computeIfAbsent(t.getCoefficient().getLabel(), k -> new LinkedHashMap<>())
                                .computeIfAbsent(t.getFinding().getValue(), k -> new ArrayList<>()).add(p);
                    }
                }
            }
            byAssumed.forEach((finding, byValue) -> {
                List<Prediction> without = byValue.getOrDefault("absent", List.of());
                List<Prediction> with = byValue.getOrDefault("present", List.of());
                if (!without.isEmpty() && !with.isEmpty()) {
                    missing.add(Wording.fill(a.ruleSet().wording(Wording.CARD_NOT_REPORTED), "finding", capitalized(finding),
                            "level", vertebra.getLabel(), "without", Assessment.range(without), "with", Assessment.range(with)));
                }
            });
        }
        for (Notice n : a.notices()) {
            if (LEFT_OUT.contains(n.code())) {
                // "reduction rate (RR) not used: [PVP-E116] valueQuantity.value: is 500 %, ...": the card names why by
                // its code (docs/CODES.md), the page in full.
                int colon = n.message().indexOf(':');
                Matcher why = REASON.matcher(n.message());
                String code = why.find() ? why.group(1) : null;
                missing.add(capitalized(colon > 0 ? n.message().substring(0, colon) : n.message())
                        + (n.where() == null && code == null ? "" : " (" + String.join(", ", java.util.stream.Stream.of(
                        n.where(), code).filter(Objects::nonNull).toList()) + ")") + ".");
            }
        }
        if (a.notices().stream().anyMatch(n -> n.code().equals("PVP-A106"))) {
            missing.add(a.ruleSet().wording(Wording.CARD_CONDITIONS_UNKNOWN));
        }
        if (a.notices().stream().anyMatch(n -> n.code().equals("PVP-A107"))) {
            missing.add(a.ruleSet().wording(Wording.CARD_AGE_UNKNOWN));
        }
        return missing;
    }

    /**
     * The other warnings, each as its first clause with where it applies: two Observations that
     * disagree, a reported RR that differs from the compression ratios, follow-up findings that
     * meet the definition of refracture, a finding that does not conform to its profile.
     */
    public List<String> checks() {
        List<String> checks = new ArrayList<>();
        for (Notice n : a.notices()) {
            if (n.severity() == Notice.Severity.WARNING && !n.code().startsWith("PVP-A") && !LEFT_OUT.contains(n.code())
                    && !n.code().equals("PVP-W301")) {
                String first = n.message().split("; |\\. ", 2)[0].replaceAll("\\.$", "");
                // Where first, as the notice reads on the command line: its message may start with a verb ("is
                // preliminary") whose subject is the where.
                checks.add((n.where() == null ? capitalized(first) : n.where() + ": " + first) + ".");
            }
        }
        return checks;
    }

    /** The codes (and where) of the warnings that the input lies outside the study's patients: "PVP-A101 T12, PVP-A103". */
    public String outsideStudy() {
        return String.join(", ", a.outsideStudy().stream()
                .map(n -> n.code() + (n.where() == null ? "" : " " + n.where())).distinct().toList());
    }

    /** The phase in words: "before PVP", "after PVP". */
    public static String phase(Vertebra vertebra) {
        return Assessment.isPreOperative(vertebra) ? "before PVP" : "after PVP";
    }

    public static String capitalized(String text) {
        return text == null || text.isEmpty() ? text : text.substring(0, 1).toUpperCase(Locale.ROOT) + text.substring(1);
    }
}
