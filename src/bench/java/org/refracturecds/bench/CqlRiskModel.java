package org.refracturecds.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.lang3.tuple.Pair;
import org.cqframework.cql.cql2elm.CqlCompilerException;
import org.cqframework.cql.cql2elm.CqlCompilerOptions;
import org.cqframework.cql.cql2elm.LibraryManager;
import org.cqframework.cql.cql2elm.ModelManager;
import org.cqframework.cql.cql2elm.quick.FhirLibrarySourceProvider;
import org.hl7.elm.r1.VersionedIdentifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.opencds.cqf.cql.engine.data.CompositeDataProvider;
import org.opencds.cqf.cql.engine.data.DataProvider;
import org.opencds.cqf.cql.engine.execution.CqlEngine;
import org.opencds.cqf.cql.engine.execution.Environment;
import org.opencds.cqf.cql.engine.execution.EvaluationResult;
import org.opencds.cqf.cql.engine.fhir.model.R4FhirModelResolver;
import org.opencds.cqf.cql.engine.retrieve.RetrieveProvider;
import org.opencds.cqf.cql.engine.runtime.Code;
import org.opencds.cqf.cql.engine.runtime.Tuple;
import org.refracturecds.engine.RuleSet;
import org.refracturecds.facts.Calibration;
import org.refracturecds.facts.Coefficient;
import org.refracturecds.facts.Coding;

/**
 * The refracture model in CQL ({@code bench/PvpRefractureRisk.cql}), translated to ELM once and
 * evaluated by the CQL engine on HAPI's R4 Observations, with the model's numbers taken from a
 * rule set: the Coefficients, Codings and Calibration tables as {@link RuleSet} loaded them, the
 * Bands and Scenarios tables read from the rule files' CSV (RuleSet keeps those to itself).
 */
final class CqlRiskModel {

    static final String LIBRARY = "PvpRefractureRisk";
    static final Set<String> RESULTS = Set.of("Predictions", "Vertebra band");
    private static final String SOURCE = "/bench/" + LIBRARY + ".cql";
    private static final String SNOMED = "http://snomed.info/sct";
    /** What a decision table's code does with a column's value: "new Band(", "setFrom(". */
    private static final Pattern CALL = Pattern.compile("(new \\w+\\(|\\.\\w+\\()");

    private final LibraryManager libraries;
    private final R4FhirModelResolver fhirModel;
    private final VersionedIdentifier library;
    private final Map<String, Object> knowledge;

    /** One patient's input to the CQL: its Observations (HAPI's R4 model, as the FHIR mapping reads them). */
    record Input(String patient, List<Observation> observations) { }

    private CqlRiskModel(LibraryManager libraries, R4FhirModelResolver fhirModel, VersionedIdentifier library,
                         Map<String, Object> knowledge) {
        this.libraries = libraries;
        this.fhirModel = fhirModel;
        this.library = library;
        this.knowledge = knowledge;
    }

    /**
     * Translates the CQL (and FHIRHelpers) to ELM, failing with every translation error, and
     * takes the model's numbers from {@code rules}, whose files are in {@code rulesDir}.
     */
    static CqlRiskModel compile(RuleSet rules, Path rulesDir) throws IOException {
        byte[] cql;
        try (InputStream in = CqlRiskModel.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IllegalStateException(SOURCE + " is not on the class path");
            }
            cql = in.readAllBytes();
        }
        LibraryManager libraries = new LibraryManager(new ModelManager(), CqlCompilerOptions.defaultOptions());
        libraries.getLibrarySourceLoader().registerProvider(new FhirLibrarySourceProvider());
        libraries.getLibrarySourceLoader().registerProvider(id -> LIBRARY.equals(id.getId()) ? new ByteArrayInputStream(cql) : null);
        VersionedIdentifier id = new VersionedIdentifier().withId(LIBRARY);
        List<CqlCompilerException> errors = new ArrayList<>();
        libraries.resolveLibrary(id, errors);
        if (CqlCompilerException.hasErrors(errors)) {
            StringBuilder all = new StringBuilder(SOURCE + " does not translate:");
            for (CqlCompilerException error : errors) {
                all.append("\n  ").append(error.getLocator() == null ? "" : "line " + error.getLocator().getStartLine() + ": ")
                        .append(error.getMessage());
            }
            throw new IllegalStateException(all.toString());
        }
        return new CqlRiskModel(libraries, new R4FhirModelResolver(), id, knowledge(rules, rulesDir));
    }

    /**
     * Evaluates the CQL for one vertebra (its SNOMED CT code) of one patient. A new engine each
     * time, on the ELM translated once: an engine keeps the expressions' results for its patient,
     * and is not for several threads. Expression caching on (as {@code new CqlEngine(environment,
     * null)} has it), so that an expression is evaluated once per call however often it is named.
     */
    EvaluationResult evaluate(Input input, String vertebraSnomedCode) {
        RetrieveProvider retrieve = (context, contextPath, contextValue, dataType, templateId, codePath, codes,
                valueSet, datePath, dateLowPath, dateHighPath, dateRange) -> switch (dataType) {
            case "Observation" -> new ArrayList<>(input.observations());
            case "Patient" -> List.of(new Patient().setId(input.patient()));
            default -> List.of();
        };
        Map<String, DataProvider> providers = Map.of("http://hl7.org/fhir", new CompositeDataProvider(fhirModel, retrieve));
        Map<String, Object> parameters = new HashMap<>(knowledge);
        parameters.put("Vertebra", new Code().withSystem(SNOMED).withCode(vertebraSnomedCode));
        return new CqlEngine(new Environment(libraries, providers, null), EnumSet.of(CqlEngine.Options.EnableExpressionCaching))
                .evaluate(library, RESULTS, Pair.of("Patient", input.patient()), parameters, null);
    }

    private static Map<String, Object> knowledge(RuleSet rules, Path rulesDir) throws IOException {
        Map<String, Object> parameters = new HashMap<>();
        List<Tuple> coefficients = new ArrayList<>();
        for (Coefficient c : rules.coefficients()) {
            coefficients.add(tuple("factor", c.getFactor(), "finding", c.getFinding(), "timing", c.getTiming(),
                    "beta", decimal(c.getBeta())));
        }
        parameters.put("Coefficients", coefficients);
        List<Tuple> codings = new ArrayList<>();
        for (Coding d : rules.codings()) {
            codings.add(tuple("factor", d.getFactor(), "finding", d.getFinding(), "findingValue", blankToNull(d.getValue()),
                    "x", d.getX() == null ? null : decimal(d.getX()), "divisor", d.getPer() == null ? null : decimal(d.getPer())));
        }
        parameters.put("Codings", codings);
        Calibration k = rules.calibration();
        parameters.put("Calibration", tuple("intercept", decimal(k.getIntercept()), "refractures", k.getStudyRefractures(),
                "controls", k.getStudyControls(), "cohort", k.getCohort()));
        List<Tuple> bands = new ArrayList<>();
        for (Map<String, String> row : table(rulesDir.resolve("bands.drl.csv"), "Bands")) {
            bands.add(tuple("band", row.get("new Band("), "lowerBound", new BigDecimal(row.get("setFrom("))));
        }
        parameters.put("Bands", bands);
        List<Tuple> scenarios = new ArrayList<>();
        for (Map<String, String> row : table(rulesDir.resolve("scenarios.drl.csv"), "Scenarios")) {
            String quantity = row.get("setQuantity(");
            String favourable = row.get("setFavourable(");
            scenarios.add(tuple("scenario", row.get("new ScenarioValue("), "finding", row.get("setFinding("),
                    "findingValue", row.get("setValue("), "quantity", quantity == null ? null : new BigDecimal(quantity),
                    "favourable", favourable != null && favourable.strip().equalsIgnoreCase("yes")));
        }
        parameters.put("Scenarios", scenarios);
        return Map.copyOf(parameters);
    }

    /**
     * The rows of one RuleTable of a Drools CSV decision table, each cell keyed by the call its
     * column's code makes with it ("setFrom(", "new Band("): the table's own description of its
     * columns, so a reordered or renamed column is still read right. Blank cells are left out.
     */
    static List<Map<String, String>> table(Path file, String name) throws IOException {
        List<CSVRecord> records;
        try (Reader in = new StringReader(Files.readString(file, StandardCharsets.UTF_8))) {
            records = CSVFormat.DEFAULT.parse(in).getRecords();
        }
        int start = -1;
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).get(0).strip().equals("RuleTable " + name)) {
                start = i;
            }
        }
        if (start < 0) {
            throw new IllegalStateException(file + " has no RuleTable " + name);
        }
        // RuleTable, its ACTION row, the row of conditions' objects, the code, the column names, then the values
        CSVRecord code = records.get(start + 3);
        List<String> calls = new ArrayList<>();
        for (String cell : code) {
            Matcher call = CALL.matcher(cell);
            calls.add(call.find() ? call.group(1).replaceFirst("^\\.", "") : null);
        }
        List<Map<String, String>> rows = new ArrayList<>();
        for (int i = start + 5; i < records.size(); i++) {
            CSVRecord values = records.get(i);
            if (values.stream().allMatch(String::isBlank) || values.get(0).startsWith("RuleTable ")) {
                break;
            }
            Map<String, String> row = new LinkedHashMap<>();
            for (int c = 0; c < values.size() && c < calls.size(); c++) {
                if (calls.get(c) != null && !values.get(c).isBlank()) {
                    row.put(calls.get(c), values.get(c).strip());
                }
            }
            rows.add(row);
        }
        return rows;
    }

    private static Tuple tuple(Object... namesAndValues) {
        LinkedHashMap<String, Object> elements = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            elements.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return new Tuple().withElements(elements);
    }

    /** The number as written in the rules (3.3003, not 3.30029999...). */
    private static BigDecimal decimal(double value) {
        return new BigDecimal(Double.toString(value));
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text;
    }
}
