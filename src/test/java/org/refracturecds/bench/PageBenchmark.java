package org.refracturecds.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Settings;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.ObservationMapper;
import org.refracturecds.fhirin.References;
import org.refracturecds.view.KeptCard;
import org.refracturecds.view.PageData;
import org.refracturecds.view.PageRenderer;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The surgeon's page on the server (docs/PERFORMANCE.md): what a card pays to keep it (what the
 * page is rebuilt from, written as JSON) and what opening the link pays to draw it (the JSON read,
 * the assessment run again on the same rules, the page's data worked out and the page drawn, SVG
 * included), for the example after PVP and the one before it. Sample mode: JMH reports the median
 * and p99 of single calls.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 4)
@Fork(2)
public class PageBenchmark {

    @Param({"cleft-no-endplate-contact.json", "pre-op-only.json"})
    public String example;

    private final ObjectMapper json = new ObjectMapper();
    private Assessment assessment;
    private RuleSet rules;
    private PageRenderer renderer;
    private String stored;

    @Setup
    public void setUp() throws Exception {
        Assessor assessor = new Assessor(RuleSet.loadBundled(), new Settings(null));
        var patient = new ObservationMapper(assessor.rules().vocabulary(), References.ofFiles(), Clock.systemUTC())
                .map(new InputReader(FhirContext.forR4Cached()).read(Files.readString(Path.of("examples", example)))).get(0);
        assessment = assessor.assess(patient);
        rules = assessor.rules();
        renderer = new PageRenderer();
        stored = keep();
    }

    /** At card time: what the page is rebuilt from, written as JSON, as it is stored. */
    @Benchmark
    public String keep() throws Exception {
        return json.writeValueAsString(KeptCard.of(assessment, "After PVP", List.of(), "2026-01-15 09:30 UTC"));
    }

    /** At the link: the stored JSON read, the assessment run again and checked, the page drawn. */
    @Benchmark
    public String draw() throws Exception {
        KeptCard card = json.readValue(stored, KeptCard.class);
        Assessment again = card.assessAgain(rules);
        if (!card.sameAs(again)) {
            throw new IllegalStateException("the assessment run again differs");
        }
        return renderer.render(PageData.of(again, card.context(), card.caveats(), card.createdAt()));
    }
}
