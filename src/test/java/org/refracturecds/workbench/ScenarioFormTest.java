package org.refracturecds.workbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refracturecds.authoring.Scenario;
import org.refracturecds.authoring.ScenarioFiles;
import org.refracturecds.http.HttpError;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A scenario file written again by the form: one scenario changed, added or removed, every other byte kept. */
class ScenarioFormTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Set<String> GUIDANCE = Set.of("G-FOLLOW-UP", "G-EPD-FOLLOW-UP", "G-MRI-IVC");

    static byte[] afterPvp() throws Exception {
        return Files.readAllBytes(Path.of("rules/tests/after-pvp.yaml"));
    }

    static ScenarioText.Found named(byte[] file, String name) {
        return ScenarioText.scenarios("tests/after-pvp.yaml", file).stream()
                .filter(f -> f.scenario().path("name").asText().equals(name)).findFirst().orElseThrow();
    }

    static List<Scenario> read(Path dir, byte[] file) throws Exception {
        Files.createDirectories(dir.resolve("tests"));
        Files.write(dir.resolve("tests/after-pvp.yaml"), file);
        ScenarioFiles.Read read = ScenarioFiles.read(dir);
        assertEquals(List.of(), read.problems());
        return read.scenarios();
    }

    @Test
    void aScenarioInTheForm_hasItsFindingsAndExpectation_inClinicalTerms_atTheLineTheScenarioListGives(@TempDir Path dir)
            throws Exception {
        byte[] file = afterPvp();
        Scenario listed = read(dir, file).stream().filter(s -> s.name().startsWith("Cleft alone")).findFirst().orElseThrow();

        ScenarioText.Found found = ScenarioText.at("tests/after-pvp.yaml", file, listed.line());
        ObjectNode form = ScenarioForm.fields(found.scenario());

        assertEquals("Cleft alone, cement on both endplates, small restoration", form.path("name").asText());
        assertEquals("post-operative", form.path("phase").asText());
        assertEquals("present", form.path("IVC").asText());
        assertEquals("absent", form.path("EPD").asText());
        assertEquals("none", form.path("NPEC").asText());
        assertEquals("3", form.path("RR").asText());
        assertEquals("moderate", form.path("band").asText());
        assertEquals("4.5% to 7%", form.path("probability").asText());
    }

    @Test
    void aChangedScenario_isWrittenInTheFilesStyle_andEveryOtherLineKeepsItsBytes(@TempDir Path dir) throws Exception {
        byte[] file = afterPvp();
        ScenarioText.Found old = named(file, "Cleft alone, cement on both endplates, small restoration");
        ObjectNode form = ScenarioForm.fields(old.scenario()).put("band", "high").put("RR", "12.5")
                .put("guidance", "G-FOLLOW-UP");

        byte[] changed = ScenarioText.put("tests/after-pvp.yaml", file, old, ScenarioForm.scenario(old.scenario(), form, GUIDANCE));

        String text = new String(changed, StandardCharsets.UTF_8);
        assertTrue(text.contains("""
                  - name: "Cleft alone, cement on both endplates, small restoration"
                    level: L1
                    findings: {IVC: present, EPD: absent, NPEC: none, RR: 12.5%}
                    expect:
                      band: high
                      probability: 4.5% to 7%
                      guidance: [G-FOLLOW-UP]
                """), text);
        List<String> before = new String(file, StandardCharsets.UTF_8).lines().toList();
        List<String> after = text.lines().toList();
        assertEquals(before.subList(0, old.from()), after.subList(0, old.from()));
        assertEquals(before.subList(old.to(), before.size()), after.subList(after.size() - (before.size() - old.to()), after.size()));
        Scenario reread = read(dir, changed).stream().filter(s -> s.name().startsWith("Cleft alone")).findFirst().orElseThrow();
        assertEquals("12.5%", reread.findings().get("RR"));
        assertEquals("high", reread.expect().band());
        assertEquals(List.of("G-FOLLOW-UP"), reread.expect().guidance());
    }

    @Test
    void whatTheFormDoesNotShow_isKeptAsWritten_andBeforePvpDropsTheCement(@TempDir Path dir) throws Exception {
        byte[] file = afterPvp();
        ScenarioText.Found old = named(file, "Reported reduction rate disagrees with the compression ratios");
        ObjectNode form = ScenarioForm.fields(old.scenario());
        assertTrue(form.path("kept").toString().contains("findings, CR pre: 60%"), form.toString());

        byte[] changed = ScenarioText.put("tests/after-pvp.yaml", file, old,
                ScenarioForm.scenario(old.scenario(), form.put("phase", "pre-operative"), GUIDANCE));

        Scenario reread = read(dir, changed).stream().filter(s -> s.name().startsWith("Reported reduction rate"))
                .findFirst().orElseThrow();
        assertEquals("60%", reread.findings().get("CR pre"));
        assertEquals(List.of("PVP-W201"), reread.expect().notices());
        assertTrue(!reread.findings().containsKey("NPEC") && !reread.findings().containsKey("RR")
                && !reread.findings().containsKey("CR post"), reread.findings().toString());
    }

    @Test
    void aNewScenario_isAddedAtTheEnd_andADeletedOne_isGone_theLastLeavingAnEmptyList(@TempDir Path dir) throws Exception {
        byte[] file = afterPvp();
        int count = ScenarioText.scenarios("tests/after-pvp.yaml", file).size();
        ObjectNode blank = JSON.createObjectNode().put("name", "Cleft and disruption: close follow-up").put("level", "T11, T12")
                .put("phase", "post-operative").put("IVC", "present").put("EPD", "present").put("NPEC", "upper")
                .put("RR", "8").put("band", "high").put("guidance", "G-FOLLOW-UP, G-EPD-FOLLOW-UP");

        byte[] added = ScenarioText.put("tests/after-pvp.yaml", file, null, ScenarioForm.scenario(null, blank, GUIDANCE));
        List<Scenario> scenarios = read(dir, added);
        assertEquals(count + 1, scenarios.size());
        Scenario last = scenarios.get(scenarios.size() - 1);
        assertEquals("Cleft and disruption: close follow-up", last.name());
        assertEquals("T11, T12", last.level());

        byte[] removed = ScenarioText.remove("tests/after-pvp.yaml", added, ScenarioText.at("tests/after-pvp.yaml", added,
                last.line()));
        assertEquals(new String(file, StandardCharsets.UTF_8).stripTrailing(),
                new String(removed, StandardCharsets.UTF_8).stripTrailing());

        byte[] one = ScenarioText.put("tests/workbench.yaml", null, null, ScenarioForm.scenario(null, blank, GUIDANCE));
        byte[] none = ScenarioText.remove("tests/workbench.yaml", one, ScenarioText.scenarios("tests/workbench.yaml", one).get(0));
        assertEquals("scenarios: []\n", new String(none, StandardCharsets.UTF_8));
    }

    @Test
    void aBadValue_isRefused_namingTheField() throws Exception {
        ObjectNode form = JSON.createObjectNode().put("name", "x").put("level", "T12").put("phase", "post-operative")
                .put("IVC", "present").put("EPD", "absent").put("NPEC", "none").put("band", "low");
        for (String[] bad : List.of(new String[] {"RR", "12 mm"}, new String[] {"IVC", "yes"}, new String[] {"level", "T2"},
                new String[] {"band", "severe"}, new String[] {"guidance", "G-NO-SUCH"}, new String[] {"notices", "W301"},
                new String[] {"probability", "about 5%"}, new String[] {"name", " "})) {
            HttpError refused = assertThrows(HttpError.class,
                    () -> ScenarioForm.scenario(null, form.deepCopy().put(bad[0], bad[1]), GUIDANCE), bad[0]);
            assertEquals("PVP-H831", refused.code());
            assertEquals(bad[0], refused.where());
            assertEquals(400, refused.status());
        }
    }

    @Test
    void severalBadValues_areRefusedTogether_eachNamed() throws Exception {
        // given a form with four fields that cannot be written
        ObjectNode form = JSON.createObjectNode().put("name", " ").put("level", "T2").put("phase", "post-operative")
                .put("IVC", "yes").put("EPD", "absent").put("NPEC", "none").put("RR", "12 mm").put("band", "low");

        // when it is written
        HttpError refused = assertThrows(HttpError.class, () -> ScenarioForm.scenario(null, form, GUIDANCE));

        // then each is named, in the form's order, so that the author mends them at once
        assertEquals("PVP-H831", refused.code());
        assertEquals("name", refused.where());
        String said = refused.render();
        for (String field : List.of("level: ", "IVC: ", "RR: ")) {
            assertTrue(said.contains("; [PVP-H831] " + field), said);
        }
    }
}
