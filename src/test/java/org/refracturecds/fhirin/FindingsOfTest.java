package org.refracturecds.fhirin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Settings;
import org.refracturecds.fhirout.RiskAssessmentJson;
import org.refracturecds.fhirout.RiskAssessmentWriter;

import ca.uhn.fhir.context.FhirContext;

/** A patient's data read from a server gives one RiskAssessment, whatever the order the server sent it in. */
class FindingsOfTest {

    @Test
    void theSameResourcesInAnotherOrder_giveTheSameRiskAssessment() throws Exception {
        // given a patient's resources as one read gives them, and in the reverse order (an export and a search differ)
        RuleSet rules = RuleSet.loadBundled();
        Clock clock = Clock.fixed(Instant.parse("2026-11-30T10:00:00Z"), ZoneOffset.UTC);
        List<InputReader.Entry> entries = new InputReader(FhirContext.forR4Cached())
                .read(Files.readAllBytes(Path.of("examples/several-levels.json")));
        List<InputReader.Entry> reversed = new ArrayList<>(entries);
        Collections.reverse(reversed);
        String patient = "levels";
        ObservationMapper mapper = new ObservationMapper(rules.vocabulary(), References.ofFiles(), clock);
        Assessor assessor = new Assessor(rules, new Settings(null));
        RiskAssessmentWriter writer = new RiskAssessmentWriter(clock);

        // when each is assessed
        String asRead = RiskAssessmentJson.encode(writer.write(assessor.assess(mapper.findingsOf(patient, entries))));
        String inReverse = RiskAssessmentJson.encode(writer.write(assessor.assess(mapper.findingsOf(patient, reversed))));

        // then the RiskAssessments are the same, byte for byte (which a plain mapping of the two orders is not)
        assertEquals(asRead, inReverse);
        assertNotEquals(mapper.map(entries).get(0).findings().stream().map(f -> f.getObservations()).toList(),
                mapper.map(reversed).get(0).findings().stream().map(f -> f.getObservations()).toList());
    }
}
