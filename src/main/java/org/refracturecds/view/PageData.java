package org.refracturecds.view;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.InWords;
import org.refracturecds.facts.Alternative;
import org.refracturecds.facts.Band;
import org.refracturecds.facts.Coding;
import org.refracturecds.facts.Finding;
import org.refracturecds.facts.Numbers;
import org.refracturecds.facts.Prediction;
import org.refracturecds.facts.Term;
import org.refracturecds.facts.Vertebra;
import org.refracturecds.facts.Wording;
import org.refracturecds.fhirout.RiskAssessmentWriter;

/**
 * What the surgeon's page shows of one assessment, worked out once when the card is written and
 * kept (as JSON) until its link expires: numbers and sentences only, no rule ids. The page is drawn
 * from it ({@link PageRenderer}). Every sentence comes from the rules' tables or from the
 * assessment; every number from the model.
 */
public record PageData(String patient, String context, String createdAt, boolean preliminary, String outcome,
                       int horizonMonths, String lessCertain, List<String> caveats, List<Level> levels,
                       List<Advice> guidance, List<String> checks, List<String> missing, List<Input> inputs,
                       List<NoticeRow> notices, String intervalBasis, List<AlternativeRow> alternatives, String notShown,
                       List<Sourced> bands, List<Sourced> limits, String limitsInOneLine, String model, String rules,
                       String citation, String doi) {

    /** The first RR columns of the technique picture, in percentage points (the 0 to 30). */
    static final List<Double> RR_COLUMNS = List.of(0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0);

    /** One vertebra: its estimate in words and the pictures behind it. */
    public record Level(String label, String phase, String headline, List<String> estimates, String sensitivity,
                        List<Grid> grids, List<Waterfall> waterfalls, List<Forest> forests) {
    }

    /**
     * Risk over cement contact (rows, the NPEC patterns) and reduction rate (columns), the other
     * factors as found (or as assumed, named in {@code title}); marked cells are this patient's.
     */
    public record Grid(String title, String rowsAre, String columnsAre, List<String> columns, List<GridRow> rows) {
    }

    public record GridRow(String label, List<Cell> cells) {
    }

    /** @param mark what the marked cell is ("this patient", "favourable scenario"), or null */
    public record Cell(double probability, String text, String band, String mark) {
    }

    /** One prediction's log-odds, from the starting point factor by factor. */
    public record Waterfall(String title, String startLabel, double start, List<Step> steps, double logit,
                            String probability, String band) {
    }

    /** @param origin "observed Observation/x", "scenario", "assumed" */
    public record Step(String factor, String value, String origin, double contribution, String contributionText,
                       String oddsRatio, String source) {
    }

    /** One prediction's estimate with its approximate interval, and under each alternative reconstruction. */
    public record Forest(String title, List<ForestRow> rows) {
    }

    /** @param low the interval's low end, null for an alternative (a point estimate only) */
    public record ForestRow(String label, double probability, Double low, Double high, String text, String band) {
    }

    public record Advice(String levels, String text, String support, String source) {
    }

    public record Input(String level, String finding, String value, String date, String observations) {
    }

    public record NoticeRow(String severity, String code, String where, String message) {
    }

    public record AlternativeRow(String label, String why, String source) {
    }

    public record Sourced(String text, String source) {
    }

    /** The page's data of {@code a}, written for the card of {@code context} ("After PVP") at {@code createdAt}. */
    public static PageData of(Assessment a, String context, List<String> caveats, String createdAt) {
        InWords words = new InWords(a);
        List<Level> levels = new ArrayList<>();
        for (Vertebra v : a.assessedVertebrae()) {
            levels.add(level(a, words, v));
        }
        List<Advice> guidance = words.guidance().stream().map(g -> new Advice(g.where(), g.guidance().getText(),
                g.guidance().getStrength(), g.guidance().getBasis())).toList();
        List<Input> inputs = a.input().findings().stream().map(f -> new Input(
                f.getVertebra() == null ? "patient" : f.getVertebra().getLabel(), f.getCode(), f.display(),
                f.getEffective() == null ? "not stated" : f.getEffective(), String.join(", ", f.getObservations()))).toList();
        List<NoticeRow> notices = a.notices().stream().map(n -> new NoticeRow(
                n.severity().name().toLowerCase(Locale.ROOT), n.code(), n.where(), n.message())).toList();
        List<AlternativeRow> alternatives = a.alternatives().stream()
                .map(alt -> new AlternativeRow(alt.getLabel(), alt.getWhy(), alt.getBasis())).toList();
        List<Sourced> bands = a.bands().stream().map(b -> new Sourced(b.getDisplay() + ": " + b.getMeaning(), b.getBasis())).toList();
        List<Sourced> limits = a.limits().stream().map(l -> new Sourced(l.getText(), l.getBasis())).toList();
        return new PageData(a.input().patient(), context, createdAt, a.preliminary(), a.ruleSet().wording(Wording.OUTCOME),
                a.calibration().getHorizonMonths(), a.outsideStudy().isEmpty() ? null : words.outsideStudy(),
                List.copyOf(caveats), levels, guidance, words.checks(), words.missing(), inputs, notices,
                a.covariance().getBasis(), alternatives, a.describeNotShown().orElse(null), bands, limits,
                a.ruleSet().wording(Wording.CARD_LIMITS),
                a.calibration().getModel() + " version " + a.ruleSet().version() + "+rules." + a.ruleSet().shortHash(),
                a.ruleSet().origin() + ", sha256 " + a.ruleSet().hash(), RiskAssessmentWriter.REFERENCE,
                "https://doi.org/" + RiskAssessmentWriter.DOI);
    }

    private static Level level(Assessment a, InWords words, Vertebra v) {
        List<InWords.Group> groups = words.groups(v);
        List<String> estimates = groups.stream().map(words::estimate).toList();
        List<Waterfall> waterfalls = new ArrayList<>();
        List<Forest> forests = new ArrayList<>();
        for (Prediction p : a.predictionsOf(v)) {
            String title = p.isHypothetical() ? InWords.capitalized(p.describeAssumptions()) : "As observed";
            waterfalls.add(waterfall(title, p));
            forests.add(forest(title, p, words));
        }
        return new Level(v.getLabel(), InWords.phase(v), words.headline(v), estimates,
                a.describeSensitivity(v).map(line -> line + ".").orElse(null), grids(a, v), waterfalls, forests);
    }

    /** One grid per combination of assumed pre-operative values (one when every pre-operative finding is known). */
    private static List<Grid> grids(Assessment a, Vertebra v) {
        Map<String, List<Prediction>> byAssumption = new LinkedHashMap<>();
        for (Prediction p : a.predictionsOf(v)) {
            String assumed = p.getTerms().stream().filter(t -> t.getFinding().getOrigin() == Finding.Origin.ASSUMED)
                    .map(t -> "if " + t.describe()).collect(Collectors.joining(", "));
            byAssumption.computeIfAbsent(assumed, k -> new ArrayList<>()).add(p);
        }
        List<Grid> grids = new ArrayList<>();
        byAssumption.forEach((assumed, predictions) -> {
            Grid grid = grid(a, assumed.isEmpty() ? null : InWords.capitalized(assumed), predictions);
            if (grid != null) {
                grids.add(grid);
            }
        });
        return grids;
    }

    /**
     * The technique picture from {@code predictions} (which share the pre-operative findings):
     * each cell the model's estimate with the post-operative factors set to the row's NPEC pattern
     * and the column's reduction rate. Marked: the observed cell after PVP, or each scenario's
     * before it.
     */
    private static Grid grid(Assessment a, String title, List<Prediction> predictions) {
        Prediction base = predictions.get(0);
        Term contact = null;
        Term restoration = null;
        for (Term t : base.getTerms()) {
            if ("post-operative".equals(t.getCoefficient().getTiming())) {
                if (t.getCoding().isMeasured()) {
                    restoration = t;
                } else {
                    contact = t;
                }
            }
        }
        if (contact == null || restoration == null) {
            return null;
        }
        String contactFactor = contact.getFactor();
        List<Coding> patterns = a.ruleSet().codings().stream()
                .filter(c -> c.getFactor().equals(contactFactor) && !c.isMeasured())
                .sorted(Comparator.comparingDouble(Coding::getX)).toList();
        double per = restoration.getCoding().getPer();
        double rest = base.getLogit() - contact.getContribution() - restoration.getContribution();
        Map<String, Map<Double, String>> marks = new LinkedHashMap<>();
        List<Double> columns = new ArrayList<>(RR_COLUMNS);
        for (Prediction p : predictions) {
            Finding npec = p.getTerms().stream().filter(t -> t.getFactor().equals(contactFactor)).findFirst().orElseThrow().getFinding();
            Term rr = p.getTerms().stream().filter(t -> t.getCoding().isMeasured() && "post-operative".equals(t.getCoefficient().getTiming()))
                    .findFirst().orElseThrow();
            double quantity = rr.getMeasurement(); // an RR below the study's is shown where the model took it
            String mark = p.getScenario() == null ? "this patient" : InWords.capitalized(p.getScenario()) + " scenario";
            marks.computeIfAbsent(npec.getValue(), k -> new LinkedHashMap<>()).put(quantity, mark);
            if (!columns.contains(quantity)) {
                columns.add(quantity);
            }
        }
        columns.sort(Comparator.naturalOrder());
        List<GridRow> rows = new ArrayList<>();
        for (Coding pattern : patterns) {
            List<Cell> cells = new ArrayList<>();
            for (double rr : columns) {
                double logit = rest + contact.getCoefficient().getBeta() * pattern.getX()
                        + restoration.getCoefficient().getBeta() * rr / per;
                double probability = 1 / (1 + Math.exp(-logit));
                Band band = Band.of(a.bands(), probability);
                cells.add(new Cell(probability, Numbers.probability(probability), band == null ? null : band.getCode(),
                        marks.getOrDefault(pattern.getValue(), Map.of()).get(rr)));
            }
            rows.add(new GridRow(InWords.capitalized(pattern.getLabel()), cells));
        }
        return new Grid(title, contact.getCoefficient().getLabel(), restoration.getCoefficient().getLabel() + " (percentage points)",
                columns.stream().map(Numbers::plain).toList(), rows);
    }

    private static Waterfall waterfall(String title, Prediction p) {
        double start = p.getCalibration().getIntercept() - p.getOffset();
        List<Step> steps = new ArrayList<>();
        for (Term t : p.getTerms()) {
            Finding f = t.getFinding();
            String origin = f.getOrigin().name().toLowerCase(Locale.ROOT)
                    + (f.getObservations().isEmpty() ? "" : " " + String.join(", ", f.getObservations()));
            steps.add(new Step(t.getCoefficient().getLabel(), t.describe(), origin, t.getContribution(),
                    Numbers.signed(t.getContribution()), Numbers.significant(t.getCoefficient().getOddsRatio(), 3).toPlainString(),
                    t.getCoefficient().getBasis()));
        }
        String startLabel = "Starting point: no factor present, at an incidence of " + Numbers.percent(p.getIncidence(), 3)
                + " (" + Numbers.probability(1 / (1 + Math.exp(-start))) + ")";
        return new Waterfall(title, startLabel, start, steps, p.getLogit(), p.describeProbability(),
                p.getBand() == null ? null : p.getBand().getDisplay());
    }

    private static Forest forest(String title, Prediction p, InWords words) {
        List<ForestRow> rows = new ArrayList<>();
        rows.add(new ForestRow("As reconstructed (docs/MODEL.md)", p.getProbability(), p.getLow(), p.getHigh(),
                Numbers.probability(p.getProbability()) + ", " + words.interval(p.getLow(), p.getHigh()),
                p.getBand() == null ? null : p.getBand().getCode()));
        for (Prediction under : p.getAlternatives()) {
            Alternative alt = under.getAlternative();
            rows.add(new ForestRow("Under " + alt.getLabel(), under.getProbability(), null, null,
                    Numbers.probability(under.getProbability()) + (under.getBand() == null ? "" : ", " + under.getBand().getDisplay()),
                    under.getBand() == null ? null : under.getBand().getCode()));
        }
        return new Forest(title, rows);
    }

    /** The levels' labels, for the page's title: "T12" or "T11, T12". */
    public String levelLabels() {
        return levels.stream().map(Level::label).filter(Objects::nonNull).collect(Collectors.joining(", "));
    }
}
