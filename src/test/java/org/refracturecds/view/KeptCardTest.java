package org.refracturecds.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Settings;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.ObservationMapper;
import org.refracturecds.fhirin.References;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What a card's page is rebuilt from: kept as JSON and read back, the assessment run again gives
 * the same page, word for word and number for number, for every patient of every example.
 */
class KeptCardTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static RuleSet rules;

    @BeforeAll
    static void load() throws Exception {
        rules = RuleSet.loadBundled();
    }

    static Stream<Path> examples() throws IOException {
        return Files.list(Path.of("examples")).filter(p -> p.toString().endsWith(".json")).sorted();
    }

    private static List<PatientFindings> patients(Path example) throws Exception {
        return new ObservationMapper(rules.vocabulary(), References.ofFiles(), Clock.systemUTC())
                .map(new InputReader(FhirContext.forR4Cached()).read(Files.readString(example)));
    }

    @ParameterizedTest
    @MethodSource("examples")
    void keptAndReadBack_theAssessmentRunAgain_drawsTheSamePage(Path example) throws Exception {
        List<String> caveats = List.of("One caveat the card gave.");
        for (PatientFindings patient : patients(example)) {
            Assessment card = new Assessor(rules, new Settings(0.05)).assess(patient);
            String page = JSON.writeValueAsString(PageData.of(card, "After PVP", caveats, "2026-11-30 20:00 UTC"));

            String kept = JSON.writeValueAsString(KeptCard.of(card, "After PVP", caveats, "2026-11-30 20:00 UTC"));
            KeptCard read = JSON.readValue(kept, KeptCard.class);
            Assessment again = read.assessAgain(rules);

            assertTrue(read.sameAs(again), example + " " + patient.patient());
            assertEquals(page, JSON.writeValueAsString(PageData.of(again, read.context(), read.caveats(),
                    read.createdAt())), example + " " + patient.patient());
            assertTrue(kept.length() < page.length() / 5, "kept " + kept.length() + " characters, the page's data "
                    + page.length());
        }
    }

    @ParameterizedTest
    @MethodSource("examples")
    void anAssessmentThatGivesOtherNumbers_isNotTheCards(Path example) throws Exception {
        PatientFindings patient = patients(example).get(0);
        KeptCard kept = KeptCard.of(new Assessor(rules, new Settings(null)).assess(patient), "Before PVP", List.of(), "");
        List<Double> other = new ArrayList<>(kept.logits());
        other.set(0, other.get(0) + 1e-9);
        KeptCard altered = new KeptCard(kept.rules(), kept.rulesVersion(), kept.incidence(), kept.recalibrated(),
                kept.context(), kept.caveats(), kept.createdAt(), other, kept.input());

        assertTrue(kept.sameAs(kept.assessAgain(rules)));
        assertFalse(altered.sameAs(altered.assessAgain(rules)));
        KeptCard otherIncidence = new KeptCard(kept.rules(), kept.rulesVersion(), 0.2, kept.recalibrated(),
                kept.context(), kept.caveats(), kept.createdAt(), kept.logits(), kept.input());
        assertFalse(otherIncidence.sameAs(otherIncidence.assessAgain(rules)), "the kept incidence is the one used");
    }
}
