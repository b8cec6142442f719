package org.refracturecds.calibration;

import java.util.List;

/** A cohort that cannot be calibrated on, with every problem found (each with its row and column). */
public final class CohortException extends Exception {

    private final List<CohortProblem> problems;

    public CohortException(List<CohortProblem> problems) {
        super(problems.get(0).render() + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""));
        this.problems = List.copyOf(problems);
    }

    public CohortException(String code, String where, String message) {
        this(List.of(new CohortProblem(code, where, message)));
    }

    public List<CohortProblem> problems() {
        return problems;
    }
}
