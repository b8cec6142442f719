package org.refracturecds.calibration;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.refracturecds.authoring.ScenarioFiles;
import org.refracturecds.authoring.ScenarioRunner;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleProblem;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.engine.RuleSetException;
import org.refracturecds.facts.Numbers;
import org.refracturecds.facts.Prediction;
import org.refracturecds.facts.Recalibration;
import org.refracturecds.facts.Settings;
import org.refracturecds.fhirin.ClinicalTerms;
import org.refracturecds.fhirin.InputException;

/**
 * {@code calibrate --write-rules DIR}: writes the fit into a rules folder as data, so that every
 * result of those rules is recalibrated to the centre and says so (docs/MODEL.md, Local
 * recalibration):
 * <ul>
 * <li>{@code recalibration.drl.csv}, table Recalibration: a, b, their standard errors, the
 *     incidence the model was anchored to, the cohort's size, who fitted it and when (a
 *     recalibration already there is replaced: each fit is to the published model);
 * <li>{@code tests/recalibration.yaml}: scenarios that pin the recalibrated model's answer for the
 *     reference patients of docs/MODEL.md, so that {@code rules test} checks it. The other
 *     scenario files say {@code model: published} and keep checking the published model.
 * </ul>
 * The folder is then loaded and every scenario run; if anything fails, the files as they were are
 * put back and the problem is reported.
 */
public final class RulesWriter {

    public static final String SCENARIOS = ScenarioFiles.FOLDER + "/recalibration.yaml";
    /** Each reference scenario's range: the recalibrated probability within 1%. */
    private static final double TOLERANCE = 0.01;

    /** The reference patients after PVP (docs/MODEL.md, Reference values), in clinical terms. */
    private static final Map<String, Map<String, String>> REFERENCE = reference();

    /** What was written, and the rules as they now are. */
    public record Written(RuleSet rules, Optional<Recalibration> replaced, int scenariosPassed) {
    }

    private RulesWriter() {
    }

    private static Map<String, Map<String, String>> reference() {
        Map<String, Map<String, String>> cases = new LinkedHashMap<>();
        cases.put("no risk factor, cement on both endplates, RR 0%", Map.of("IVC", "absent", "EPD", "absent", "NPEC", "none", "RR", "0%"));
        cases.put("cleft alone, cement on both endplates, RR 0%", Map.of("IVC", "present", "EPD", "absent", "NPEC", "none", "RR", "0%"));
        cases.put("every factor, cement on neither endplate, RR 20%", Map.of("IVC", "present", "EPD", "present", "NPEC",
                "upper-and-lower", "RR", "20%"));
        cases.put("Fig. 2's patient (cleft, disruption, no contact with the lower endplate, RR 10%)", Map.of("IVC", "present",
                "EPD", "present", "NPEC", "lower", "RR", "10%"));
        return cases;
    }

    /**
     * @throws RuleSetException when the folder's rules cannot be loaded, before or after (the files are then put back)
     * @throws IOException      when the files cannot be written
     */
    public static Written write(Path dir, LocalCalibration calibration) throws RuleSetException, IOException {
        RuleSet before = RuleSet.load(dir);
        Recalibration fit = calibration.recalibration();
        Path table = dir.resolve(RuleSet.RECALIBRATION_FILE);
        Path scenarios = dir.resolve(SCENARIOS);
        byte[] oldTable = Files.exists(table) ? Files.readAllBytes(table) : null;
        byte[] oldScenarios = Files.exists(scenarios) ? Files.readAllBytes(scenarios) : null;
        Files.writeString(table, table(fit), StandardCharsets.UTF_8);
        Files.createDirectories(scenarios.getParent());
        Files.writeString(scenarios, scenarios(before, fit), StandardCharsets.UTF_8);
        try {
            RuleSet after = RuleSet.load(dir);
            ScenarioFiles.Read read = ScenarioFiles.read(dir);
            ScenarioRunner.Report report = ScenarioRunner.run(new Assessor(after, new Settings(null)), read.scenarios());
            List<String> failures = new ArrayList<>();
            read.problems().forEach(p -> failures.add(p.render()));
            report.results().stream().filter(r -> !r.passed())
                    .forEach(r -> failures.add(r.scenario().where() + ": scenario '" + r.scenario().name() + "' failed: "
                            + String.join("; ", r.failures())));
            if (!failures.isEmpty()) {
                throw new RuleSetException(dir.toString(), failures.stream().map(f -> new RuleProblem(dir.toString(), 0, 0, f))
                        .toList());
            }
            return new Written(after, before.recalibration(), (int) report.passed());
        } catch (RuleSetException | RuntimeException e) {
            restore(table, oldTable);
            restore(scenarios, oldScenarios);
            throw e;
        }
    }

    private static void restore(Path file, byte[] old) throws IOException {
        if (old == null) {
            Files.deleteIfExists(file);
        } else {
            Files.write(file, old);
        }
    }

    /**
     * What {@link #write} adds to a rules folder, by path: the Recalibration table and the reference
     * scenarios of the fit (the workbench puts them in a draft).
     *
     * @param rules the rules the fit was made on, without it
     */
    public static Map<String, byte[]> files(RuleSet rules, Recalibration fit) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(RuleSet.RECALIBRATION_FILE, table(fit).getBytes(StandardCharsets.UTF_8));
        files.put(SCENARIOS, scenarios(rules, fit).getBytes(StandardCharsets.UTF_8));
        return files;
    }

    /** The Recalibration table, a decision table like the others of the folder. */
    static String table(Recalibration r) {
        StringBuilder csv = new StringBuilder();
        csv.append("RuleSet,org.refracturecds.rules\nImport,org.refracturecds.facts.*\nRULEFLOW-GROUP,knowledge\n");
        csv.append("Notes,\"THE MODEL RECALIBRATED TO THIS CENTRE'S OWN PATIENTS: logit p = a + b x logit p_model, p_model"
                + " the published model of model.drl.csv re-anchored to the Incidence below (docs/MODEL.md, Local"
                + " recalibration). Written by the calibrate command (calibrate COHORT --write-rules DIR) from the"
                + " centre's cohort; its report (report.html) shows how well the model predicted the cohort before and"
                + " after.\"\n");
        csv.append("Notes,\"Every result of these rules says it is recalibrated (notice PVP-I501, the Wording"
                + " W-RECALIBRATED of statements.drl.csv). It holds only for the model Version it was fitted to: after"
                + " a change of model.drl.csv's Version, rules check refuses it until it is refitted. To go back to the"
                + " published model, delete this file and"
                + " tests/recalibration.yaml. To refit, run calibrate again: it replaces this row. Do not edit the numbers"
                + " by hand: they come from the fit, with its standard errors.\"\n\n");
        csv.append("RuleTable Recalibration\n");
        csv.append("ACTION,".repeat(13)).append("ACTION\n");
        csv.append(",".repeat(13)).append('\n');
        csv.append("\"Recalibration r = new Recalibration(\"\"$param\"\");\",\"r.setModelVersion(\"\"$param\"\");\",r.setA($param);,r.setStandardErrorA($param);,"
                + "r.setB($param);,r.setStandardErrorB($param);,r.setCovarianceAB($param);,r.setIncidence($param);,"
                + "r.setPatients($param);,r.setVertebrae($param);,r.setEvents($param);,"
                + "\"r.setFittedBy(\"\"$param\"\");\",\"r.setFittedOn(\"\"$param\"\");\","
                + "\"r.setBasis(\"\"$param\"\"); insert(r);\"\n");
        csv.append("Id,Model version fitted to,a (intercept),SE of a,b (slope: 1 with SE 0 when fixed),SE of b,Covariance of a and b,"
                + "Incidence the model was anchored to,Patients,Treated vertebrae,Refractures,Fitted by,Fitted on (day),Source\n");
        csv.append(String.join(",", List.of(text(r.getId()), text(r.getModelVersion()), number(r.getA()), number(r.getStandardErrorA()),
                number(r.getB()), number(r.getStandardErrorB()), number(r.getCovarianceAB()), number(r.getIncidence()),
                Integer.toString(r.getPatients()), Integer.toString(r.getVertebrae()), Integer.toString(r.getEvents()),
                text(r.getFittedBy()), text(r.getFittedOn()), text(r.getBasis())))).append('\n');
        return csv.toString();
    }

    /** The reference scenarios with the recalibrated probability of each, computed from the published model's logit. */
    static String scenarios(RuleSet rules, Recalibration fit) {
        Assessor published = new Assessor(rules, new Settings(null, false));
        StringBuilder yaml = new StringBuilder();
        yaml.append("# THE MODEL RECALIBRATED TO THIS CENTRE (recalibration.drl.csv), written by the calibrate command on ")
                .append(fit.getFittedOn()).append(".\n# The reference patients of docs/MODEL.md after PVP, with the")
                .append(" probability a + b x the published model's logit\n# gives (").append(fit.describeFit())
                .append("), within 1%. Delete this file with recalibration.drl.csv.\n");
        yaml.append("model: recalibrated\nscenarios:\n");
        for (Map.Entry<String, Map<String, String>> patient : REFERENCE.entrySet()) {
            Map<String, String> terms = new LinkedHashMap<>();
            for (String factor : List.of("IVC", "EPD", "NPEC", "RR")) {
                terms.put(factor, patient.getValue().get(factor));
            }
            Prediction prediction;
            try {
                prediction = published.assess(ClinicalTerms.findings(rules.vocabulary(), "L1", terms, null, SCENARIOS))
                        .predictions().get(0);
            } catch (InputException e) {
                throw new IllegalStateException("the reference patients are valid findings", e);
            }
            double p = LogisticFit.expit(fit.apply(prediction.getModelLogit()));
            yaml.append("  - name: Recalibrated, ").append(patient.getKey()).append('\n');
            yaml.append("    findings: {").append(String.join(", ", terms.entrySet().stream()
                    .map(t -> t.getKey() + ": " + t.getValue()).toList())).append("}\n");
            yaml.append("    expect:\n      probability: ").append(percent(p * (1 - TOLERANCE))).append(" to ")
                    .append(percent(p * (1 + TOLERANCE))).append("\n      notices: [PVP-I501]\n");
            yaml.append("    notes: published model ").append(Numbers.probability(prediction.getProbability()))
                    .append(", recalibrated ").append(Numbers.percent(p, 3)).append('\n');
        }
        return yaml.toString();
    }

    /** A percentage with four significant figures, as a scenario range reads it: "0.4571%". */
    private static String percent(double probability) {
        return Numbers.significant(probability * 100, 4).toPlainString() + "%";
    }

    /** The double as its shortest decimal form that reads back as the same double. */
    private static String number(double value) {
        return BigDecimal.valueOf(value).toPlainString();
    }

    /** A text cell, quoted; quotes and backslashes left out, as the table puts the text into Java strings. */
    private static String text(String value) {
        return "\"" + String.valueOf(value).replace("\"", "").replace("\\", "").replace("\r", " ").replace("\n", " ") + "\"";
    }
}
