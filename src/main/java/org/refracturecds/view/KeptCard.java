package org.refracturecds.view;

import java.util.ArrayList;
import java.util.List;

import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Diagnosis;
import org.refracturecds.facts.Finding;
import org.refracturecds.facts.LeftOut;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.PatientDetails;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Prediction;
import org.refracturecds.facts.Settings;
import org.refracturecds.facts.Vertebra;

/**
 * What a card's page is rebuilt from when its link is opened, kept (as JSON) until the link
 * expires: the assessment's input as the FHIR mapping left it (findings with their Observation ids
 * and dates, notices, what was left out, the patient's conditions and age), the rules by their
 * hash and the settings the card was assessed with, and what the card said around it. About a
 * kilobyte, where the page's data is tens: the page is kept on every card, and the card pays for
 * it (issue 12). The predictions' log-odds are kept too: the assessment run again must give them
 * exactly, or the page is refused rather than shown different from the card.
 *
 * @param rules        the sha256 of the rules the card was assessed with
 * @param recalibrated whether a recalibration in those rules applied
 * @param logits       every prediction's log-odds, in the assessment's order
 */
public record KeptCard(String rules, String rulesVersion, Double incidence, boolean recalibrated, String context,
                       List<String> caveats, String createdAt, List<Double> logits, Input input) {

    /** The findings of one patient, as {@link PatientFindings} has them with the vertebrae by position. */
    public record Input(String patient, List<Level> vertebrae, List<Fact> findings, List<Notice> notices,
                        boolean preliminary, List<LeftOut> leftOut, PatientDetails details, List<Condition> diagnoses) {
    }

    /**
     * @param phase before or after PVP, as the card had it: a vertebra a PVP on record treated is after PVP
     *              without post-operative findings (the mapping's, not the rules'), so it is kept, not derived again
     */
    public record Level(String level, String snomed, String phase) {
    }

    /** @param vertebra the finding's vertebra as its position in {@link Input#vertebrae()}, null for the patient's own */
    public record Fact(Integer vertebra, String code, String value, Double quantity, String unit, Finding.Origin origin,
                       String scenario, List<String> observations, String effective) {
    }

    public record Condition(String reference, String display, List<Diagnosis.Code> codings) {
    }

    /** What the page of {@code a}, written for the card of {@code context} at {@code createdAt}, is rebuilt from. */
    public static KeptCard of(Assessment a, String context, List<String> caveats, String createdAt) {
        PatientFindings in = a.input();
        List<Level> levels = in.vertebrae().stream().map(v -> new Level(v.getLevel(), v.getSnomedCode(), v.getPhase()))
                .toList();
        List<Fact> findings = in.findings().stream().map(f -> new Fact(
                f.getVertebra() == null ? null : in.vertebrae().indexOf(f.getVertebra()), f.getCode(), f.getValue(),
                f.getQuantity(), f.getUnit(), f.getOrigin(), f.getScenario(), f.getObservations(), f.getEffective())).toList();
        List<Condition> diagnoses = in.diagnoses().stream()
                .map(d -> new Condition(d.getReference(), d.getDisplay(), d.getCodings())).toList();
        Input input = new Input(in.patient(), levels, findings, in.notices(), in.preliminary(), in.leftOut(), in.details(),
                diagnoses);
        return new KeptCard(a.ruleSet().hash(), a.ruleSet().version(), a.settings().getIncidence(),
                a.settings().isRecalibrated(), context, List.copyOf(caveats), createdAt, logits(a), input);
    }

    /** The assessment the card showed, run again on {@code rules} (which must be the rules of {@link #rules()}). */
    public Assessment assessAgain(RuleSet rules) {
        return new Assessor(rules, new Settings(incidence, recalibrated)).assess(findings());
    }

    /**
     * Whether {@code again} gives the card's predictions exactly, each vertebra in the card's phase (a card
     * kept before the phases were, has none to compare).
     */
    public boolean sameAs(Assessment again) {
        List<Vertebra> vertebrae = again.input().vertebrae();
        for (int i = 0; i < input.vertebrae().size(); i++) {
            String phase = input.vertebrae().get(i).phase();
            if (phase != null && (i >= vertebrae.size() || !phase.equals(vertebrae.get(i).getPhase()))) {
                return false;
            }
        }
        return logits(again).equals(logits);
    }

    /** The input, with fresh vertebrae holding their findings as the mapping left them (the rules write on them). */
    PatientFindings findings() {
        List<Vertebra> vertebrae = new ArrayList<>();
        for (Level level : input.vertebrae()) {
            Vertebra vertebra = new Vertebra(level.level(), level.snomed());
            vertebra.setPhase(level.phase());
            vertebrae.add(vertebra);
        }
        List<Finding> findings = new ArrayList<>();
        for (Fact f : input.findings()) {
            Vertebra vertebra = f.vertebra() == null ? null : vertebrae.get(f.vertebra());
            Finding finding = Finding.of(vertebra, f.code(), f.value(), f.quantity(), f.unit(), f.origin(), f.scenario(),
                    f.observations(), f.effective());
            if (vertebra != null && finding.isFactual()) {
                vertebra.record(finding);
            }
            findings.add(finding);
        }
        List<Diagnosis> diagnoses = input.diagnoses().stream()
                .map(c -> new Diagnosis(c.reference(), c.display(), c.codings())).toList();
        return new PatientFindings(input.patient(), vertebrae, findings, input.notices(), input.preliminary(),
                input.leftOut(), input.details(), diagnoses);
    }

    private static List<Double> logits(Assessment a) {
        return a.predictions().stream().map(Prediction::getLogit).toList();
    }
}
