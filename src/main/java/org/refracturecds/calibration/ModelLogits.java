package org.refracturecds.calibration;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.OnEveryCore;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Prediction;
import org.refracturecds.fhirin.InputException;

/**
 * The published model's logit for each treated vertebra of a cohort, from the assessment the
 * service runs (the rules, the model sum), not a copy of its arithmetic: what the centre's
 * clinicians would have been shown. Rows with the same findings are assessed once.
 *
 * @param logits       the model's logit, row by row
 * @param outsideStudy the rows whose reduction rate lies outside the study's (PVP-A101, PVP-A102)
 */
record ModelLogits(double[] logits, int outsideStudy) {

    private static final List<String> OUTSIDE_STUDY = List.of("PVP-A101", "PVP-A102");

    /**
     * @param published an assessor with the published model (any recalibration in its rules set aside)
     */
    static ModelLogits of(Assessor published, List<CohortRow> rows) throws CohortException {
        // One assessment per distinct pattern of findings (an audit's RR is often whole points), in row order.
        Map<String, Integer> first = new HashMap<>();
        List<Integer> assessed = new ArrayList<>();
        int[] source = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            String pattern = rows.get(i).pattern();
            Integer earlier = pattern == null ? null : first.putIfAbsent(pattern, i);
            source[i] = earlier == null ? i : earlier;
            if (earlier == null) {
                assessed.add(i);
            }
        }
        double[] logits = new double[rows.size()];
        boolean[] outside = new boolean[rows.size()];
        CohortProblem[] problems = new CohortProblem[rows.size()];
        // The facts and the assessments are made on every core (OnEveryCore: the first rows one after
        // another, and a row that meets a rule firing for the first time on two threads assessed again).
        Outcomes outcomes = new Outcomes(published, rows, logits, outside, problems);
        OnEveryCore.inOrder(assessed, i -> {
            outcomes.assess(i);
            return i;
        }, i -> { });
        List<CohortProblem> found = Arrays.stream(problems).filter(Objects::nonNull).toList();
        if (!found.isEmpty()) {
            throw new CohortException(found);
        }
        int outsideStudy = 0;
        for (int i = 0; i < rows.size(); i++) {
            logits[i] = logits[source[i]];
            outsideStudy += outside[source[i]] ? 1 : 0;
        }
        return new ModelLogits(logits, outsideStudy);
    }

    /** What one distinct row's assessment gives, written to its index of the arrays (each index by one thread). */
    private record Outcomes(Assessor published, List<CohortRow> rows, double[] logits, boolean[] outside,
            CohortProblem[] problems) {

        void assess(int i) {
            CohortRow row = rows.get(i);
            PatientFindings findings;
            try {
                findings = row.findings(published.rules().vocabulary());
            } catch (InputException e) {
                problems[i] = new CohortProblem(e.code(), e.where(), e.getMessage());
                return;
            }
            Assessment assessment = published.assess(findings);
            List<Prediction> observed = assessment.predictions().stream().filter(p -> !p.isHypothetical()).toList();
            if (observed.size() == 1 && assessment.predictions().size() == 1) {
                logits[i] = observed.get(0).getModelLogit();
            } else {
                problems[i] = new CohortProblem("PVP-C211", row.where(), "has no " + missing(assessment) + ": every"
                        + " treated vertebra of the cohort needs the model's four findings (IVC, EPD, NPEC, RR), observed");
            }
            outside[i] = assessment.notices().stream().map(Notice::code).anyMatch(OUTSIDE_STUDY::contains);
        }
    }

    /** The factors an assessment had to assume or take from a technique scenario: "intravertebral cleft, reduction rate". */
    private static String missing(Assessment assessment) {
        String factors = String.join(", ", assessment.predictions().stream().flatMap(p -> p.getTerms().stream())
                .filter(t -> !t.getFinding().isFactual()).map(t -> t.getCoefficient().getLabel()).distinct().toList());
        List<String> leftOut = assessment.input().leftOut().stream().map(l -> l.where() + " " + l.reason()).toList();
        return factors + (leftOut.isEmpty() ? "" : " (left out: " + String.join("; ", leftOut) + ")");
    }
}
