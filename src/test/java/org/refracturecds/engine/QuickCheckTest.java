package org.refracturecds.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The quick check of a cell edit against a full compile of the same files, edit after edit. */
class QuickCheckTest {

    private static final String ORIGIN = "the draft";
    private static Map<String, byte[]> bundled;
    private final QuickCheck quick = new QuickCheck();

    @BeforeAll
    static void readRules() throws IOException {
        bundled = new TreeMap<>();
        Path dir = Path.of("rules");
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.filter(Files::isRegularFile).toList()) {
                bundled.put(dir.relativize(path).toString().replace('\\', '/'), Files.readAllBytes(path));
            }
        }
    }

    @Test
    void editsOneAfterAnother_reportWhatAFullCompileReports() {
        // given the bundled rules, edited as a clinician would, one edit after another
        Map<String, byte[]> draft = new TreeMap<>(bundled);
        List<Edit> edits = List.of(
                new Edit("bands.drl.csv", "predicted risk under 5%", "predicted risk below 5%", false),
                new Edit("bands.drl.csv", "moderate,0.05,", "moderate,0.05x,", true),
                new Edit("bands.drl.csv", "moderate,0.05x,", "moderate,0.06,", false),
                new Edit("pipeline.drl", "code == \"compression-ratio-preoperative\", $v : vertebra)",
                        "code == \"compression-ratio-preoperative\", $v : vertebrae)", true),
                new Edit("bands.drl.csv", "high,0.20,", "high,,", true),
                new Edit("pipeline.drl", "$v : vertebrae)", "$v : vertebra)", false),
                new Edit("bands.drl.csv", "high,,", "high,0.20,", false),
                new Edit("bands.drl.csv", ",\"Project default (docs/MODEL.md), the paper defines no bands\"\nhigh",
                        ",\nhigh", true),
                new Edit("bands.drl.csv", ",\nhigh", ",\"Project default (docs/MODEL.md), the paper defines no bands\"\nhigh",
                        false),
                new Edit("guidance.drl.csv", ",2,\"Methods (endplate cortical disruption), Table 2\"\n", ",2,\n", true),
                new Edit("guidance.drl.csv", "three),Source\n", "three),Reference\n", true),
                new Edit("guidance.drl.csv", "three),Reference\n", "three),Source\n", true),
                new Edit("guidance.drl.csv", ",2,\n", ",2,\"Methods (endplate cortical disruption), Table 2\"\n", false),
                new Edit("model.drl.csv", "1303,1.96,0.95,", "1303,1.96,0.90,", true),
                new Edit("model.drl.csv", "1303,1.96,0.90,", "1303,1.96,0.95,", false),
                new Edit("pipeline.drl", "// ruleflow group: knowledge", "// the ruleflow groups: knowledge", false));

        for (Edit edit : edits) {
            // when the edit is made
            draft.put(edit.file(), edit.apply(draft.get(edit.file())));
            Optional<QuickCheck.Result> fast = quick.check(draft, ORIGIN);

            // then the quick check answers, and says what a full compile says, to the cell
            assertTrue(fast.isPresent(), edit + ": checked in full");
            Full full = Full.of(draft);
            assertEquals(full.problems(), fast.get().problems(), edit.toString());
            assertEquals(edit.breaks(), !full.problems().isEmpty(), edit + ": the edit is not what the test means");
            assertEquals(full.version(), fast.get().version(), edit.toString());
            assertEquals(RuleSet.hashOf(draft), fast.get().hash(), edit.toString());
        }
    }

    @Test
    void tablesTheSameInTwoFiles_areLeftToAFullCompile() {
        // given a copy of a knowledge table beside it, whose rows have the same rule names
        Map<String, byte[]> draft = new TreeMap<>(bundled);
        draft.put("bands-copy.drl.csv", bundled.get("bands.drl.csv"));

        // when checked, then only a full compile can say what the two do together
        assertTrue(quick.check(draft, ORIGIN).isEmpty());
        assertFalse(Full.of(draft).problems().isEmpty());
    }

    @Test
    void aRuleOfTheMainGroup_isLeftToAFullCompile() {
        // given a rule with no group, which would fire after the knowledge rows
        Map<String, byte[]> draft = new TreeMap<>(bundled);
        draft.put("extra.drl", ("package org.refracturecds.rules;\nimport org.refracturecds.facts.*;\n"
                + "rule \"Every band\"\nwhen\n    Band()\nthen\nend\n").getBytes(StandardCharsets.UTF_8));

        // when checked, then it is compiled in full
        assertTrue(quick.check(draft, ORIGIN).isEmpty());
    }

    @Test
    void aRuleThatTakesTheFocus_isLeftToAFullCompile() {
        // given a rule of another group that would take the focus when a band is inserted
        Map<String, byte[]> draft = new TreeMap<>(bundled);
        draft.put("extra.drl", ("package org.refracturecds.rules;\nimport org.refracturecds.facts.*;\n"
                + "rule \"Every band\"\n    agenda-group \"derive\"\n    auto-focus true\nwhen\n    Band()\nthen\nend\n")
                .getBytes(StandardCharsets.UTF_8));

        assertTrue(quick.check(draft, ORIGIN).isEmpty());
    }

    @Test
    void aTableDroolsCannotRead_isLeftToAFullCompile() {
        Map<String, byte[]> draft = new TreeMap<>(bundled);
        draft.put("bands.drl.csv", "RuleSet,org.refracturecds.rules\nRuleTable Bands\nACTION\n\n\n"
                .getBytes(StandardCharsets.UTF_8));

        assertTrue(quick.check(draft, ORIGIN).isEmpty());
    }

    @Test
    void theBundledRules_giveTheirVersion() {
        QuickCheck.Result result = quick.check(bundled, ORIGIN).orElseThrow();

        assertEquals(List.of(), result.problems());
        assertNotNull(result.version());
        assertEquals(Full.of(bundled).version(), result.version());
    }

    @Test
    void aScenarioFile_isNotARuleFile() {
        Map<String, byte[]> draft = new TreeMap<>(bundled);
        draft.put("tests/edited.yaml", "- not: a rule\n".getBytes(StandardCharsets.UTF_8));

        QuickCheck.Result result = quick.check(draft, ORIGIN).orElseThrow();

        assertEquals(List.of(), result.problems());
        assertEquals(RuleSet.hashOf(bundled), result.hash());
    }

    /** One text replaced in one file; {@code breaks}: the rules then do not load. */
    private record Edit(String file, String from, String to, boolean breaks) {
        byte[] apply(byte[] bytes) {
            String text = new String(bytes, StandardCharsets.UTF_8);
            assertTrue(text.contains(from), file + " holds no " + from);
            return text.replace(from, to).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return file + ": " + from + " -> " + to;
        }
    }

    /** What RuleSet's full compile of the files says. */
    private record Full(List<RuleProblem> problems, String version) {
        static Full of(Map<String, byte[]> files) {
            Map<String, byte[]> rules = new TreeMap<>(files);
            rules.keySet().removeIf(name -> name.startsWith("tests/"));
            try {
                return new Full(List.of(), RuleSet.compile(rules, ORIGIN).version());
            } catch (RuleSetException e) {
                return new Full(e.problems(), null);
            }
        }
    }
}
