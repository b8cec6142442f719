package org.refracturecds.engine;

import java.util.List;
import java.util.stream.Collectors;

/** The rule files could not be used; lists every problem found, with file and line. */
public final class RuleSetException extends Exception {

    private final List<RuleProblem> problems;

    public RuleSetException(String origin, List<RuleProblem> problems) {
        super("[PVP-R001] the rules in " + origin + " cannot be used (" + problems.size() + " problem"
                + (problems.size() == 1 ? "" : "s") + "):\n  "
                + problems.stream().map(RuleProblem::render).collect(Collectors.joining("\n  ")));
        this.problems = List.copyOf(problems);
    }

    public List<RuleProblem> problems() {
        return problems;
    }
}
