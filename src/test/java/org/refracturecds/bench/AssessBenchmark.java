package org.refracturecds.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Settings;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.ObservationMapper;
import org.refracturecds.fhirin.References;
import org.refracturecds.fhirout.RiskAssessmentJson;
import org.refracturecds.fhirout.RiskAssessmentWriter;

import ca.uhn.fhir.context.FhirContext;

/**
 * One assessment in process, for the example with a cleft and no endplate contact (docs/PERFORMANCE.md).
 * Sample mode, so JMH reports the median and p99 of single calls.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 4)
@Fork(2)
public class AssessBenchmark {

    private Assessor assessor;
    private RiskAssessmentWriter writer;
    private InputReader reader;
    private String bundle;
    private PatientFindings facts;

    @Setup
    public void setUp() throws Exception {
        FhirContext fhir = FhirContext.forR4Cached();
        assessor = new Assessor(RuleSet.loadBundled(), new Settings(null));
        writer = new RiskAssessmentWriter(Clock.systemUTC());
        reader = new InputReader(fhir);
        bundle = Files.readString(Path.of("examples/cleft-no-endplate-contact.json"));
        facts = new ObservationMapper(assessor.rules().vocabulary(), References.ofFiles(), Clock.systemUTC()).map(reader.read(bundle)).get(0);
    }

    /** Rules and model: the facts in, the RiskAssessment resource out. */
    @Benchmark
    public Object factsToRiskAssessment() {
        return writer.write(assessor.assess(facts));
    }

    /** The whole trip: Bundle JSON in, RiskAssessment JSON out, each as the service and the CLI do it. */
    @Benchmark
    public String bundleJsonToRiskAssessmentJson() throws Exception {
        PatientFindings patient = new ObservationMapper(assessor.rules().vocabulary(), References.ofFiles(), Clock.systemUTC()).map(reader.read(bundle)).get(0);
        return RiskAssessmentJson.encode(writer.write(assessor.assess(patient)));
    }
}
