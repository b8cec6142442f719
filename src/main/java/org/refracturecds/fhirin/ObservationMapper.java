package org.refracturecds.fhirin;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Observation.ObservationComponentComponent;
import org.hl7.fhir.r4.model.Observation.ObservationStatus;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Property;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Type;
import org.refracturecds.facts.Diagnosis;
import org.refracturecds.facts.Finding;
import org.refracturecds.facts.LeftOut;
import org.refracturecds.facts.Notice;
import org.refracturecds.facts.Numbers;
import org.refracturecds.facts.PatientDetails;
import org.refracturecds.facts.PatientFindings;
import org.refracturecds.facts.PhysicalLimit;
import org.refracturecds.facts.Vertebra;
import org.refracturecds.facts.VertebralLevel;
import org.refracturecds.facts.Vocabulary;
import org.refracturecds.http.HttpError;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;

/**
 * Turns the input's resources into the facts the rules read, one {@link PatientFindings} per
 * patient (subject), one {@link Vertebra} per level named in bodySite.
 *
 * <ul>
 * <li>Shapes: Observations; their components coded with a finding code; the members of a panel
 *     (hasMember) and the results of a DiagnosticReport, contained or in the same Bundle, which
 *     take the panel's or report's subject and date when they have none. A report or panel that is
 *     entered-in-error or cancelled takes its results with it.
 * <li>Status: final, amended and corrected count; preliminary counts but makes the result
 *     preliminary; entered-in-error, cancelled, registered and unknown are left out, with a notice.
 * <li>An Observation of a finding that cannot be used (a unit it does not accept, a value that
 *     cannot be, a date in the future, a bodySite no row of the vocabulary knows...) is left out
 *     and named ({@link LeftOut}); the rules say what that changes. Only a subject that cannot be
 *     read, or another server's patient, refuses the whole input.
 * <li>Several Observations of one finding at one level: the latest effective (or issued) wins and
 *     a disagreement is reported; two that disagree at the same time are both left out.
 * <li>Patients (birthDate, for the age) and Conditions (the study's exclusions) are read for the
 *     applicability rules; other resource types are left out and listed.
 * </ul>
 */
public final class ObservationMapper {

    static final String PRESENT = "52101004";
    static final String ABSENT = "2667000";
    static final List<String> NPEC_CODES = List.of("none", "upper", "lower", "upper-and-lower");
    /** How far in the future an effective date may be (clocks and time zones differ) before it is an error. */
    private static final Duration FUTURE = Duration.ofDays(1);
    /** An age in years no living person has (the oldest on record lived to 122): a birthDate past it is a mistake. */
    private static final int OLDEST = 125;
    private static final String NO_FINDING = "has no finding of a vertebra (IVC, endplate disruption, NPEC, RR,"
            + " compression ratios...): nothing to assess";

    /** The findings that say the cement is in: a vertebra with none of them is before PVP (rules/pipeline.drl). */
    private static final List<String> POST_OPERATIVE = List.of(FindingType.NPEC_PATTERN.ruleCode(),
            FindingType.REDUCTION_RATE.ruleCode(), FindingType.COMPRESSION_RATIO_POSTOPERATIVE.ruleCode());
    /** A vertebra a PVP on record treated, taken as after PVP though no post-operative finding of it is used. */
    public static final String TREATED_WITHOUT_POST_OP = "PVP-I111";
    /** A vertebra whose findings are of cement in it, taken as after PVP though no post-operative finding of it is used. */
    public static final String CEMENT_WITHOUT_POST_OP = "PVP-I113";
    /** A refracture of the cemented vertebra on record: the outcome the model predicts has happened. */
    public static final String REFRACTURE_ON_RECORD = "PVP-W126";
    /**
     * Findings the model does not read that are only ever of a vertebra with cement in it: leakage, the
     * volume injected, and the outcome, a refracture of the cemented vertebra.
     */
    private static final List<String> OF_CEMENT = List.of(FindingType.CEMENT_LEAKAGE.ruleCode(),
            FindingType.CEMENT_VOLUME.ruleCode(), FindingType.REFRACTURE_CEMENTED_VERTEBRA.ruleCode());

    private final Vocabulary vocabulary;
    private final References references;
    private final Clock clock;
    private final PvpProcedures pvp;

    /** A mapper that knows the PVP codes of docs/CODES.md alone. */
    public ObservationMapper(Vocabulary vocabulary, References references, Clock clock) {
        this(vocabulary, references, clock, PvpProcedures.STANDARD);
    }

    /** @param pvp which Procedures are a PVP on record: the vertebrae they treated are after PVP */
    public ObservationMapper(Vocabulary vocabulary, References references, Clock clock, PvpProcedures pvp) {
        this.vocabulary = vocabulary;
        this.references = references;
        this.clock = clock;
        this.pvp = pvp;
    }

    /** One Observation to read, and the report or panel it belongs to (whose subject and date it inherits). */
    private record Candidate(Observation observation, String label, String fullUrl, String excludedBy) {
    }

    /**
     * A part of the input left out before it reached a patient's readings, and the patient it names
     * (its subject or patient; null when it names none).
     */
    private record Unattached(Notice notice, Reference subject, String fullUrl) {
    }

    /** What a report or panel passes on to the Observations it holds. */
    private record Holder(String label, Reference subject, Type effective, String excludedBy) {
    }

    /** One usable Observation, before the patient's findings are put together. */
    private record Reading(FindingType type, VertebralLevel level, String value, Double quantity,
                           String label, BaseDateTimeType when, boolean preliminary) {

        String display() {
            return value != null ? value : Numbers.withUnit(quantity, type.kind.unit);
        }

        /** When it was observed, as an instant (a date's start in the machine's zone); null when not said. */
        Date effective() {
            return when == null ? null : when.getValue();
        }

        /** When it was observed, as sent. */
        String effectiveText() {
            return when == null ? null : when.getValueAsString();
        }

        /**
         * Whether this reading is known to be later than {@code other}'s: by their instants when both
         * give a time (which FHIR R4 gives with its zone), else by the calendar fields the coarser gives,
         * each in its own zone: 2025-03-06 is neither earlier nor later than 2025-03-06T10:00:00Z, and
         * 2025-03-07 is later than 2025-03-06T23:30:00-05:00.
         */
        boolean laterThan(Reading other) {
            return order(other) > 0;
        }

        /** Whether it gives a time of day, not a date, month or year alone. */
        boolean timed() {
            return when != null && when.getPrecision().ordinal() > TemporalPrecisionEnum.DAY.ordinal();
        }

        /**
         * Above 0 when later than {@code other}, below when earlier, 0 when which is the later cannot be told.
         * Not transitive across zones (a date alone is compared with a time's own calendar day): at worst two
         * readings that could be ordered are taken as unordered, and neither is used, with the reason.
         */
        private int order(Reading other) {
            if (when == null || other.when == null || when.getValue() == null || other.when.getValue() == null) {
                return 0;
            }
            TemporalPrecisionEnum coarser = when.getPrecision().ordinal() < other.when.getPrecision().ordinal()
                    ? when.getPrecision() : other.when.getPrecision();
            if (coarser.ordinal() > TemporalPrecisionEnum.DAY.ordinal()) {
                return when.getValue().compareTo(other.when.getValue());
            }
            int by = Integer.compare(when.getYear(), other.when.getYear());
            if (by == 0 && coarser.ordinal() >= TemporalPrecisionEnum.MONTH.ordinal()) {
                by = Integer.compare(when.getMonth(), other.when.getMonth());
            }
            if (by == 0 && coarser == TemporalPrecisionEnum.DAY) {
                by = Integer.compare(when.getDay(), other.when.getDay());
            }
            return by;
        }
    }

    /** Everything the input holds about one patient, as it is read. */
    private static final class PatientInput {
        /** Its Observations, in the input's order, until they are read into {@link #readings}. */
        final List<Candidate> toRead = new ArrayList<>();
        final List<Reading> readings = new ArrayList<>();
        final List<Notice> notices = new ArrayList<>();
        final List<LeftOut> leftOut = new ArrayList<>();
        final List<Diagnosis> diagnoses = new ArrayList<>();
        /** The PVPs on record, done. */
        final List<Procedure> procedures = new ArrayList<>();
        /** Its Patient as sent: more than once when the input holds copies of it. */
        List<Patient> persons = List.of();
        boolean conditions;
    }

    /**
     * One patient of the input: the findings, or, when none is usable, why ({@code PVP-E117} with
     * every reason, or {@code PVP-E109}); exactly one of the two is set.
     */
    public record Mapped(String patient, PatientFindings findings, InputException unusable) {
    }

    /**
     * The patients of an input of several, and what it left out about none of them (a resource of
     * another patient, or of none): said once, not in every patient's result.
     *
     * @param withoutFindings the Patients of the input with no finding to assess, as "Patient/{id}"
     */
    public record Population(List<Mapped> patients, List<Notice> aboutNone, List<String> withoutFindings) {

        /** Each patient's findings, with what names none of them; the first patient's reason when none is usable. */
        public List<PatientFindings> usable() throws InputException {
            List<PatientFindings> found = new ArrayList<>();
            for (Mapped patient : patients) {
                if (patient.unusable() != null) {
                    throw patient.unusable();
                }
                found.add(patient.findings().withNotices(aboutNone));
            }
            return found;
        }
    }

    /**
     * The findings of {@code patientId} (a FHIR id) among data read for that patient from a FHIR
     * server, whose Conditions were asked for: {@code PVP-E109} when it has none, the reason when
     * none can be used. The resources are taken in an order of their own (type, then id), not the
     * server's: the same resources read by a Bulk Data export or by searches, whose orders differ,
     * give the same RiskAssessment (its basis and notes in the same order), which write-back then
     * finds unchanged.
     */
    public PatientFindings findingsOf(String patientId, List<InputReader.Entry> entries) throws InputException {
        if (entries.stream().noneMatch(e -> e.resource() instanceof Observation)) {
            throw new InputException("PVP-E109", "Patient/" + patientId, "has no finding on the server");
        }
        List<InputReader.Entry> ordered = entries.stream().sorted(Comparator.comparing((InputReader.Entry e) ->
                e.resource().fhirType()).thenComparing(e -> String.valueOf(e.resource().getIdElement().getIdPart())))
                .toList();
        Population population = mapEach(ordered, true);
        for (Mapped each : population.patients()) {
            if (each.patient().equals("Patient/" + patientId)) {
                if (each.unusable() != null) {
                    throw each.unusable();
                }
                return each.findings().withNotices(population.aboutNone());
            }
        }
        throw new InputException("PVP-E109", "Patient/" + patientId, "has no finding on the server");
    }

    /** The patients of the input; the Conditions count as checked when any Condition of the patient is there. */
    public List<PatientFindings> map(List<InputReader.Entry> entries) throws InputException {
        return map(entries, false);
    }

    /**
     * The patients of the input, or the first patient's reason why no finding is usable; what the
     * input left out about none of them is in each patient's notices.
     *
     * @param conditionsSent the patient's Conditions were asked for and sent, even when there are none
     */
    public List<PatientFindings> map(List<InputReader.Entry> entries, boolean conditionsSent) throws InputException {
        return mapEach(entries, conditionsSent).usable();
    }

    /**
     * Each patient of the input on its own: one whose findings are all unusable does not stop the
     * others. What makes the whole input unusable (no Observation, no finding at all, a subject that
     * cannot be read) is thrown. What is left out is said in the result of the patient it names; what
     * names nobody, in the patient's result when the input has one; anything else (another patient's,
     * or nobody's among several) once ({@link Population#aboutNone}).
     */
    public Population mapEach(List<InputReader.Entry> entries, boolean conditionsSent) throws InputException {
        Map<String, PatientInput> patients = new LinkedHashMap<>();
        List<Unattached> unattached = new ArrayList<>();
        boolean sawObservation = entries.stream().anyMatch(e -> e.resource() instanceof Observation
                || e.resource() instanceof DiagnosticReport);
        List<InputException> unreadSubjects = new ArrayList<>();
        for (Candidate candidate : candidates(entries, unattached)) {
            Observation observation = candidate.observation();
            String patientKey;
            try {
                patientKey = references.patient(observation.getSubject(), candidate.fullUrl(),
                        candidate.label() + " subject");
            } catch (InputException e) {
                if (candidate.excludedBy() == null) {
                    unreadSubjects.add(e);
                } else {
                    unattached.add(new Unattached(Notice.info("PVP-I107", candidate.label(), "left out: "
                            + candidate.excludedBy()), null, null));
                }
                continue;
            }
            patients.computeIfAbsent(patientKey, p -> new PatientInput()).toRead.add(candidate);
        }
        if (!unreadSubjects.isEmpty()) {
            throw unreadSubjects.get(0).naming("more", unreadSubjects.subList(1, unreadSubjects.size()).stream()
                    .map(e -> e.where() + " [" + e.code() + "]").toList());
        }
        List<PatientInput> inputs = List.copyOf(patients.values());
        eachPatient(inputs.size()).forEach(i -> {
            PatientInput patient = inputs.get(i);
            patient.toRead.forEach(candidate -> read(candidate, patient));
            patient.toRead.clear();
        });
        Map<String, List<Patient>> persons = new HashMap<>();
        for (InputReader.Entry entry : entries) {
            if (entry.resource() instanceof Patient person) {
                persons.computeIfAbsent("Patient/" + person.getIdElement().getIdPart(), k -> new ArrayList<>()).add(person);
                if (entry.fullUrl() != null && entry.fullUrl().startsWith("urn:")) {
                    persons.computeIfAbsent(entry.fullUrl(), k -> new ArrayList<>()).add(person);
                }
            } else if (entry.resource() instanceof Condition condition) {
                String key = references.patient(condition.getSubject(), entry.fullUrl(),
                        reference(condition, entry.where()) + " subject");
                PatientInput patient = patients.get(key);
                if (patient != null) {
                    patient.conditions = true;
                    diagnosis(condition, entry.where()).ifPresent(patient.diagnoses::add);
                    if (condition.getCode().getCoding().stream().noneMatch(c -> c.hasSystem() && c.hasCode())) {
                        patient.notices.add(Notice.info("PVP-I108", reference(condition, entry.where()),
                                codes(condition.getCode()) + " has no coding (system and code), so it could not"
                                + " be checked against the study's exclusions (rules/applicability.drl.csv)"));
                    }
                }
            } else if (entry.resource() instanceof Procedure procedure && pvp.isPvp(procedure.getCode())) {
                String label = reference(procedure, entry.where());
                PatientInput patient = patients.get(references.patient(procedure.getSubject(), entry.fullUrl(),
                        label + " subject"));
                if (patient == null) {
                    unattached.add(new Unattached(Notice.info("PVP-I103", label, "left out: a PVP of a patient with no"
                            + " finding here"), procedure.getSubject(), entry.fullUrl()));
                } else if (pvp.isDone(procedure)) {
                    patient.procedures.add(procedure);
                    performedAhead(procedure).ifPresent(when -> patient.notices.add(Notice.warning("PVP-W124", label,
                            "is dated " + when + ", more than a day in the future, yet its status is "
                            + procedure.getStatus().toCode() + ": it is taken as done, the conservative reading; correct"
                            + " the date or the status")));
                } else {
                    patient.notices.add(Notice.info("PVP-I102", label, "left out: a PVP whose status is "
                            + (procedure.hasStatus() ? procedure.getStatus().toCode() : "not given")
                            + " is not taken as done"));
                }
            }
        }
        if (!sawObservation) {
            String what = entries.isEmpty() ? "holds no resource" : !persons.isEmpty()
                    ? "holds a Patient but no Observation: send the Patient's imaging findings as Observations"
                    : "holds no Observation: send imaging findings as Observations (docs/CODES.md)";
            String where = entries.isEmpty() ? "the input" : entries.get(0).where().replaceFirst("\\.entry\\[\\d+]$", "");
            throw new InputException(entries.isEmpty() ? "PVP-E004" : "PVP-E003", where, what);
        }
        if (patients.isEmpty()) {
            throw new InputException("PVP-E109", "the input", NO_FINDING + ". " + String.join("; ",
                    unattached.stream().map(u -> u.notice().render()).toList()));
        }
        patients.forEach((key, patient) -> patient.persons = persons.getOrDefault(key, List.of()));
        List<Notice> aboutNone = new ArrayList<>();
        for (Unattached left : unattached) {
            String key = patientKey(left);
            PatientInput named = patients.get(key);
            if (named != null) {
                named.notices.add(left.notice());
            } else if (key == null && patients.size() == 1) {
                // It names nobody: with one patient in the input, it is said with that patient's result.
                patients.values().iterator().next().notices.add(left.notice());
            } else {
                aboutNone.add(left.notice());
            }
        }
        List<String> keys = List.copyOf(patients.keySet());
        Mapped[] found = new Mapped[keys.size()];
        eachPatient(keys.size()).forEach(i -> {
            PatientInput read = patients.get(keys.get(i));
            read.conditions |= conditionsSent;
            try {
                found[i] = new Mapped(keys.get(i), assemble(keys.get(i), read), null);
            } catch (InputException e) {
                found[i] = new Mapped(keys.get(i), null, e);
            }
        });
        List<String> withoutFindings = entries.stream().filter(e -> e.resource() instanceof Patient)
                .filter(e -> !patients.containsKey("Patient/" + e.resource().getIdElement().getIdPart())
                        && (e.fullUrl() == null || !patients.containsKey(e.fullUrl())))
                .map(e -> reference(e.resource(), e.where())).distinct().toList();
        return new Population(List.of(found), aboutNone, withoutFindings);
    }

    /**
     * The indexes of the input's patients, to read or put together each one's findings: on every core
     * for a population (a file of thousands), since what is read of a patient is that patient's alone;
     * in order on the caller's thread for the few of a CDS Hooks call or an operation.
     */
    private static IntStream eachPatient(int count) {
        IntStream indexes = IntStream.range(0, count);
        return count >= 64 ? indexes.parallel() : indexes;
    }

    /** The patient a left-out part names, as the patients of the input are keyed; null when it names none. */
    private String patientKey(Unattached left) {
        if (left.subject() == null || !left.subject().hasReference()) {
            return null;
        }
        try {
            return references.patient(left.subject(), left.fullUrl(), "");
        } catch (InputException notAPatient) {
            return null;
        }
    }

    /** The Reference a resource names its patient by ({@code subject}, else {@code patient}), or null. */
    private static Reference patientReference(Resource resource) {
        for (String name : List.of("subject", "patient")) {
            Property property = resource.getNamedProperty(name);
            if (property != null && property.hasValues() && property.getValues().get(0) instanceof Reference reference) {
                return reference;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ input shapes

    /**
     * Every Observation to read: the input's own, their components and panel members, and the
     * results of DiagnosticReports, each with the subject and date it inherits. Reports and panels
     * are seen first, so a result or member inherits whatever the order of the Bundle.
     */
    private List<Candidate> candidates(List<InputReader.Entry> entries, List<Unattached> unattached) {
        Map<String, InputReader.Entry> byReference = new HashMap<>();
        for (InputReader.Entry entry : entries) {
            if (entry.resource() instanceof Observation && entry.resource().getIdElement().hasIdPart()) {
                byReference.put("Observation/" + entry.resource().getIdElement().getIdPart(), entry);
            }
            if (entry.fullUrl() != null) {
                byReference.put(entry.fullUrl(), entry);
            }
        }
        Shapes shapes = new Shapes(byReference, new IdentityHashMap<>(), new ArrayList<>(), unattached);
        for (InputReader.Entry entry : entries) {
            if (entry.resource() instanceof DiagnosticReport report) {
                String label = reference(report, entry.where());
                Holder holder = new Holder(label, report.getSubject(), report.getEffective(),
                        excludedBy(label, report, report.hasStatus() ? report.getStatus().toCode() : "unknown", null));
                report.getResult().forEach(result -> hold(report, holder, result, entry, shapes));
            }
        }
        for (InputReader.Entry entry : entries) {
            if (entry.resource() instanceof Observation panel && panel.hasHasMember()) {
                Holder holder = panelHolder(panel, reference(panel, entry.where()), shapes.heldBy().get(panel));
                panel.getHasMember().stream().filter(m -> !String.valueOf(m.getReference()).startsWith("#"))
                        .forEach(member -> hold(panel, holder, member, entry, shapes));
            }
        }
        for (InputReader.Entry entry : entries) {
            if (entry.resource() instanceof Observation observation) {
                expand(observation, reference(observation, entry.where()), entry, observation,
                        shapes.heldBy().get(observation), shapes);
            } else if (!(entry.resource() instanceof DiagnosticReport || entry.resource() instanceof Patient
                    || entry.resource() instanceof Condition
                    || entry.resource() instanceof Procedure procedure && pvp.isPvp(procedure.getCode()))) {
                unattached.add(new Unattached(Notice.info("PVP-I103", reference(entry.resource(), entry.where()),
                        "left out: only Observations of imaging findings (also in DiagnosticReports), Patients,"
                        + " Conditions and PVP Procedures are read"), patientReference(entry.resource()), entry.fullUrl()));
            }
        }
        return shapes.candidates();
    }

    /** What the shape pass builds: the input's Observations by reference, who holds whom, the candidates. */
    private record Shapes(Map<String, InputReader.Entry> byReference, Map<Resource, Holder> heldBy,
                          List<Candidate> candidates, List<Unattached> unattached) {
    }

    private static final List<String> TAKES_ITS_RESULTS = List.of("entered-in-error", "cancelled");

    /**
     * Why a report's or panel's results are left out ("DiagnosticReport/r1 is entered-in-error"), or
     * null. A modifier extension this module does not know may change what the report says of them.
     */
    private static String excludedBy(String label, DomainResource holder, String status, String inherited) {
        if (inherited != null) {
            return inherited;
        }
        if (holder.hasModifierExtension()) {
            return label + " has modifierExtension " + String.join(", ", holder.getModifierExtension().stream()
                    .map(e -> String.valueOf(e.getUrl())).toList()) + ", which this module does not know (PVP-E119: it"
                    + " can change what is said of the results)";
        }
        return TAKES_ITS_RESULTS.contains(status) ? label + " is " + status : null;
    }

    private static Holder panelHolder(Observation panel, String label, Holder heldBy) {
        Observation own = inherit(panel, heldBy);
        return new Holder(label, own.getSubject(), own.getEffective(), excludedBy(label, own,
                own.hasStatus() ? own.getStatus().toCode() : "unknown", heldBy == null ? null : heldBy.excludedBy()));
    }

    /**
     * An Observation, its components coded with a finding code, and its contained panel members:
     * each becomes a candidate with what it inherits from {@code holder}.
     *
     * @param outer the resource of the input entry, which holds every contained resource
     */
    private void expand(Observation given, String label, InputReader.Entry entry, DomainResource outer, Holder holder,
                        Shapes shapes) {
        Observation observation = inherit(given, holder);
        String excludedBy = holder == null ? null : holder.excludedBy();
        boolean read = type(observation.getCode()).isPresent();
        if (read) {
            shapes.candidates().add(new Candidate(observation, label, entry.fullUrl(), excludedBy));
        }
        List<String> unknown = new ArrayList<>();
        for (int i = 0; i < observation.getComponent().size(); i++) {
            ObservationComponentComponent component = observation.getComponent().get(i);
            if (type(component.getCode()).isPresent()) {
                shapes.candidates().add(new Candidate(component(observation, component),
                        label + " (component " + (i + 1) + ")", entry.fullUrl(), excludedBy));
                read = true;
            } else if (read) {
                unknown.add(codes(component.getCode()));
            }
        }
        if (!unknown.isEmpty()) {
            shapes.unattached().add(new Unattached(Notice.info("PVP-I101", label, "components with code "
                    + String.join(", ", unknown) + " left out: not findings this module reads (docs/CODES.md)"),
                    observation.getSubject(), entry.fullUrl()));
        }
        Holder panel = panelHolder(given, label, holder);
        for (Reference member : observation.getHasMember()) {
            if (String.valueOf(member.getReference()).startsWith("#")) {
                hold(outer, panel, member, entry, shapes);
            }
            read = true;
        }
        if (!read) {
            shapes.unattached().add(new Unattached(Notice.info("PVP-I101", label, "left out: code "
                    + codes(observation.getCode()) + " is not a finding this module reads (docs/CODES.md)"),
                    observation.getSubject(), entry.fullUrl()));
        }
    }

    /**
     * A report's result or a panel's member: a contained Observation (looked up in the entry's
     * resource, which holds every contained one) is expanded here; one elsewhere in the input
     * inherits from the holder when its turn comes.
     */
    private void hold(DomainResource outer, Holder holder, Reference held, InputReader.Entry entry, Shapes shapes) {
        String target = held.getReference();
        if (target == null) {
            return;
        }
        if (target.startsWith("#")) {
            Optional<Resource> inner = outer.getContained().stream()
                    .filter(r -> target.substring(1).equals(r.getIdElement().getIdPart())).findFirst();
            if (inner.isPresent() && inner.get() instanceof Observation observation) {
                expand(observation, holder.label() + " (contained " + target + ")", entry, outer, holder, shapes);
            } else {
                shapes.unattached().add(new Unattached(Notice.info("PVP-I106", holder.label(), "refers to " + target
                        + ", which its resource does not contain as an Observation: not read"), holder.subject(),
                        entry.fullUrl()));
            }
            return;
        }
        InputReader.Entry found = shapes.byReference().get(target);
        if (found == null) {
            try {
                found = shapes.byReference().get(references.local(target, entry.fullUrl(), holder.label()));
            } catch (InputException e) {
                shapes.unattached().add(new Unattached(Notice.info("PVP-I106", holder.label(), "refers to " + target
                        + ": " + e.getMessage() + "; not read"), holder.subject(), entry.fullUrl()));
                return;
            }
        }
        if (found == null) {
            shapes.unattached().add(new Unattached(Notice.info("PVP-I106", holder.label(), "refers to " + target
                    + ", which is not in the input: not read"), holder.subject(), entry.fullUrl()));
        } else {
            shapes.heldBy().putIfAbsent(found.resource(), holder);
        }
    }

    /** The Observation with the holder's subject and date where it has none of its own. */
    private static Observation inherit(Observation observation, Holder holder) {
        if (holder == null || (observation.hasSubject() || !holder.subject().hasReference())
                && (observation.hasEffective() || holder.effective() == null)) {
            return observation;
        }
        Observation copy = observation.copy();
        if (!copy.hasSubject()) {
            copy.setSubject(holder.subject());
        }
        if (!copy.hasEffective() && holder.effective() != null) {
            copy.setEffective(holder.effective());
        }
        return copy;
    }

    /** A component as an Observation of its own: the parent's subject, status, date and bodySite, its own code and value. */
    private static Observation component(Observation parent, ObservationComponentComponent component) {
        Observation observation = new Observation().setStatus(parent.getStatus()).setCode(component.getCode())
                .setSubject(parent.getSubject()).setEffective(parent.getEffective()).setBodySite(parent.getBodySite())
                .setValue(component.getValue()).setDataAbsentReason(component.getDataAbsentReason());
        observation.setIssuedElement(parent.getIssuedElement());
        observation.setIdElement(parent.getIdElement());
        // The Observation's modifier extensions are its components' too.
        parent.getModifierExtension().forEach(observation::addModifierExtension);
        component.getModifierExtension().forEach(observation::addModifierExtension);
        return observation;
    }

    // ------------------------------------------------------------------ one Observation

    /** Reads one candidate into the patient's readings, or leaves it out with a notice saying why. */
    private void read(Candidate candidate, PatientInput patient) {
        Observation observation = candidate.observation();
        String label = candidate.label();
        FindingType type = type(observation.getCode()).orElseThrow();
        if (candidate.excludedBy() != null) {
            patient.notices.add(Notice.info("PVP-I107", label, "left out: " + candidate.excludedBy()
                    + ", and its results with it"));
            return;
        }
        try {
            oneType(observation.getCode(), label + " code");
            reading(observation, type, label, patient.notices).ifPresent(patient.readings::add);
        } catch (InputException e) {
            leaveOut(patient, type, knownLevel(observation), label, e);
        }
    }

    private static void leaveOut(PatientInput patient, FindingType type, String level, String label, InputException e) {
        String field = e.where().equals(label) ? "" : e.where().startsWith(label + " ")
                ? e.where().substring(label.length()).strip() : e.where();
        LeftOut leftOut = new LeftOut(type.ruleCode(), level, label, "[" + e.code() + "] " + (field.isEmpty() ? "" : field + ": ")
                + e.getMessage());
        patient.leftOut.add(leftOut);
    }

    /** The Observation as a usable reading, empty when its status leaves it out (with a notice). */
    private Optional<Reading> reading(Observation observation, FindingType finding, String label, List<Notice> notices)
            throws InputException {
        if (!observation.hasStatus()) {
            throw new InputException("PVP-E102", label + " status", "is missing: FHIR requires it (final, amended,"
                    + " corrected or preliminary)");
        }
        if (observation.hasModifierExtension()) {
            throw new InputException("PVP-E119", label + " modifierExtension", "is " + String.join(", ",
                    observation.getModifierExtension().stream().map(e -> String.valueOf(e.getUrl())).toList())
                    + ", which this module does not know: a modifier extension can change what the finding means"
                    + " (even reverse it), so FHIR R4 does not let a reader that does not know it use the finding");
        }
        ObservationStatus status = observation.getStatus();
        switch (status) {
            case FINAL, AMENDED, CORRECTED, PRELIMINARY -> { }
            default -> {
                notices.add(Notice.info("PVP-I102", label, "left out: status " + status.toCode()));
                return Optional.empty();
            }
        }
        if (!observation.hasValue()) {
            if (observation.hasDataAbsentReason()) {
                notices.add(Notice.info("PVP-I104", label, "left out: no value (dataAbsentReason "
                        + codes(observation.getDataAbsentReason()) + ")"));
                return Optional.empty();
            }
            throw new InputException("PVP-E103", label + " value[x]", "is missing: " + expected(finding));
        }
        if (observation.hasDataAbsentReason()) {
            throw new InputException("PVP-E103", label + " dataAbsentReason", "is " + codes(observation.getDataAbsentReason())
                    + " beside a value, which FHIR R4 does not allow (obs-6): which one holds cannot be told; send the"
                    + " value alone, or the reason alone");
        }
        VertebralLevel level = level(observation, finding, label);
        String value = null;
        Double quantity = null;
        switch (finding.kind) {
            case PRESENCE -> value = presence(observation.getValue(), finding, label);
            case NPEC -> value = npec(observation.getValue(), label);
            default -> quantity = quantity(observation.getValue(), finding, label);
        }
        BaseDateTimeType when = effective(observation);
        if (when != null && when.getValue() != null && when.getValue().toInstant().isAfter(clock.instant().plus(FUTURE))) {
            throw new InputException("PVP-E114", label + " effective[x]", "is " + when.getValueAsString()
                    + ", more than a day in the future: correct the date");
        }
        if (status == ObservationStatus.PRELIMINARY) {
            notices.add(Notice.warning("PVP-W103", label, "is preliminary, so the assessment is preliminary too"));
        }
        if (quantity != null && observation.getValue() instanceof Quantity sent && sent.hasCode() && sent.hasUnit()
                && FindingType.KNOWN_UNITS.contains(sent.getUnit())
                && !Objects.equals(finding.kind.factors.get(sent.getUnit()), finding.kind.factors.get(sent.getCode()))) {
            // FHIR's code is the unit, its unit text the display: a display naming another unit may mean a wrong code
            // (a display such as "percent" or "degrees" is only words, and says nothing).
            notices.add(Notice.warning("PVP-W114", label + " valueQuantity.unit", "is '" + sent.getUnit() + "', but its"
                    + " code is '" + sent.getCode() + "': the value is read in " + sent.getCode() + ", as FHIR reads it;"
                    + " check which unit it was measured in"));
        }
        return Optional.of(new Reading(finding, level, value, quantity, label, when, status == ObservationStatus.PRELIMINARY));
    }

    private static Optional<FindingType> type(CodeableConcept code) {
        return code.getCoding().stream().map(c -> FindingType.of(c.getSystem(), c.getCode()))
                .flatMap(Optional::stream).findFirst();
    }

    private static String expected(FindingType type) {
        return switch (type.kind) {
            case PRESENCE -> type.code + " needs valueBoolean, or valueCodeableConcept SNOMED CT "
                    + PRESENT + " (present) or " + ABSENT + " (absent)";
            case NPEC -> "npec-pattern needs valueCodeableConcept from " + Codes.NPEC_PATTERN + " (" + String.join(", ", NPEC_CODES) + ")";
            default -> type.code + " needs valueQuantity in " + String.join(" or ", new TreeMap<>(type.kind.factors).keySet());
        };
    }

    private static String presence(Type value, FindingType type, String label) throws InputException {
        if (value instanceof BooleanType bool && bool.hasValue()) {
            return bool.booleanValue() ? "present" : "absent";
        }
        if (value instanceof CodeableConcept concept) {
            List<String> said = concept.getCoding().stream().filter(c -> Codes.SNOMED.equals(c.getSystem()))
                    .map(c -> PRESENT.equals(c.getCode()) ? "present" : ABSENT.equals(c.getCode()) ? "absent" : null)
                    .filter(Objects::nonNull).distinct().toList();
            if (said.size() > 1) {
                throw contradicting(label + " valueCodeableConcept", concept, "present (" + PRESENT + ") and absent ("
                        + ABSENT + ")");
            }
            if (!said.isEmpty()) {
                return said.get(0);
            }
            throw new InputException("PVP-E103", label + " valueCodeableConcept", "code " + codes(concept)
                    + " is not understood: " + expected(type));
        }
        throw new InputException("PVP-E103", label + " value[x]", "is a " + value.fhirType() + ": " + expected(type));
    }

    private static String npec(Type value, String label) throws InputException {
        if (!(value instanceof CodeableConcept concept)) {
            throw new InputException("PVP-E103", label + " value[x]", "is a " + value.fhirType() + ": "
                    + expected(FindingType.NPEC_PATTERN));
        }
        List<String> patterns = concept.getCoding().stream()
                .filter(c -> Codes.NPEC_PATTERN.equals(c.getSystem()) && c.hasCode() && NPEC_CODES.contains(c.getCode()))
                .map(Coding::getCode).distinct().toList();
        if (patterns.size() > 1) {
            throw contradicting(label + " valueCodeableConcept", concept, "the patterns " + String.join(" and ", patterns));
        }
        if (patterns.isEmpty()) {
            throw new InputException("PVP-E105", label + " valueCodeableConcept", "code " + codes(concept)
                    + " is not an NPEC pattern: " + expected(FindingType.NPEC_PATTERN));
        }
        return patterns.get(0);
    }

    /** The code of a finding names one finding the module reads, or the Observation cannot be used. */
    private static void oneType(CodeableConcept code, String where) throws InputException {
        List<String> types = code.getCoding().stream().map(c -> FindingType.of(c.getSystem(), c.getCode()))
                .flatMap(Optional::stream).map(FindingType::ruleCode).distinct().toList();
        if (types.size() > 1) {
            throw contradicting(where, code, "the findings " + String.join(" and ", types));
        }
    }

    /**
     * Codings of one concept are the same meaning in several code systems (FHIR R4): codings that
     * mean different things leave no telling which was meant.
     */
    private static InputException contradicting(String where, CodeableConcept concept, String meanings) {
        return new InputException("PVP-E118", where, "codes " + codes(concept) + " say " + meanings + " at once: the"
                + " codings of one concept must mean the same; correct the finding so that it says one");
    }

    private double quantity(Type value, FindingType type, String label) throws InputException {
        if (!(value instanceof Quantity quantity)) {
            throw new InputException("PVP-E103", label + " value[x]", "is a " + value.fhirType() + ": " + expected(type));
        }
        if (!quantity.hasValue()) {
            throw new InputException("PVP-E103", label + " valueQuantity.value", "is missing: " + expected(type));
        }
        if (quantity.hasComparator()) {
            throw new InputException("PVP-E103", label + " valueQuantity.comparator", "is "
                    + quantity.getComparator().toCode() + ": send the measured value itself");
        }
        if (quantity.hasSystem() && !Codes.UCUM.equals(quantity.getSystem())) {
            throw new InputException("PVP-E104", label + " valueQuantity.system", "is " + quantity.getSystem()
                    + ": units must be UCUM (" + Codes.UCUM + ")");
        }
        if (!quantity.hasCode() && !quantity.hasUnit() && !type.kind.unit.equals("1")) {
            throw new InputException("PVP-E104", label + " valueQuantity", "has no unit: " + expected(type)
                    + (type.kind == FindingType.Kind.PERCENT ? " (% means percentage points; 1 means a fraction)" : "")
                    + "; a unit is never guessed");
        }
        String unit = quantity.hasCode() ? quantity.getCode() : quantity.hasUnit() ? quantity.getUnit() : "1";
        Double factor = type.kind.factors.get(unit);
        if (factor == null) {
            String field = quantity.hasCode() ? "valueQuantity.code" : "valueQuantity.unit";
            throw new InputException("PVP-E104", label + " " + field, "unit '" + unit + "' is not accepted: "
                    + expected(type) + (type.kind == FindingType.Kind.PERCENT ? " (% means percentage points; 1 means a fraction)" : ""));
        }
        double sent = quantity.getValue().doubleValue();
        if (!Double.isFinite(sent) || (sent == 0 && quantity.getValue().signum() != 0)) {
            throw new InputException("PVP-E115", label + " valueQuantity.value", "is " + quantity.getValue()
                    + ": not a measurement this module can use");
        }
        double canonical = quantity.getValue().multiply(BigDecimal.valueOf(factor)).doubleValue();
        Optional<PhysicalLimit> limit = vocabulary.limit(type.ruleCode());
        if (limit.isPresent() && !limit.get().allows(canonical)) {
            PhysicalLimit l = limit.get();
            throw new InputException("PVP-E116", label + " valueQuantity.value", "is " + quantity.getValue().toPlainString()
                    + " " + unit + (factor == 1 ? "" : " (" + Numbers.plain(canonical) + " " + type.kind.unit + ")")
                    + ", outside " + Numbers.plain(l.getLowest()) + " to "
                    + Numbers.plain(l.getHighest()) + " " + type.kind.unit + ": " + l.getWhy()
                    + " (rules/vocabulary.drl.csv, PhysicalLimits)");
        }
        return canonical;
    }

    /** The vertebra bodySite names: by a coding the vocabulary knows, else by its text; null when it has none. */
    private VertebralLevel level(Observation observation, FindingType type, String label) throws InputException {
        if (!observation.hasBodySite()) {
            return null;
        }
        CodeableConcept site = observation.getBodySite();
        List<String> coded = site.getCoding().stream().map(c -> vocabulary.level(c.getSystem(), c.getCode()))
                .flatMap(Optional::stream).distinct().toList();
        if (coded.size() > 1) {
            throw contradicting(label + " bodySite", site, "the vertebrae " + String.join(" and ", coded));
        }
        Optional<String> level = levelOf(vocabulary, site);
        if (level.isEmpty() && !type.vertebral) {
            return null;
        }
        return level.flatMap(VertebralLevel::byName).orElseThrow(() -> new InputException("PVP-E106", label
                + " bodySite", bodySite(site) + " names no vertebra this module knows: T4 to L5 (the levels the"
                + " paper studied) by SNOMED CT, or a code or words a deployment added to rules/vocabulary.drl.csv"
                + " (table BodySites; docs/CODES.md)"));
    }

    /** The level an Observation that is being left out names, when the vocabulary knows it; else null. */
    private String knownLevel(Observation observation) {
        try {
            VertebralLevel level = observation.hasBodySite() ? level(observation, FindingType.INTRAVERTEBRAL_CLEFT, "") : null;
            return level == null ? null : level.name();
        } catch (InputException e) {
            return null;
        }
    }

    /** When the finding was observed: effective[x] (a period's end), else issued; null when neither. */
    private static BaseDateTimeType effective(Observation observation) {
        if (observation.hasEffectiveDateTimeType()) {
            return observation.getEffectiveDateTimeType();
        }
        if (observation.hasEffectiveInstantType()) {
            return observation.getEffectiveInstantType();
        }
        if (observation.hasEffectivePeriod()) {
            org.hl7.fhir.r4.model.Period period = observation.getEffectivePeriod();
            return period.hasEnd() ? period.getEndElement() : period.getStartElement();
        }
        return observation.hasIssued() ? observation.getIssuedElement() : null;
    }

    // ------------------------------------------------------------------ the patient

    /**
     * A Condition that holds (not inactive or resolved, not refuted or entered in error) as a
     * Diagnosis. A condition in remission still counts: the study excluded the fractures it causes.
     */
    private static Optional<Diagnosis> diagnosis(Condition condition, String where) {
        String clinical = condition.getClinicalStatus().getCoding().stream().map(Coding::getCode).filter(Objects::nonNull)
                .findFirst().orElse("");
        String verification = condition.getVerificationStatus().getCoding().stream().map(Coding::getCode)
                .filter(Objects::nonNull).findFirst().orElse("");
        if (List.of("inactive", "resolved").contains(clinical)
                || List.of("refuted", "entered-in-error").contains(verification)) {
            return Optional.empty();
        }
        CodeableConcept code = condition.getCode();
        String display = code.hasText() ? code.getText() : code.getCoding().stream().filter(Coding::hasDisplay)
                .map(Coding::getDisplay).findFirst().orElse(codes(code));
        return Optional.of(new Diagnosis(reference(condition, where), display, code.getCoding().stream()
                .filter(c -> c.hasSystem() && c.hasCode()).map(c -> new Diagnosis.Code(c.getSystem(), c.getCode())).toList()));
    }

    private PatientDetails details(PatientInput read) {
        // A copy without a birthDate (a thinned search result beside the full Patient) does not hide the age.
        Patient person = read.persons.stream().filter(Patient::hasBirthDate).findFirst()
                .orElse(read.persons.isEmpty() ? null : read.persons.get(0));
        Set<String> birthDates = read.persons.stream().filter(Patient::hasBirthDate)
                .map(p -> p.getBirthDateElement().getValueAsString()).collect(Collectors.toCollection(TreeSet::new));
        if (birthDates.size() > 1) {
            // Which one is right, the input does not say: neither is used, both are named.
            read.notices.add(Notice.warning("PVP-W104", "Patient/" + person.getIdElement().getIdPart() + " birthDate",
                    "is sent as " + String.join(" and as ", birthDates) + " (the Patient more than once): the age is"
                    + " not used; send the Patient once, with its one birthDate"));
            return new PatientDetails(null, null, read.conditions);
        }
        if (person == null || !person.hasBirthDate()) {
            return new PatientDetails(null, null, read.conditions);
        }
        DateType birth = person.getBirthDateElement();
        boolean day = birth.getPrecision().ordinal() >= TemporalPrecisionEnum.DAY.ordinal();
        boolean month = birth.getPrecision().ordinal() >= TemporalPrecisionEnum.MONTH.ordinal();
        LocalDate born = LocalDate.of(birth.getYear(), month ? birth.getMonth() + 1 : 1, day ? birth.getDay() : 1);
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        if (born.isAfter(today)) {
            read.notices.add(Notice.warning("PVP-W104", "Patient/" + person.getIdElement().getIdPart() + " birthDate",
                    "is " + birth.getValueAsString() + ", in the future: the age is not used"));
            return new PatientDetails(null, null, read.conditions);
        }
        int age = Period.between(born, today).getYears();
        if (age > OLDEST) {
            read.notices.add(Notice.warning("PVP-W104", "Patient/" + person.getIdElement().getIdPart() + " birthDate",
                    "is " + birth.getValueAsString() + ", an age of " + age + " years, which no living person has: the"
                    + " age is not used"));
            return new PatientDetails(null, null, read.conditions);
        }
        return new PatientDetails(age, "Patient/" + person.getIdElement().getIdPart() + " (birthDate "
                + person.getBirthDateElement().getValueAsString() + ")", read.conditions);
    }

    /** Puts one patient's readings together: levels, the latest of each finding, disagreements. */
    private PatientFindings assemble(String patient, PatientInput read) throws InputException {
        List<VertebralLevel> levels = read.readings.stream().map(Reading::level).filter(Objects::nonNull).distinct()
                .sorted().toList();
        Map<VertebralLevel, Vertebra> vertebrae = new TreeMap<>(Comparator.nullsFirst(Comparator.naturalOrder()));
        Map<String, List<Reading>> byFinding = new LinkedHashMap<>();
        for (Reading reading : read.readings) {
            VertebralLevel level = reading.level();
            if (reading.type().vertebral && level == null) {
                if (levels.size() > 1) {
                    leaveOut(read, reading.type(), null, reading.label(), new InputException("PVP-E108", reading.label()
                            + " bodySite", "is missing, and " + patient + " has findings at " + levels
                            + ": say which vertebra this finding is of"));
                    continue;
                }
                level = levels.isEmpty() ? null : levels.get(0);
                if (level != null) {
                    read.notices.add(Notice.info("PVP-I105", reading.label(), "has no bodySite; taken to be of "
                            + level + ", the only level reported for this patient"));
                }
            }
            if (reading.type().vertebral) {
                vertebrae.computeIfAbsent(level, l -> l == null ? new Vertebra(null, null) : new Vertebra(l.name(), l.snomedCode));
            }
            String key = (reading.type().vertebral ? String.valueOf(level) : "patient") + "|" + reading.type().name();
            byFinding.computeIfAbsent(key, k -> new ArrayList<>()).add(withLevel(reading, level));
        }
        List<Finding> findings = new ArrayList<>();
        boolean preliminary = false;
        for (List<Reading> same : byFinding.values()) {
            Optional<Reading> latest = latest(same, read);
            if (latest.isEmpty()) {
                continue;
            }
            Reading chosen = latest.get();
            Vertebra vertebra = chosen.type().vertebral ? vertebrae.get(chosen.level()) : null;
            Finding finding = Finding.observed(vertebra, chosen.type().ruleCode(), chosen.value(), chosen.quantity(),
                    chosen.value() == null ? chosen.type().kind.unit : null, chosen.label(), chosen.effectiveText());
            if (vertebra != null) {
                vertebra.record(finding);
            }
            findings.add(finding);
            preliminary |= chosen.preliminary();
        }
        vertebrae.values().removeIf(v -> findings.stream().noneMatch(f -> f.getVertebra() == v));
        if (vertebrae.isEmpty()) {
            if (!read.leftOut.isEmpty()) {
                throw new InputException("PVP-E117", patient, "has no usable finding of a vertebra: " + String.join("; ",
                        read.leftOut.stream().map(l -> l.where() + " left out, " + l.reason()).toList()));
            }
            throw new InputException("PVP-E109", patient, NO_FINDING);
        }
        afterPvp(read, vertebrae.values(), findings);
        cemented(read, vertebrae.values(), findings);
        return new PatientFindings(patient, List.copyOf(vertebrae.values()), findings, read.notices, preliminary,
                read.leftOut, details(read), read.diagnoses);
    }

    /** A performed date (or period start) more than a day ahead of now, as written. */
    private Optional<String> performedAhead(Procedure procedure) {
        BaseDateTimeType when = procedure.hasPerformedDateTimeType() ? procedure.getPerformedDateTimeType()
                : procedure.hasPerformedPeriod() ? procedure.getPerformedPeriod().getStartElement() : null;
        return when != null && when.getValue() != null && when.getValue().toInstant().isAfter(clock.instant().plus(FUTURE))
                ? Optional.of(when.getValueAsString()) : Optional.empty();
    }

    /**
     * The cement is in a vertebra a PVP on record treated, whatever findings were sent: one without
     * a post-operative finding is after PVP all the same, so the rules give its band under every
     * technique scenario, the highest, not the favourable one's, and no advice on a technique
     * already used (docs/MODEL.md). The vertebra treated is the one a Procedure's bodySite names;
     * for a Procedure without bodySite, the patient's only vertebra with findings. When that cannot
     * be told (a bodySite that names no vertebra this module knows, or none and several vertebrae),
     * each vertebra may have been treated, and each is taken so, the PVP named (PVP-W122). So is a
     * vertebra whose findings state no level: they may be the treated level's.
     */
    private void afterPvp(PatientInput read, Collection<Vertebra> vertebrae, List<Finding> findings) {
        for (Procedure procedure : read.procedures) {
            String named = PvpProcedures.named(procedure);
            List<String> levels = procedure.getBodySite().stream().map(site -> levelOf(vocabulary, site))
                    .flatMap(Optional::stream).distinct().toList();
            boolean known = !levels.isEmpty() || !procedure.hasBodySite() && vertebrae.size() == 1;
            if (!known) {
                read.notices.add(Notice.warning("PVP-W122", named, "does not say which vertebra it treated ("
                        + (procedure.hasBodySite() ? "its bodySite " + HttpError.cut(procedure.getBodySite().stream()
                        .map(ObservationMapper::bodySite).collect(Collectors.joining(", ")), 80)
                        + " names no vertebra this module knows" : "it has no bodySite, and findings are of "
                        + vertebrae.stream().map(Vertebra::getLabel).collect(Collectors.joining(", ")))
                        + "): each vertebra without a post-operative finding is taken as after PVP, as it may be the"
                        + " one treated; give the Procedure's bodySite"));
            }
            for (String level : levels) {
                if (vertebrae.stream().noneMatch(v -> level.equals(v.getLevel()))) {
                    read.notices.add(Notice.warning("PVP-W123", named, "treated " + level + ", of which no finding"
                            + " is here: no refracture risk of " + level + " is estimated"));
                }
            }
            for (Vertebra vertebra : vertebrae) {
                // Findings that state no level may be of the level treated: taken as it, as a PVP-W122 vertebra is.
                boolean unstated = vertebra.getLevel() == null;
                boolean treated = !known || levels.isEmpty() || unstated || levels.contains(vertebra.getLevel());
                if (treated && afterPvpWithoutPostOp(vertebra, findings)) {
                    read.notices.add(Notice.info(TREATED_WITHOUT_POST_OP, vertebra.getLabel(), "taken as after PVP:"
                            + " a PVP on record (" + named + ") " + (!known ? "may have treated it (PVP-W122)"
                            : unstated ? "may have treated it (its findings state no level)" : "treated it")
                            + WITHOUT_POST_OP));
                }
            }
        }
    }

    /**
     * A vertebra whose findings say its cement is in ({@link #OF_CEMENT}) is after PVP
     * ({@value #CEMENT_WITHOUT_POST_OP}), as one a PVP on record treated is ({@value #TREATED_WITHOUT_POST_OP}),
     * though none of the post-operative findings the model reads is there: estimated before PVP, under
     * the favourable technique, it would be given a band its cement may not have. A refracture on
     * record is said besides: the outcome the model predicts is there already.
     */
    private static void cemented(PatientInput read, Collection<Vertebra> vertebrae, List<Finding> findings) {
        for (Vertebra vertebra : vertebrae) {
            List<Finding> ofCement = findings.stream().filter(f -> f.getVertebra() == vertebra
                    && OF_CEMENT.contains(f.getCode())).toList();
            if (ofCement.isEmpty()) {
                continue;
            }
            if (afterPvpWithoutPostOp(vertebra, findings)) {
                read.notices.add(Notice.info(CEMENT_WITHOUT_POST_OP, vertebra.getLabel(), "taken as after PVP: its"
                        + " findings are of cement in it (" + ofCement.stream().map(f -> f.getCode() + ", "
                        + String.join(", ", f.getObservations())).collect(Collectors.joining("; ")) + ")"
                        + WITHOUT_POST_OP));
            }
            ofCement.stream().filter(f -> f.getCode().equals(FindingType.REFRACTURE_CEMENTED_VERTEBRA.ruleCode())
                    && "present".equals(f.getValue())).forEach(f -> read.notices.add(Notice.warning(REFRACTURE_ON_RECORD,
                    vertebra.getLabel(), "a refracture of the cemented vertebra is on record (" + String.join(", ",
                    f.getObservations()) + "): the outcome the model predicts has happened. The estimate is of the"
                    + " risk from the findings, and the paper says nothing of its use after a refracture")));
        }
    }

    /** What a vertebra taken as after PVP without a post-operative finding is estimated under (I111, I113). */
    private static final String WITHOUT_POST_OP = ", but no post-operative finding of it was used (cement-endplate"
            + " contact, reduction rate, compression ratios). Its estimate is under every technique scenario, the highest"
            + " band of them, with no advice on the technique";

    /**
     * Takes the vertebra as after PVP when nothing has set its phase and no post-operative finding of it
     * is used; whether it did.
     */
    private static boolean afterPvpWithoutPostOp(Vertebra vertebra, List<Finding> findings) {
        if (vertebra.getPhase() != null || findings.stream().anyMatch(f -> f.getVertebra() == vertebra
                && POST_OPERATIVE.contains(f.getCode()))) {
            return false;
        }
        vertebra.setPhase("post-operative");
        return true;
    }

    private static Reading withLevel(Reading reading, VertebralLevel level) {
        return new Reading(reading.type(), level, reading.value(), reading.quantity(),
                reading.label(), reading.when(), reading.preliminary());
    }

    /**
     * The latest reading of one finding; older ones that disagree are reported. When the latest
     * disagree among themselves, none is used: each is left out and named.
     */
    private static Optional<Reading> latest(List<Reading> same, PatientInput read) {
        Comparator<Reading> byTime = Comparator.comparing(Reading::effective, Comparator.nullsFirst(Comparator.naturalOrder()));
        // The latest: one no other is known to be later than (a date alone is not ordered against a time that day).
        Reading chosen = same.stream().filter(r -> same.stream().noneMatch(other -> other.laterThan(r))).max(byTime)
                .orElseGet(() -> same.stream().max(byTime).orElseThrow());
        // One that disagrees and has no date may be the later: which is cannot be told, as with the same time, or with
        // a date alone on the day of the other's time.
        List<Reading> tied = same.stream().filter(r -> r != chosen && !chosen.laterThan(r)
                && !r.display().equals(chosen.display())).toList();
        if (!tied.isEmpty()) {
            List<Reading> all = new ArrayList<>(List.of(chosen));
            all.addAll(tied);
            for (Reading reading : all) {
                // The same resource sent twice, each time another value, is named as such: "it again (absent)".
                List<String> others = all.stream().filter(r -> r != reading).map(r -> (r.label().equals(reading.label())
                        ? "the same " + r.label() + " sent again" : r.label()) + " (" + r.display() + ")").toList();
                leaveOut(read, reading.type(), reading.level() == null ? null : reading.level().name(), reading.label(),
                        new InputException("PVP-E107", reading.label(),
                        "says " + reading.display() + " but " + String.join(" and ", others) + " says otherwise"
                        + unordered(all)
                        + ": neither is used; correct one or enter it in error"));
            }
            return Optional.empty();
        }
        for (Reading other : same) {
            if (other != chosen && !other.display().equals(chosen.display())) {
                read.notices.add(Notice.warning("PVP-W101", chosen.label(), chosen.type().ruleCode() + " is "
                        + chosen.display() + " here but " + other.display() + " in the earlier " + other.label()
                        + "; the latest is used"));
            }
        }
        return Optional.of(chosen);
    }

    /** Why readings that disagree are not ordered: ", and which is the later cannot be told (...)", or the same time. */
    private static String unordered(List<Reading> all) {
        String cannot = ", and which is the later cannot be told (";
        if (all.stream().anyMatch(r -> r.effective() == null)) {
            return cannot + "one has no effective date or issued)";
        }
        String times = String.join(" and ", all.stream().map(Reading::effectiveText).toList());
        if (all.stream().anyMatch(Reading::timed) && !all.stream().allMatch(Reading::timed)) {
            return cannot + times + ": a date alone is not ordered against a time within it)";
        }
        if (all.stream().map(Reading::effectiveText).distinct().count() > 1 && !all.stream().allMatch(Reading::timed)) {
            return cannot + times + ": a year or a month alone is not ordered against a month or a date within it)";
        }
        return " with the same effective time";
    }

    static String reference(Resource resource, String where) {
        if (resource.hasIdElement() && resource.getIdElement().hasIdPart()) {
            String id = resource.getIdElement().getValue();
            return id.startsWith("urn:") ? id : resource.fhirType() + "/" + resource.getIdElement().getIdPart();
        }
        return resource.fhirType() + " at " + where;
    }

    /** Text of the input quoted in a message: at most 80 characters. */
    private static String cut(String text) {
        return HttpError.cut(text, 80);
    }

    static String codes(CodeableConcept concept) {
        if (!concept.hasCoding()) {
            return concept.hasText() ? "'" + concept.getText() + "'" : "(none)";
        }
        return String.join(", ", concept.getCoding().stream().limit(5).map(c -> cut((c.hasSystem() ? c.getSystem()
                : "(no system)") + "|" + (c.hasCode() ? c.getCode() : "(no code)"))).toList())
                + (concept.getCoding().size() > 5 ? " and " + (concept.getCoding().size() - 5) + " more" : "");
    }

    /** The vertebra a bodySite names: by a coding the vocabulary knows, else by its words (bodySite.text). */
    public static Optional<String> levelOf(Vocabulary vocabulary, CodeableConcept site) {
        Optional<String> level = site.getCoding().stream().map(c -> vocabulary.level(c.getSystem(), c.getCode()))
                .flatMap(Optional::stream).findFirst();
        return level.isEmpty() && site.hasText() ? vocabulary.levelOfText(site.getText()) : level;
    }

    /** A bodySite as a reader sees it: its codings and its text, each at most 80 characters (it is quoted on cards). */
    public static String bodySite(CodeableConcept site) {
        String codings = site.hasCoding() ? String.join(", ", site.getCoding().stream().limit(5)
                .map(c -> cut(c.getSystem() + "|" + c.getCode()) + (c.hasDisplay() ? " '" + cut(c.getDisplay()) + "'" : ""))
                .toList()) + (site.getCoding().size() > 5 ? " and " + (site.getCoding().size() - 5) + " more" : "") : "";
        String text = site.hasText() ? "text '" + cut(site.getText()) + "'" : "";
        return codings.isEmpty() && text.isEmpty() ? "(empty)" : String.join(" ", List.of(codings, text)).strip();
    }
}
