package org.refracturecds.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.hl7.fhir.r4.model.RiskAssessment;
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
import org.refracturecds.engine.Assessment;
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
import ca.uhn.fhir.parser.IParser;

/**
 * AssessBenchmark's bundle path in its parts (docs/PERFORMANCE.md): the Bundle read (JSON as sent,
 * the FHIR R4 JSON check, HAPI's parse), the Observations mapped to facts, the rules, the
 * RiskAssessment built, and the RiskAssessment encoded to JSON.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 4, time = 3)
@Fork(1)
public class AssessPartsBenchmark {

    private Assessor assessor;
    private RiskAssessmentWriter writer;
    private InputReader reader;
    private IParser json;
    private String bundle;
    private List<InputReader.Entry> entries;
    private PatientFindings facts;
    private Assessment assessment;
    private RiskAssessment risk;

    @Setup
    public void setUp() throws Exception {
        FhirContext fhir = FhirContext.forR4Cached();
        assessor = new Assessor(RuleSet.loadBundled(), new Settings(null));
        writer = new RiskAssessmentWriter(Clock.systemUTC());
        reader = new InputReader(fhir);
        json = fhir.newJsonParser();
        bundle = Files.readString(Path.of("examples/cleft-no-endplate-contact.json"));
        entries = reader.read(bundle);
        facts = mapper().map(entries).get(0);
        assessment = assessor.assess(facts);
        risk = writer.write(assessment);
    }

    private ObservationMapper mapper() {
        return new ObservationMapper(assessor.rules().vocabulary(), References.ofFiles(), Clock.systemUTC());
    }

    @Benchmark
    public Object a_read() throws Exception {
        return reader.read(bundle);
    }

    @Benchmark
    public Object b_map() throws Exception {
        return mapper().map(entries);
    }

    @Benchmark
    public Object c_assess() {
        return assessor.assess(facts);
    }

    @Benchmark
    public Object d_write() {
        return writer.write(assessment);
    }

    /** As the service and the CLI encode it. */
    @Benchmark
    public Object e_encode() {
        return RiskAssessmentJson.encode(risk);
    }

    /** HAPI's encoder, the reference for the bytes (and what d4a4a59 used). */
    @Benchmark
    public Object e_encodeHapi() {
        return json.encodeResourceToString(risk);
    }
}
