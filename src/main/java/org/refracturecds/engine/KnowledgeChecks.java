package org.refracturecds.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.refracturecds.facts.Alternative;
import org.refracturecds.facts.AlternativeChange;
import org.refracturecds.facts.Band;
import org.refracturecds.facts.Coding;
import org.refracturecds.facts.Coefficient;
import org.refracturecds.facts.Covariance;
import org.refracturecds.facts.CovarianceRow;
import org.refracturecds.facts.Numbers;
import org.refracturecds.facts.Recalibration;
import org.refracturecds.facts.ScenarioValue;

/**
 * Checks of the knowledge tables that look at several rows together (a table's rows each compile
 * alone), each problem at the row to mend with a hint in plain words; and the facts made from
 * several rows: the covariance matrix, the alternative reconstructions.
 */
final class KnowledgeChecks {

    /** Places a problem at the table row that inserted a fact. */
    interface Rows {
        RuleProblem at(Object fact, String message, String hint);
    }

    private static final String COVARIANCE_HINT = "row A, column B holds the covariance of A and B, the same number"
            + " as row B, column A; the diagonal holds each term's variance (its SE squared); fill every cell, with 0"
            + " for two terms that do not vary together";

    /** How far (relative) a factor's variance may be from its SE squared: the rounding of 4 and 5 significant figures. */
    private static final double SE_ROUNDING = 0.005;

    private final Rows rows;
    private final List<RuleProblem> problems = new ArrayList<>();

    KnowledgeChecks(Rows rows) {
        this.rows = rows;
    }

    List<RuleProblem> problems() {
        return problems;
    }

    /**
     * The Covariance table as a matrix, when it is square over exactly the model's terms (b0 and
     * the Coefficients table's factors), symmetric, with a positive diagonal, and positive
     * definite (no combination of findings may get a variance below 0).
     */
    Optional<Covariance> covariance(List<CovarianceRow> table, List<Coefficient> coefficients, String file) {
        List<String> terms = new ArrayList<>(List.of(Covariance.INTERCEPT));
        coefficients.forEach(c -> terms.add(c.getFactor()));
        if (table.isEmpty()) {
            problems.add(new RuleProblem(file, 0, 0, "there is no Covariance table: the interval needs it, one row"
                    + " and one column for each of " + String.join(", ", terms), COVARIANCE_HINT));
            return Optional.empty();
        }
        int before = problems.size();
        Map<String, CovarianceRow> byTerm = new LinkedHashMap<>();
        for (CovarianceRow row : table) {
            if (!terms.contains(row.getTerm())) {
                problems.add(rows.at(row, "the Covariance table has a row " + row.getTerm() + ", which is not a term"
                        + " of the model: its rows and columns are " + String.join(", ", terms)
                        + " (b0 and the Factors of the Coefficients table)", COVARIANCE_HINT));
            } else if (byTerm.putIfAbsent(row.getTerm(), row) != null) {
                problems.add(rows.at(row, "the Covariance table has a second row " + row.getTerm()
                        + ": one row per term", COVARIANCE_HINT));
            }
            Set<String> columns = new TreeSet<>(row.getValues().keySet());
            columns.removeAll(terms);
            columns.forEach(column -> problems.add(rows.at(row, "the Covariance table has a column " + column
                    + ", which is not a term of the model (" + String.join(", ", terms) + ")", COVARIANCE_HINT)));
            terms.stream().filter(term -> !row.getValues().containsKey(term)).forEach(term -> problems.add(rows.at(row,
                    "row " + row.getTerm() + " of the Covariance table has no value in column " + term
                            + ": the table must be square, a value in every cell", COVARIANCE_HINT)));
        }
        terms.stream().filter(term -> !byTerm.containsKey(term)).forEach(term -> problems.add(rows.at(table.get(0),
                "the Covariance table has no row " + term + ": it must be square, one row and one column for each of "
                        + String.join(", ", terms), COVARIANCE_HINT)));
        if (problems.size() > before) {
            return Optional.empty();
        }
        double[][] sigma = new double[terms.size()][terms.size()];
        for (int i = 0; i < terms.size(); i++) {
            for (int j = 0; j < terms.size(); j++) {
                sigma[i][j] = byTerm.get(terms.get(i)).getValues().get(terms.get(j));
            }
        }
        for (int i = 0; i < terms.size(); i++) {
            String term = terms.get(i);
            if (!(sigma[i][i] > 0)) {
                String se = coefficients.stream().filter(c -> c.getFactor().equals(term)).findFirst()
                        .map(c -> " (" + term + "'s SE " + Numbers.plain(c.getStandardError()) + " squared is "
                                + Numbers.significant(c.getStandardError() * c.getStandardError(), 5).toPlainString() + ")")
                        .orElse("");
                problems.add(rows.at(byTerm.get(term), "the variance of " + term + " (row " + term + ", column " + term
                        + ") is " + Numbers.plain(sigma[i][i]) + ": a variance must be above 0",
                        "the diagonal of the Covariance table holds each term's variance, its standard error squared" + se));
            } else {
                standardErrorAgrees(term, sigma[i][i], coefficients, byTerm.get(term));
            }
            for (int j = 0; j < i; j++) {
                if (sigma[i][j] != sigma[j][i]) {
                    problems.add(rows.at(byTerm.get(term), "row " + term + ", column " + terms.get(j) + " is "
                            + Numbers.plain(sigma[i][j]) + " but row " + terms.get(j) + ", column " + term + " is "
                            + Numbers.plain(sigma[j][i]) + ": the Covariance table must be symmetric",
                            "both cells hold the same covariance, of " + terms.get(j) + " and " + term
                                    + ": type the same number in both"));
                }
            }
        }
        if (problems.size() > before) {
            return Optional.empty();
        }
        int failsAt = choleskyFailure(sigma);
        if (failsAt >= 0) {
            problems.add(rows.at(byTerm.get(terms.get(failsAt)), "the Covariance table is not a covariance matrix (not"
                    + " positive definite, from row " + terms.get(failsAt) + " on): some findings would get a"
                    + " variance below 0", "a covariance is at most the product of the two terms' standard errors:"
                    + " look for a typo or a wrong sign, or take the matrix whole from the statistician's output"));
            return Optional.empty();
        }
        return Optional.of(new Covariance(terms, sigma, terms.stream().map(term -> byTerm.get(term).getBasis()).toList()));
    }

    /**
     * A factor's variance is its SE squared (MODEL.md: the diagonal of Sigma is the published SEs
     * squared), so the Coefficients table's SE column and the Covariance table's diagonal must say
     * the same, within rounding: otherwise one of them was changed without the other.
     */
    private void standardErrorAgrees(String term, double variance, List<Coefficient> coefficients, CovarianceRow row) {
        coefficients.stream().filter(c -> c.getFactor().equals(term)).findFirst().ifPresent(c -> {
            double squared = c.getStandardError() * c.getStandardError();
            if (Math.abs(variance - squared) > SE_ROUNDING * squared) {
                problems.add(rows.at(row, "the variance of " + term + " (row " + term + ", column " + term + ") is "
                        + Numbers.plain(variance) + " but " + term + "'s SE in the Coefficients table, "
                        + Numbers.plain(c.getStandardError()) + ", squared is "
                        + Numbers.significant(squared, 5).toPlainString() + ": the two tables disagree",
                        "a factor's variance is its SE of beta squared: when a new fit changes one, change the other"
                                + " (a difference within " + Numbers.plain(SE_ROUNDING * 100) + "% is taken as rounding)"));
            }
        });
    }

    /** The first row at which a Cholesky factorisation fails (the matrix is not positive definite), or -1. */
    private static int choleskyFailure(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double sum = a[i][j];
                for (int k = 0; k < j; k++) {
                    sum -= l[i][k] * l[j][k];
                }
                if (i == j) {
                    if (sum <= 0) {
                        return i;
                    }
                    l[i][i] = Math.sqrt(sum);
                } else {
                    l[i][j] = sum / l[j][j];
                }
            }
        }
        return -1;
    }

    /**
     * The centre's recalibration (table Recalibration), when there is one: one row at most, fitted
     * to the model's Version as it now is, a slope above 0 (at 0 or below the model's findings would count for nothing or backwards),
     * standard errors of 0 or more, an incidence between 0 and 1, events within the patients, a
     * day of fitting, and the Wording row the results say it with.
     */
    Optional<Recalibration> recalibration(List<Recalibration> table, String modelVersion, boolean worded, String file) {
        String hint = "the calibrate command writes this table (docs/MODEL.md, Local recalibration): run it again"
                + " with --write-rules, or delete " + file + " to go back to the published model";
        if (table.isEmpty()) {
            return Optional.empty();
        }
        int before = problems.size();
        if (table.size() > 1) {
            problems.add(rows.at(table.get(1), "the Recalibration table has " + table.size() + " rows: one at most,"
                    + " the fit in use", hint));
        }
        Recalibration r = table.get(0);
        if (!String.valueOf(modelVersion).equals(r.getModelVersion())) {
            problems.add(rows.at(r, "a and b were fitted to version " + r.getModelVersion() + " of the model, but the"
                    + " Calibration table of model.drl.csv says version " + modelVersion + ": a recalibration holds"
                    + " only for the model it was fitted to", "refit it to this version (calibrate COHORT"
                    + " --write-rules DIR), or delete " + file + " to use the model as it is"));
        }
        if (!(r.getB() > 0)) {
            problems.add(rows.at(r, "the slope b is " + Numbers.plain(r.getB()) + ": it must be above 0 (at 0 or"
                    + " below, the model's findings would count for nothing, or backwards)", hint));
        }
        if (!(r.getStandardErrorA() >= 0) || !(r.getStandardErrorB() >= 0)) {
            problems.add(rows.at(r, "a standard error is below 0", hint));
        }
        if (!(r.getIncidence() > 0 && r.getIncidence() < 1)) {
            problems.add(rows.at(r, "the incidence " + Numbers.plain(r.getIncidence()) + " is not a proportion"
                    + " between 0 and 1", hint));
        }
        if (r.getEvents() < 1 || r.getEvents() >= r.getVertebrae() || r.getPatients() < 1 || r.getPatients() > r.getVertebrae()) {
            problems.add(rows.at(r, r.getPatients() + " patients with " + r.getVertebrae() + " treated vertebrae and "
                    + r.getEvents() + " refractures cannot be a cohort the model was fitted to", hint));
        }
        try {
            java.time.LocalDate.parse(String.valueOf(r.getFittedOn()));
        } catch (java.time.format.DateTimeParseException e) {
            problems.add(rows.at(r, "the day of fitting '" + r.getFittedOn() + "' is not a date such as 2026-05-01",
                    hint));
        }
        if (!worded) {
            problems.add(new RuleProblem("statements.drl.csv", 0, 0, "the Wording table has no row "
                    + org.refracturecds.facts.Wording.RECALIBRATED + ": every result of the recalibrated model says"
                    + " so with it; add it (the bundled rules/statements.drl.csv has it)"));
        }
        return problems.size() > before ? Optional.empty() : Optional.of(r);
    }

    /** Each band names the card indicator it gives when it is known: one of CDS Hooks' info, warning, critical. */
    void bandIndicators(List<Band> bands) {
        for (Band band : bands) {
            String indicator = band.getIndicator();
            if (!Band.INDICATORS.contains(indicator)) {
                problems.add(rows.at(band, "the band " + band.getCode() + " has the Card indicator '" + indicator
                        + "', not one of " + String.join(", ", Band.INDICATORS), "write info, warning or critical:"
                        + " how urgent the card is when a vertebra is known to be in this band (an EHR shows a"
                        + " critical card as a pop-up that interrupts)"));
            }
        }
    }

    /** Exactly one technique scenario is marked favourable, on each of its rows: its band is the vertebra's before PVP. */
    void favourableScenario(List<ScenarioValue> table, String file) {
        String hint = "write yes in the Favourable column on every row of the one scenario whose band is the"
                + " vertebra's band before PVP (what the patient carries even with good technique), and leave it"
                + " empty on the others";
        Set<String> favourable = new TreeSet<>();
        for (ScenarioValue row : table) {
            String mark = row.getFavourableMark();
            if (mark != null && !mark.isBlank() && !row.isFavourable() && !mark.strip().equalsIgnoreCase("no")) {
                problems.add(rows.at(row, "the Favourable column says '" + mark + "'", hint));
            }
            if (row.isFavourable()) {
                favourable.add(row.getScenario());
            }
        }
        if (favourable.isEmpty()) {
            problems.add(table.isEmpty() ? new RuleProblem(file, 0, 0, "there is no technique scenario", hint)
                    : rows.at(table.get(0), "no technique scenario is marked favourable", hint));
        } else if (favourable.size() > 1) {
            String first = table.stream().filter(ScenarioValue::isFavourable).findFirst().orElseThrow().getScenario();
            table.stream().filter(row -> row.isFavourable() && !row.getScenario().equals(first)).findFirst()
                    .ifPresent(row -> problems.add(rows.at(row, "more than one technique scenario is marked favourable ("
                            + String.join(", ", favourable) + "): mark one", hint)));
        } else {
            table.stream().filter(row -> favourable.contains(row.getScenario()) && !row.isFavourable())
                    .forEach(row -> problems.add(rows.at(row, "this row of the favourable scenario "
                            + row.getScenario() + " is not marked favourable", hint)));
        }
    }

    /** The Sensitivity table's rows grouped by Alternative id, in the table's order, each row's change checked. */
    List<Alternative> alternatives(List<AlternativeChange> table, List<Coefficient> coefficients, List<Coding> codings) {
        Map<String, List<AlternativeChange>> byId = new LinkedHashMap<>();
        List<String> factors = coefficients.stream().map(Coefficient::getFactor).toList();
        for (AlternativeChange row : table) {
            String problem = problemOf(row, factors, codings);
            List<AlternativeChange> rowsOfId = byId.computeIfAbsent(row.getAlternative(), id -> new ArrayList<>());
            if (problem == null && !rowsOfId.isEmpty() && !rowsOfId.get(0).getLabel().equals(row.getLabel())) {
                problem = "the rows of alternative " + row.getAlternative() + " say it in different words: '"
                        + rowsOfId.get(0).getLabel() + "' and '" + row.getLabel() + "'";
            }
            if (problem != null) {
                problems.add(rows.at(row, problem, "each row changes one thing: intercept (New value b0), incidence"
                        + " (a proportion, 0.10 for 10%), beta (of a Factor, ln OR) or coding (the x of one Finding"
                        + " value of a Factor); rows with the same Alternative id form one alternative"));
            }
            rowsOfId.add(row);
        }
        List<Alternative> alternatives = new ArrayList<>();
        byId.forEach((id, changes) -> alternatives.add(new Alternative(id, alternatives.size(), changes)));
        return alternatives;
    }

    private static String problemOf(AlternativeChange row, List<String> factors, List<Coding> codings) {
        String change = row.getChange();
        if (!AlternativeChange.KINDS.contains(change)) {
            return "What changes is '" + change + "', not one of " + String.join(", ", AlternativeChange.KINDS);
        }
        if (row.getNumber() == null) {
            return "this row has no New value";
        }
        if (change.equals("incidence") && !(row.getNumber() > 0 && row.getNumber() < 1)) {
            return "an incidence of " + Numbers.plain(row.getNumber()) + " is not a proportion between 0 and 1";
        }
        if ((change.equals("beta") || change.equals("coding")) && !factors.contains(row.getFactor())) {
            return "a " + change + " row needs a Factor of the Coefficients table (" + String.join(", ", factors)
                    + "), not '" + row.getFactor() + "'";
        }
        if (change.equals("coding")) {
            List<String> values = codings.stream().filter(c -> c.getFactor().equals(row.getFactor()) && !c.isMeasured())
                    .map(Coding::getValue).toList();
            if (!values.contains(row.getValue())) {
                return "'" + row.getValue() + "' is not a value the Codings table gives " + row.getFactor()
                        + (values.isEmpty() ? "" : " (" + String.join(", ", values) + ")");
            }
        }
        return null;
    }
}
