package org.refracturecds.bench;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.hl7.fhir.r4.model.Observation;
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
import org.opencds.cqf.cql.engine.execution.EvaluationResult;
import org.opencds.cqf.cql.engine.runtime.Tuple;
import org.refracturecds.engine.Assessment;
import org.refracturecds.engine.Assessor;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.Prediction;
import org.refracturecds.facts.Settings;
import org.refracturecds.facts.Term;
import org.refracturecds.facts.Vertebra;
import org.refracturecds.fhirin.InputReader;
import org.refracturecds.fhirin.ObservationMapper;
import org.refracturecds.fhirin.References;

import ca.uhn.fhir.context.FhirContext;

/**
 * Issue 17: the engine in process against a CQL implementation of the same model
 * ({@code bench/PvpRefractureRisk.cql}, see {@link CqlRiskModel}) evaluated by the CQL engine, on
 * the same Observations of the example with a cleft and no endplate contact (as
 * {@link AssessBenchmark}). Before anything is timed, the CQL's predictions (logit, probability,
 * band) and band are checked against {@code Assessor.assess} for every vertebra of every example
 * in {@code examples/}: a difference fails the run, so both sides compute the same model.
 *
 * <p>Only the {@code bench} profile compiles this class (src/bench/java): the CQL engine is on
 * no other class path.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 4)
@Fork(2)
public class CqlBenchmark {

    static final String EXAMPLE = "examples/cleft-no-endplate-contact.json";
    /**
     * How far the CQL's logit and probability may be from the engine's: CQL's Decimal keeps 8
     * decimal places (CQL 1.5, Decimal), and its Ln and Exp round to them; the engine computes in double.
     */
    static final double TOLERANCE = 1e-6;

    private Assessor assessor;
    private ObservationMapper mapper;
    private List<InputReader.Entry> entries;
    private PatientFindings facts;
    private CqlRiskModel cql;
    private CqlRiskModel.Input observations;
    private String vertebra;

    @Setup
    public void setUp() throws Exception {
        Path rulesDir = Path.of("rules");
        RuleSet rules = RuleSet.load(rulesDir);
        assessor = new Assessor(rules, new Settings(null));
        mapper = new ObservationMapper(rules.vocabulary(), References.ofFiles(), Clock.systemUTC());
        InputReader reader = new InputReader(FhirContext.forR4Cached());
        cql = CqlRiskModel.compile(rules, rulesDir);

        List<String> checked = new ArrayList<>();
        double[] largest = new double[2];
        try (Stream<Path> examples = Files.list(Path.of("examples"))) {
            for (Path example : examples.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                checked.addAll(checkSameModel(example.toString(), reader.read(Files.readString(example)), largest));
            }
        }
        System.out.printf(Locale.ROOT, "CQL and Assessor.assess agree (logit within %.1e, probability within %.1e, the"
                + " same bands) on %s%n", largest[0], largest[1], String.join(", ", checked));

        entries = reader.read(Files.readString(Path.of(EXAMPLE)));
        facts = mapper.map(entries).get(0);
        observations = observationsOf(entries, facts.patient());
        vertebra = assessor.assess(facts).assessedVertebrae().get(0).getSnomedCode();
    }

    /** {@code Assessor.assess}, as {@link AssessBenchmark} times it inside factsToRiskAssessment: the facts in, the assessment out. */
    @Benchmark
    public Assessment assessorAssess() {
        return assessor.assess(facts);
    }

    /** The engine from the same parsed Observations the CQL reads: the FHIR mapping, then {@code Assessor.assess}. */
    @Benchmark
    public Assessment assessorMapAndAssess() throws Exception {
        return assessor.assess(mapper.map(entries).get(0));
    }

    /** The CQL from the parsed Observations: a new engine on the ELM translated in setUp, for one vertebra. */
    @Benchmark
    public EvaluationResult cqlEvaluate() {
        return cql.evaluate(observations, vertebra);
    }

    /**
     * Every assessed vertebra of every patient in one example: the CQL's predictions, each
     * matched by its factor values and scenario, and its band, against the engine's.
     */
    private List<String> checkSameModel(String example, List<InputReader.Entry> read, double[] largest) throws Exception {
        List<String> checked = new ArrayList<>();
        for (PatientFindings patient : mapper.map(read)) {
            Assessment assessment = assessor.assess(patient);
            CqlRiskModel.Input input = observationsOf(read, patient.patient());
            for (Vertebra v : assessment.assessedVertebrae()) {
                String where = example + " " + patient.patient() + " " + v.getLabel();
                EvaluationResult result = cql.evaluate(input, v.getSnomedCode());
                Map<String, Prediction> engine = new TreeMap<>();
                for (Prediction p : assessment.predictionsOf(v)) {
                    engine.put(key(p), p);
                }
                Map<String, Tuple> inCql = new TreeMap<>();
                for (Object o : (List<?>) result.forExpression("Predictions").value()) {
                    inCql.put(key((Tuple) o), (Tuple) o);
                }
                if (!engine.keySet().equals(inCql.keySet())) {
                    throw new IllegalStateException(where + ": the engine predicts for " + engine.keySet()
                            + ", the CQL for " + inCql.keySet());
                }
                for (Map.Entry<String, Prediction> e : engine.entrySet()) {
                    Prediction p = e.getValue();
                    Tuple t = inCql.get(e.getKey());
                    double logit = ((BigDecimal) t.getElement("logOdds")).doubleValue();
                    double probability = ((BigDecimal) t.getElement("probability")).doubleValue();
                    largest[0] = Math.max(largest[0], Math.abs(logit - p.getLogit()));
                    largest[1] = Math.max(largest[1], Math.abs(probability - p.getProbability()));
                    if (Math.abs(logit - p.getLogit()) > TOLERANCE || Math.abs(probability - p.getProbability()) > TOLERANCE
                            || !p.getBand().getCode().equals(t.getElement("band"))) {
                        throw new IllegalStateException(where + " " + e.getKey() + ": the engine gives logit "
                                + p.getLogit() + ", p " + p.getProbability() + ", band " + p.getBand().getCode()
                                + "; the CQL " + t);
                    }
                }
                Object band = result.forExpression("Vertebra band").value();
                if (!v.getBand().getCode().equals(band)) {
                    throw new IllegalStateException(where + ": the engine's band is " + v.getBand().getCode()
                            + ", the CQL's " + band);
                }
                checked.add(where + " (" + engine.size() + " predictions)");
            }
        }
        return checked;
    }

    /** The patient's Observations among the entries: what the CQL retrieves. */
    static CqlRiskModel.Input observationsOf(List<InputReader.Entry> entries, String patient) {
        List<Observation> observations = entries.stream().map(InputReader.Entry::resource)
                .filter(Observation.class::isInstance).map(Observation.class::cast)
                .filter(o -> patient.equals(o.getSubject().getReference())).toList();
        return new CqlRiskModel.Input(patient.substring(patient.indexOf('/') + 1), observations);
    }

    private static String key(Prediction p) {
        double[] x = new double[4];
        for (Term term : p.getTerms()) {
            x[List.of("IVC", "EPD", "NPEC", "RR").indexOf(term.getFactor())] = term.getX();
        }
        return key(x[0], x[1], x[2], x[3], p.getScenario());
    }

    private static String key(Tuple t) {
        return key(number(t, "ivc"), number(t, "epd"), number(t, "npec"), number(t, "rr"), (String) t.getElement("scenario"));
    }

    private static double number(Tuple t, String element) {
        return ((BigDecimal) t.getElement(element)).doubleValue();
    }

    private static String key(double ivc, double epd, double npec, double rr, String scenario) {
        return String.format(Locale.ROOT, "IVC %s EPD %s NPEC %s RR/10 %.6f%s", ivc, epd, npec, rr,
                scenario == null ? "" : " (" + scenario + ")");
    }
}
