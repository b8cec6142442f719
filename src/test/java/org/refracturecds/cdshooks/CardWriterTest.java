package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.engine.RuleSetException;
import org.refracturecds.facts.Finding;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Settings;
import org.refracturecds.facts.Vertebra;

/** The card's summary, from assessments made by the bundled rules. */
class CardWriterTest {

    private static Assessor assessor;

    @BeforeAll
    static void compileBundledRules() throws RuleSetException {
        assessor = new Assessor(RuleSet.loadBundled(), new Settings(null));
    }

    /** Each level after PVP with every factor observed and the given reduction rate. */
    private static Assessment afterPvp(double rr, String... levels) {
        return assessed(v -> List.of(
                Finding.observed(v, "intravertebral-cleft", "absent", null, null, "Observation/ivc-" + v.getLevel(), "2025-03-03"),
                Finding.observed(v, "endplate-cortical-disruption", "present", null, null, "Observation/epd-" + v.getLevel(), "2025-03-03"),
                Finding.observed(v, "npec-pattern", "upper", null, null, "Observation/npec-" + v.getLevel(), "2025-03-06"),
                Finding.observed(v, "reduction-rate", null, rr, "%", "Observation/rr-" + v.getLevel(), "2025-03-06")), levels);
    }

    /** Each level before PVP: the cleft and the endplate observed, no post-operative finding. */
    private static Assessment beforePvp(String... levels) {
        return assessed(v -> List.of(
                Finding.observed(v, "intravertebral-cleft", "present", null, null, "Observation/ivc-" + v.getLevel(), "2025-03-03"),
                Finding.observed(v, "endplate-cortical-disruption", "present", null, null, "Observation/epd-" + v.getLevel(), "2025-03-03")),
                levels);
    }

    /** One patient with a vertebra at each of {@code levels}, each with the findings {@code of} gives it. */
    private static Assessment assessed(Function<Vertebra, List<Finding>> of, String... levels) {
        List<Vertebra> vertebrae = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
        for (String level : levels) {
            Vertebra v = new Vertebra(level, null);
            vertebrae.add(v);
            for (Finding f : of.apply(v)) {
                v.record(f);
                findings.add(f);
            }
        }
        return assessor.assess(PatientFindings.of("Patient/p", vertebrae, findings));
    }

    @Test
    void withinTheStudy_theSummaryHasNoMarker() {
        assertEquals("After PVP: refracture risk T12 2.9% (Low)", CardWriter.summary(afterPvp(10, "T12"), "After PVP"));
    }

    @Test
    void outsideTheStudy_aLongSummaryIsShortenedBeforeTheMarker_underOneHundredAndFortyCharacters() {
        // given nine levels, each with RR 50 (PVP-A101) and together more than one level (PVP-A103)
        Assessment a = afterPvp(50, "T6", "T7", "T8", "T9", "T10", "T11", "T12", "L1", "L2");

        String summary = CardWriter.summary(a, "After PVP");

        assertTrue(summary.length() < 140, summary.length() + ": " + summary);
        assertTrue(summary.endsWith("\u2026 (outside the study: see detail)"), summary);
        assertTrue(summary.startsWith("After PVP: refracture risk T6 "), summary);
    }

    @Test
    void severalLevelsThatDoNotFitInFull_areSaidShorter_eachKeepingItsBand() {
        Assessment a = beforePvp("T12", "L1");

        String summary = CardWriter.summary(a, "After PVP, post-op findings missing");

        assertTrue(summary.length() < 140, summary.length() + ": " + summary);
        assertTrue(summary.matches("After PVP, post-op findings missing: refracture risk T12 (\\w+ if favourable, up to \\w+"
                + "|\\w+ to \\w+|\\w+); L1 (\\w+ if favourable, up to \\w+|\\w+ to \\w+|\\w+) \\(outside the study: see detail\\)"),
                summary);
        assertTrue(!summary.contains("\u2026"), "no level cut: " + summary);
    }

    @Test
    void aLongNote_isCutAtASentenceOrAWord_neverInAWord() {
        String sentences = "A PVP is on record, but its post-operative findings are not. " + "x".repeat(80) + " more words here.";
        assertEquals("A PVP is on record, but its post-operative findings are not. (The page has the rest.)",
                CardWriter.noteOnCard(sentences));
        String words = "one ".repeat(40);
        String cut = CardWriter.noteOnCard(words);
        assertTrue(cut.endsWith("one\u2026") && cut.length() <= 121, cut);
        assertEquals("short", CardWriter.noteOnCard("short"));
    }

    @Test
    void textFromTheRules_keepsAComparisonAsWritten_andEscapesOnlyWhatCouldOpenATag() {
        assertEquals("P < 0.05, P > 0.1", CardWriter.escape("P < 0.05, P > 0.1"));
        assertEquals("\\<b>bold\\</b> \\| cell", CardWriter.escape("<b>bold</b> | cell"));
        assertEquals("one line", CardWriter.escape("one\nline"));
    }

    @Test
    void textFromTheInput_isShownAsTyped_neverALinkAnImageOrHiddenMarks() {
        assertEquals("T12 \\[click\\](javascript:alert(1)) !\\[i\\](http://evil.example/x.png) \\*\\*bold\\*\\* \\_x\\_"
                + " \\`code\\` \\~\\~gone\\~\\~ a\\\\b", CardWriter.escape("T12 [click](javascript:alert(1))"
                + " ![i](http://evil.example/x.png) **bold** _x_ `code` ~~gone~~ a\\b"));
        assertEquals("evil   right-to-left a b", CardWriter.escape("\u202Eevil\u0007\u001b right-to-left\u2066 a\tb"));
        assertEquals("\\&#x202E;evil", CardWriter.escape("&#x202E;evil"), "no entity makes the mark again");
    }
}
