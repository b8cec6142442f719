package org.refracturecds.authoring;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Alternative;
import org.refracturecds.facts.Band;
import org.refracturecds.facts.Guidance;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.Numbers;
import org.refracturecds.facts.Prediction;
import org.refracturecds.fhirin.ClinicalTerms;
import org.refracturecds.fhirin.InputException;

/** Runs clinicians' scenarios against a rule set and says, for each, what did not come out as expected. */
public final class ScenarioRunner {

    private static final Pattern RANGE = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*(%?)\\s*to\\s*(\\d+(?:\\.\\d+)?)\\s*(%?)\\s*");

    /** One scenario's outcome: no failures means it passed. */
    public record Result(Scenario scenario, List<String> failures, List<String> fired) {

        public boolean passed() {
            return failures.isEmpty();
        }
    }

    /** All outcomes, and the assessment rules that no scenario fired. */
    public record Report(List<Result> results, Set<String> neverFired) {

        public long passed() {
            return results.stream().filter(Result::passed).count();
        }

        public long failed() {
            return results.size() - passed();
        }

        public boolean allPassed() {
            return failed() == 0;
        }
    }

    private ScenarioRunner() {
    }

    public static Report run(Assessor assessor, List<Scenario> scenarios) {
        List<Result> results = new ArrayList<>();
        Set<String> neverFired = new TreeSet<>(assessor.rules().assessmentRules());
        for (Scenario scenario : scenarios) {
            Result result = run(assessor, scenario);
            neverFired.removeAll(result.fired());
            results.add(result);
        }
        return new Report(results, neverFired);
    }

    static Result run(Assessor rulesAssessor, Scenario scenario) {
        Assessor assessor = scenario.model() == Scenario.Model.PUBLISHED ? rulesAssessor.published() : rulesAssessor;
        if (scenario.model() == Scenario.Model.RECALIBRATED && !assessor.recalibrated()) {
            return new Result(scenario, List.of("the file says model: recalibrated, but the rules hold no recalibration"
                    + " to a centre's patients (" + RuleSet.RECALIBRATION_FILE + ", written by"
                    + " calibrate --write-rules)"), List.of());
        }
        Assessment assessment;
        try {
            assessment = assessor.assess(ClinicalTerms.findings(assessor.rules().vocabulary(), scenario.level(),
                    scenario.findings(), scenario.person(), scenario.where()), true);
        } catch (InputException e) {
            return new Result(scenario, List.of("the findings cannot be read: " + e.render()), List.of());
        } catch (RuntimeException e) {
            return new Result(scenario, List.of("the rules failed on these findings: " + e.getMessage()), List.of());
        }
        Scenario.Expect expect = scenario.expect();
        List<String> failures = new ArrayList<>();
        if (expect.band() != null) {
            checkBand(expect.band(), assessment, failures);
        }
        if (expect.probability() != null) {
            checkProbability(expect.probability(), assessment, failures);
        }
        if (expect.indicator() != null) {
            String indicator = assessment.urgency().name().toLowerCase(Locale.ROOT);
            if (!expect.indicator().strip().equalsIgnoreCase(indicator)) {
                failures.add("the card's indicator was " + indicator + ", expected " + expect.indicator().strip());
            }
        }
        expect.alternatives().forEach((id, band) -> checkAlternative(id, band, assessment, failures));
        Set<String> given = new TreeSet<>(assessment.guidance().stream().map(Guidance::getId).toList());
        expect.guidance().stream().filter(id -> !given.contains(id))
                .forEach(id -> failures.add("guidance " + id + " was expected but not given (given: " + list(given) + ")"));
        expect.noGuidance().stream().filter(given::contains)
                .forEach(id -> failures.add("guidance " + id + " was given but the scenario says it must not be"));
        Set<String> notices = new TreeSet<>(assessment.notices().stream().map(Notice::code).toList());
        expect.notices().stream().filter(code -> !notices.contains(code))
                .forEach(code -> failures.add("notice " + code + " was expected but not given (given: " + list(notices) + ")"));
        expect.noNotices().stream().filter(notices::contains)
                .forEach(code -> failures.add("notice " + code + " was given but the scenario says it must not be"));
        return new Result(scenario, failures, assessment.firedRules());
    }

    /** The vertebra's band as the rules set it, the one the card shows (a scenario has one vertebra). */
    private static void checkBand(String expected, Assessment assessment, List<String> failures) {
        checkBand(expected, assessment.input().vertebrae().get(0).getBand(), "", failures);
    }

    /** The vertebra's band under the alternative reconstruction {@code id} of the Sensitivity table. */
    private static void checkAlternative(String id, String expected, Assessment assessment, List<String> failures) {
        Optional<Alternative> alternative = assessment.alternatives().stream().filter(a -> a.getId().equals(id)).findFirst();
        if (alternative.isEmpty()) {
            failures.add("there is no alternative '" + id + "' in the Sensitivity table (model.drl.csv), its ids are "
                    + list(new TreeSet<>(assessment.alternatives().stream().map(Alternative::getId).toList())));
            return;
        }
        checkBand(expected, assessment.bandUnder(assessment.input().vertebrae().get(0), alternative.get()), " under " + id,
                failures);
    }

    private static void checkBand(String expected, Band band, String under, List<String> failures) {
        if (band == null) {
            failures.add("no band was given" + under + ", expected " + expected);
        } else if (!expected.strip().equalsIgnoreCase(band.getCode()) && !expected.strip().equalsIgnoreCase(band.getDisplay())) {
            failures.add("band" + under + " was " + band.getDisplay() + ", expected " + expected.strip());
        }
    }

    private static void checkProbability(JsonNode expected, Assessment assessment, List<String> failures) {
        if (expected.isTextual()) {
            checkRange(expected.asText(), assessment.predictions(), failures);
            return;
        }
        if (!expected.isObject()) {
            failures.add("the expected probability is neither a range (15% to 60%) nor ranges by technique"
                    + " scenario ({favourable: 15% to 25%})");
            return;
        }
        expected.fields().forEachRemaining(byScenario -> {
            List<Prediction> predictions = assessment.predictions().stream()
                    .filter(p -> byScenario.getKey().equals(p.getScenario())).toList();
            if (predictions.isEmpty()) {
                failures.add("no prediction under technique scenario '" + byScenario.getKey() + "' (scenarios.drl.csv)");
            }
            checkRange(byScenario.getValue().asText(), predictions, failures);
        });
    }

    private static void checkRange(String range, List<Prediction> predictions, List<String> failures) {
        Matcher matcher = RANGE.matcher(range);
        if (!matcher.matches()) {
            failures.add("the expected probability '" + range + "' is not a range: write e.g. 15% to 60%");
            return;
        }
        double low = bound(matcher.group(1), matcher.group(2));
        double high = bound(matcher.group(3), matcher.group(4));
        for (Prediction prediction : predictions) {
            double p = prediction.getProbability();
            if (p < low || p > high) {
                String which = prediction.isHypothetical() ? " (" + prediction.describeAssumptions() + ")" : "";
                failures.add("probability " + Numbers.probability(p) + which + " is outside " + range.strip());
            }
        }
    }

    private static double bound(String number, String percent) {
        double value = Double.parseDouble(number);
        return percent.isEmpty() && value <= 1 ? value : value / 100;
    }

    private static String list(Set<String> values) {
        return values.isEmpty() ? "none" : String.join(", ", values);
    }
}
