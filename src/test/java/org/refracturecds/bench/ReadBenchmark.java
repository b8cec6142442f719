package org.refracturecds.bench;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.StrictJson;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.StrictErrorHandler;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The parts of reading the Bundle of AssessBenchmark's bundle path (docs/PERFORMANCE.md): the
 * JSON read as sent, the FHIR R4 JSON check, HAPI's parse, and all three as InputReader does them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 4)
@Fork(1)
public class ReadBenchmark {

    private String bundle;
    private JsonNode document;
    private InputReader reader;
    private IParser strictParser;
    private Object check;
    private Method checkResource;

    @Setup
    public void setUp() throws Exception {
        FhirContext fhir = FhirContext.forR4Cached();
        bundle = Files.readString(Path.of("examples/cleft-no-endplate-contact.json"));
        document = StrictJson.one(bundle);
        reader = new InputReader(fhir);
        strictParser = fhir.newJsonParser().setParserErrorHandler(new StrictErrorHandler());
        // FhirJsonCheck is the FHIR mapping's own (package-private): measured as InputReader calls it.
        Class<?> type = Class.forName("org.refracturecds.fhirin.FhirJsonCheck");
        Constructor<?> constructor = type.getDeclaredConstructor(FhirContext.class);
        constructor.setAccessible(true);
        check = constructor.newInstance(fhir);
        checkResource = type.getDeclaredMethod("resource", JsonNode.class, String.class);
        checkResource.setAccessible(true);
    }

    /** The JSON read as sent (duplicate keys, depth, trailing content). */
    @Benchmark
    public Object strictJson() throws Exception {
        return StrictJson.one(bundle);
    }

    /** The FHIR R4 JSON check, element by element, of the Bundle already read. */
    @Benchmark
    public Object fhirJsonCheck() throws Exception {
        return checkResource.invoke(check, document, "the input");
    }

    /** HAPI's parse alone, strict. */
    @Benchmark
    public Object hapiParse() {
        return strictParser.parseResource(bundle);
    }

    /** All of it, as the bundle path reads its input. */
    @Benchmark
    public Object inputReader() throws Exception {
        return reader.read(bundle);
    }
}
