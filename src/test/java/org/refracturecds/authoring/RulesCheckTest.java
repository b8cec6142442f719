package org.refracturecds.authoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.refracturecds.facts.Settings;

/** A cell edit's quick check beside the full checks of the same draft. */
class RulesCheckTest {

    @Test
    void aCellEditsProblems_areTheFullCompilesOnes_withoutCompiledRules() throws Exception {
        // given a draft whose band has a lower bound that is not a number, and a scenario file that is not YAML
        Map<String, byte[]> draft = new TreeMap<>(RuleFiles.bundled());
        draft.put("bands.drl.csv", replace(draft.get("bands.drl.csv"), "high,0.20,", "high,0.2O,"));
        draft.put("tests/broken.yaml", "- name: [unclosed\n".getBytes(StandardCharsets.UTF_8));

        // when the cell edit is checked, and then in full by a second check of its own
        RulesCheck.Outcome quick = new RulesCheck(new Settings(null)).problems(draft);
        RulesCheck.Outcome full = new RulesCheck(new Settings(null)).compile(draft);

        // then both name the same problems, and neither compiles
        assertFalse(full.problems().isEmpty());
        assertEquals(full.problems(), quick.problems());
        assertFalse(quick.compiles());
        assertNull(quick.rules());
    }

    @Test
    void rulesThatCompile_giveTheirVersion_andTheScenariosRunOnAFullCompile() throws Exception {
        // given a draft with a changed sentence
        Map<String, byte[]> draft = new TreeMap<>(RuleFiles.bundled());
        draft.put("bands.drl.csv", replace(draft.get("bands.drl.csv"), "predicted risk under 5%", "predicted risk below 5%"));
        RulesCheck checks = new RulesCheck(new Settings(null));

        // when the edit is checked, then the draft's scenarios run
        RulesCheck.Outcome quick = checks.problems(draft);
        RulesCheck.Outcome checked = checks.check(draft);

        // then the quick check knew the version the full compile gives, and kept no rules of its own
        assertTrue(quick.compiles());
        assertNull(quick.rules());
        assertNull(quick.report());
        assertNotNull(checked.rules());
        assertEquals(checked.version(), quick.version());
        assertEquals(checked.rules().version() + " sha256:" + checked.rules().shortHash(), quick.version());
        assertTrue(checked.report().allPassed());
        // and once compiled in full, the quick check answers with the full outcome
        assertNotNull(checks.problems(draft).rules());
    }

    private static byte[] replace(byte[] bytes, String from, String to) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertTrue(text.contains(from), from);
        return text.replace(from, to).getBytes(StandardCharsets.UTF_8);
    }
}
