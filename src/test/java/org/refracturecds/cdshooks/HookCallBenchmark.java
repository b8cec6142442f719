package org.refracturecds.cdshooks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
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
import org.refracturecds.facts.Settings;
import org.refracturecds.fhirin.FhirFetcher;
import org.refracturecds.fhirin.StrictJson;
import org.refracturecds.fhirout.RiskAssessmentWriter;
import org.refracturecds.http.ServiceConfig;
import org.refracturecds.validation.InputValidation;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The bundled order-sign call in process, without HTTP: the request's bytes read, the card written
 * and its bytes encoded, as {@code CdsEndpoints} does between reading a body and sending an answer
 * (no page is kept: that is the storage's work). Its median is the CPU a call costs the service
 * beyond Jetty's and the storage's, the figure issue 17's JSON floor is compared against.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 4)
@Fork(1)
public class HookCallBenchmark {

    private final ObjectMapper json = new ObjectMapper();
    private CdsHooks hooks;
    private byte[] request;

    @Setup
    public void setUp() throws Exception {
        ServiceConfig config = ServiceConfig.defaults();
        Assessor assessor = new Assessor(RuleSet.loadBundled(), new Settings(null));
        Clock clock = Clock.systemUTC();
        CardWriter cards = new CardWriter(json, new RiskAssessmentWriter(clock), null, Duration.ofHours(8));
        hooks = new CdsHooks(config, json, () -> assessor, new FhirFetcher(List.of(), 400, new SimpleMeterRegistry()),
                cards, new Semaphore(1), new InputValidation(InputValidation.mode(config.validation())), clock);
        request = Files.readAllBytes(Path.of("examples/cds-hooks/order-sign.json"));
    }

    @Benchmark
    public byte[] orderSign() throws Exception {
        return json.writeValueAsBytes(hooks.call(CdsService.PREOP, StrictJson.one(StrictJson.utf8(request))));
    }
}
