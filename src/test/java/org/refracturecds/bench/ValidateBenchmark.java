package org.refracturecds.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.hl7.fhir.r4.model.Observation;
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
import org.refracturecds.validation.ProfileValidator;

import ca.uhn.fhir.context.FhirContext;

/**
 * Validation against fhir-profiles/ (docs/PERFORMANCE.md): one Observation and one RiskAssessment
 * on a warm validator, each call timed (sample mode).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 4)
@Fork(1)
public class ValidateBenchmark {

    private ProfileValidator validator;
    private Observation observation;
    private RiskAssessment risk;
    private List<Observation> three;

    @Setup
    public void load() throws IOException {
        FhirContext fhir = FhirContext.forR4Cached();
        observation = fhir.newJsonParser().parseResource(Observation.class,
                Files.readString(Path.of("fhir-profiles/examples/Observation-reduction-rate.json")));
        risk = fhir.newJsonParser().parseResource(RiskAssessment.class,
                Files.readString(Path.of("fhir-profiles/examples/RiskAssessment-cleft-no-endplate-contact.json")));
        three = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode entry : new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Path.of("examples/cds-hooks/order-sign.json").toFile()).at("/prefetch/findings/entry")) {
            three.add(fhir.newJsonParser().parseResource(Observation.class, entry.path("resource").toString()));
        }
        validator = ProfileValidator.create();
        validator.validate(observation);
    }

    @Benchmark
    public List<ProfileValidator.Issue> observation() {
        return validator.validate(observation);
    }

    /** The three Observations of the order-sign example's prefetch, one call each. */
    @Benchmark
    public int threeObservationsOneByOne() {
        int issues = 0;
        for (Observation each : three) {
            issues += validator.validate(each).size();
        }
        return issues;
    }

    /** The same three in one call. */
    @Benchmark
    public List<List<ProfileValidator.Issue>> threeObservationsTogether() {
        return validator.validateTogether(three);
    }

    @Benchmark
    public List<ProfileValidator.Issue> riskAssessment() {
        return validator.validate(risk);
    }
}
