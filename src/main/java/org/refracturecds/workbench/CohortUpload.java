package org.refracturecds.workbench;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.refracturecds.calibration.CalibrationFiles;
import org.refracturecds.calibration.Calibrator;
import org.refracturecds.calibration.CohortException;
import org.refracturecds.calibration.CohortProblem;
import org.refracturecds.calibration.Cohorts;
import org.refracturecds.calibration.LocalCalibration;
import org.refracturecds.calibration.RulesWriter;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.http.HttpError;
import org.refracturecds.store.WorkbenchDrafts;

/**
 * A centre's cohort uploaded to a draft (README, "How well it predicts a centre's own patients"):
 * the draft's model is checked against the cohort and fitted to it as {@code calibrate} does, the
 * fit goes into the draft as {@code calibrate --write-rules} writes it (the Recalibration table and
 * its reference scenarios), and the report is the answer. The cohort itself is not kept: the report
 * and the table hold aggregates only. The draft then goes through review like any other change.
 */
final class CohortUpload {

    /** The problems of a bad cohort the answer lists; the others are counted. */
    private static final int SHOWN = 20;
    private static final Pattern STYLE = Pattern.compile("<style>(.*?)</style>", Pattern.DOTALL);

    /** The report as a page: its own style sheet allowed by its hash, nothing else. */
    record Report(String html, String policy) {
    }

    private final Drafts drafts;
    private final Clock clock;

    CohortUpload(Drafts drafts, Clock clock) {
        this.drafts = drafts;
        this.clock = clock;
    }

    /**
     * Fits the draft's rules to the cohort in {@code file} (CSV, or FHIR as a Bundle or NDJSON) and
     * writes the fit into the draft.
     *
     * @throws HttpError PVP-H830 (400) with the cohort's problems by row and column, or too few refractures
     */
    Report propose(User user, WorkbenchDrafts.Draft draft, RuleSet rules, String name, byte[] file) throws SQLException {
        LocalCalibration calibration;
        try {
            calibration = new Calibrator(rules).calibrate(Cohorts.read(name, file, rules, clock),
                    user.name() + " (workbench)", LocalDate.now(clock));
        } catch (CohortException e) {
            List<CohortProblem> problems = e.problems();
            String listed = String.join("; ", problems.stream().limit(SHOWN).map(CohortProblem::render).toList())
                    + (problems.size() > SHOWN ? "; and " + (problems.size() - SHOWN) + " more" : "");
            throw new HttpError(400, "PVP-H830", "cohort", "the cohort cannot be used, so nothing was added to the"
                    + " draft: " + listed);
        }
        for (Map.Entry<String, byte[]> fitted : RulesWriter.files(rules, calibration.recalibration()).entrySet()) {
            drafts.save(user, draft, fitted.getKey(), fitted.getValue());
        }
        String back = "<p class=\"box\">The fit below is now in draft " + draft.id() + " (" + RuleSet.RECALIBRATION_FILE
                + " and " + RulesWriter.SCENARIOS + "): every card of those rules will say it is recalibrated to this"
                + " centre. The cohort was not kept. <a href=\"/workbench/drafts/" + draft.id() + "\">Back to the"
                + " draft</a> to check it and submit it for review.</p>\n";
        String html = CalibrationFiles.report(calibration).replaceFirst("<body>\n", "<body>\n" + Matcher.quoteReplacement(back));
        return new Report(html, "default-src 'none'; style-src " + styleHash(html) + "; img-src data:; base-uri 'none';"
                + " form-action 'none'; frame-ancestors 'none'");
    }

    private static String styleHash(String html) {
        Matcher style = STYLE.matcher(html);
        if (!style.find()) {
            return "'none'";
        }
        try {
            return "'sha256-" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(style.group(1).getBytes(StandardCharsets.UTF_8))) + "'";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
