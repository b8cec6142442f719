package org.refracturecds.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.RuleFolders;
import org.refracturecds.authoring.Scenario;
import org.refracturecds.authoring.ScenarioFiles;
import org.refracturecds.facts.Finding;
import org.refracturecds.facts.Guidance;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Prediction;
import org.refracturecds.facts.Settings;
import org.refracturecds.facts.Vertebra;
import org.refracturecds.fhirin.ClinicalTerms;
import org.refracturecds.fhirin.InputException;

/** A session that keeps the rules' knowledge from patient to patient, against a new session for each. */
class KnowledgeSessionsTest {

    private static final String ANNOUNCE = """
            package org.refracturecds.rules;
            import org.refracturecds.facts.*;

            rule "Name the model on every assessment"
                ruleflow-group "guidance"
            when
                Calibration($version : version)
            then
                insert(Notice.info("PVP-I999", null, "model " + $version));
            end
            """;

    @Test
    void patientAfterPatientInOneKeptSession_isWhatANewSessionGivesEach(@TempDir Path dir) throws Exception {
        // given the bundled rules, and a copy recalibrated to a centre
        for (RuleSet rules : List.of(RuleSet.loadBundled(), RuleSet.load(RuleFolders.copyRecalibrated(dir)))) {
            assertTrue(rules.sessions().kept(), "the bundled rules fire nothing on the knowledge alone");
            KnowledgeSessions fresh = new KnowledgeSessions(rules.kieBase(), rules.sessionKnowledge(), false);
            List<Assessor> assessors = List.of(new Assessor(rules, new Settings(null)),
                    new Assessor(rules, new Settings(0.05)), new Assessor(rules, new Settings(null, true)));

            // when every scenario of rules/tests is assessed, three times over in a shuffled order, on this
            // thread, so that one kept session takes one patient after another
            List<Scenario> order = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                order.addAll(ScenarioFiles.read(RuleFolders.RULES).scenarios());
            }
            Collections.shuffle(order, new Random(17));
            int compared = 0;
            for (int i = 0; i < order.size(); i++) {
                Assessor assessor = assessors.get(i % assessors.size());
                Scenario scenario = order.get(i);
                if (readable(rules, scenario)) {
                    // then each patient's session did what a new session does: the same rules fired in the
                    // same order, inserting the same facts, which leave the patient's facts the same
                    assertEquals(run(fresh, assessor, rules, scenario), run(rules.sessions(), assessor, rules, scenario),
                            scenario.file() + ":" + scenario.line() + " " + scenario.name());
                    compared++;
                }
            }
            assertTrue(compared > 150, "compared " + compared);
            assertEquals(1, rules.sessions().made(), "every patient left the session as it found it, and it was kept");
        }
    }

    @Test
    void manyThreadsAtOnce_eachPatientIsWhatANewSessionGives() throws Exception {
        // given the bundled rules, and what a new session gives each scenario with each setting
        RuleSet rules = RuleSet.loadBundled();
        KnowledgeSessions fresh = new KnowledgeSessions(rules.kieBase(), rules.sessionKnowledge(), false);
        List<Assessor> assessors = List.of(new Assessor(rules, new Settings(null)), new Assessor(rules, new Settings(0.05)));
        List<Scenario> scenarios = ScenarioFiles.read(RuleFolders.RULES).scenarios().stream()
                .filter(scenario -> readable(rules, scenario)).toList();
        List<String> expected = new ArrayList<>();
        for (Scenario scenario : scenarios) {
            for (Assessor assessor : assessors) {
                expected.add(run(fresh, assessor, rules, scenario));
            }
        }
        KnowledgeSessions kept = new KnowledgeSessions(rules.kieBase(), rules.sessionKnowledge(), true);

        // when 6 threads assess them all four times over at once, each in its own shuffled order
        int threads = 6;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<String>>> differences = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<Integer> order = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < expected.size(); i++) {
                    order.add(i);
                }
            }
            Collections.shuffle(order, new Random(t));
            differences.add(pool.submit(() -> {
                start.await();
                List<String> differ = new ArrayList<>();
                for (int i : order) {
                    Scenario scenario = scenarios.get(i / assessors.size());
                    if (!expected.get(i).equals(run(kept, assessors.get(i % assessors.size()), rules, scenario))) {
                        differ.add(scenario.file() + ":" + scenario.line() + " " + scenario.name());
                    }
                }
                return differ;
            }));
        }
        start.countDown();
        List<String> differ = new ArrayList<>();
        try {
            for (Future<List<String>> each : differences) {
                differ.addAll(each.get(5, TimeUnit.MINUTES));
            }
        } finally {
            pool.shutdownNow();
        }

        // then every patient is what a new session gives it, and no more sessions were made than threads ran
        assertEquals(List.of(), differ);
        assertTrue(expected.size() > 100, "compared " + expected.size());
        assertTrue(kept.kept(), "no session was found changed");
        assertTrue(kept.made() <= threads, "sessions made: " + kept.made());
    }

    @Test
    void aRuleThatFiresOnTheKnowledgeAlone_getsANewSessionForEachPatient(@TempDir Path dir) throws Exception {
        // given the bundled rules and a clinician's rule that needs no finding of the patient
        RuleFolders.copy(dir);
        Files.writeString(dir.resolve("announce.drl"), ANNOUNCE);
        RuleSet rules = RuleSet.load(dir);
        Assessor assessor = new Assessor(rules, new Settings(null));
        Scenario scenario = ScenarioFiles.read(RuleFolders.RULES).scenarios().get(0);

        // when two patients are assessed one after the other
        // then the rule set takes a new session each time, and the rule speaks for both
        assertFalse(rules.sessions().kept());
        for (int i = 0; i < 2; i++) {
            PatientFindings input = findings(rules, scenario);
            assertTrue(assessor.assess(input).notices().stream().anyMatch(n -> n.code().equals("PVP-I999")), "patient " + i);
        }
        // (a session kept anyway would fire the rule for the first patient only)
        KnowledgeSessions keptAnyway = new KnowledgeSessions(rules.kieBase(), rules.sessionKnowledge(), true);
        assertTrue(run(keptAnyway, assessor, rules, scenario).contains("PVP-I999"));
        assertFalse(run(keptAnyway, assessor, rules, scenario).contains("PVP-I999"));
    }

    @Test
    void aRuleThatDeletesOrChangesAFactOfTheKnowledge_keepsNoSession_andAnswersAsANewSession(@TempDir Path dir)
            throws Exception {
        // given a rule that deletes the low band for a patient, and one that changes (updates) the moderate band
        RuleFolders.copy(dir);
        Files.writeString(dir.resolve("bands-touched.drl"), """
                package org.refracturecds.rules;
                import org.refracturecds.facts.*;

                rule "Delete the low band" ruleflow-group "derive"
                when
                    $b : Band(code == "low")
                    Vertebra()
                then
                    delete($b);
                end
                """);
        RuleSet deletes = RuleSet.load(dir);
        Files.writeString(dir.resolve("bands-touched.drl"), """
                package org.refracturecds.rules;
                import org.refracturecds.facts.*;

                rule "Touch the moderate band" ruleflow-group "derive" no-loop true
                when
                    $b : Band(code == "moderate")
                    Vertebra()
                then
                    update($b);
                end
                """);
        RuleSet updates = RuleSet.load(dir);
        List<Scenario> scenarios = ScenarioFiles.read(RuleFolders.RULES).scenarios().stream()
                .filter(scenario -> readable(deletes, scenario)).limit(6).toList();

        for (RuleSet rules : List.of(deletes, updates)) {
            // (neither fires on the knowledge alone: the rule set starts by keeping its sessions)
            assertTrue(rules.sessions().kept());
            KnowledgeSessions fresh = new KnowledgeSessions(rules.kieBase(), rules.sessionKnowledge(), false);
            Assessor assessor = new Assessor(rules, new Settings(null));

            // when patients are assessed one after the other
            for (Scenario scenario : scenarios) {
                // then each is what a new session gives
                assertEquals(run(fresh, assessor, rules, scenario), run(rules.sessions(), assessor, rules, scenario));
            }
        }
        // and the session a deletion left short was dropped each time; a change stopped the keeping at once
        assertEquals(scenarios.size(), deletes.sessions().made());
        assertFalse(updates.sessions().kept());
        assertEquals(1, updates.sessions().made());
    }

    private static boolean readable(RuleSet rules, Scenario scenario) {
        try {
            findings(rules, scenario);
            return true;
        } catch (InputException e) {
            return false;
        }
    }

    private static PatientFindings findings(RuleSet rules, Scenario scenario) throws InputException {
        return ClinicalTerms.findings(rules.vocabulary(), scenario.level(), scenario.findings(), scenario.person(),
                scenario.where());
    }

    /** One session's work on a scenario's findings, in words: the rules fired, what they inserted, the vertebrae after. */
    private static String run(KnowledgeSessions sessions, Assessor assessor, RuleSet rules, Scenario scenario)
            throws InputException {
        PatientFindings input = findings(rules, scenario);
        SessionLog log = sessions.fire(assessor.facts(input), true);
        return "fired " + log.fired + "\ninserted " + log.inserted.stream().map(KnowledgeSessionsTest::describe)
                .collect(Collectors.joining("\n  ")) + "\nvertebrae " + input.vertebrae().stream()
                .map(KnowledgeSessionsTest::describe).toList();
    }

    private static String describe(Object fact) {
        if (fact instanceof Notice notice) {
            return notice.toString();
        } else if (fact instanceof Prediction p) {
            return "Prediction " + p.getVertebra() + " " + p.getScenario() + " " + p.getLogit() + " "
                    + (p.getBand() == null ? null : p.getBand().getCode());
        } else if (fact instanceof Guidance g) {
            return "Guidance " + g.getId() + " " + g.getVertebra() + " " + g.getText();
        } else if (fact instanceof Finding f) {
            return "Finding " + f.getCode() + " " + f.getValue() + " " + f.getQuantity() + " " + f.getVertebra();
        } else if (fact instanceof Vertebra v) {
            return v.getLabel() + " " + v.getPhase() + " " + (v.getBand() == null ? null : v.getBand().getCode());
        }
        return fact.getClass().getSimpleName();
    }
}
